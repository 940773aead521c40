import { defineSchema } from '../core/index.js';
import { auditEntry } from './audit-entry.js';
import { membership } from './membership.js';
import { organization } from './organization.js';
import { project, tag } from './project.js';
import { release } from './release.js';
import { profile, user } from './user.js';

/** The demo domain: a release manager. Adding an entity = a file beside this one + a line here. */
export const schema = defineSchema(
  { organization, user, profile, membership, project, tag, release, auditEntry },
  { principal: 'user' },
);

export type AppSchema = typeof schema.entities;
