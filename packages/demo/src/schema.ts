import { defineSchema } from '@typecrud/shared';
import { auditEntry } from './entities/audit-entry.js';
import { membership } from './entities/membership.js';
import { organization } from './entities/organization.js';
import { project, tag } from './entities/project.js';
import { release } from './entities/release.js';
import { session } from './entities/session.js';
import { profile, user } from './entities/user.js';

/** The demo domain: a release manager. Adding an entity = a file beside this one + a line here. */
export const schema = defineSchema(
  { organization, user, profile, membership, project, tag, release, auditEntry, session },
  { principal: 'user', auditLog: 'auditEntry', tenant: 'organization' },
);

export type AppSchema = typeof schema.entities;
