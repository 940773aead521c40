import type { CreateInput, ListItem, Row, UpdateInput } from '../core/index.js';
import type { auditEntry } from './audit-entry.js';
import type { membership } from './membership.js';
import type { organization } from './organization.js';
import type { project, tag } from './project.js';
import type { release } from './release.js';
import type { AppSchema } from './schema.js';
import type { profile, user } from './user.js';

/** Named, flat interfaces per entity: what editors show and what users import. */
export interface Organization extends Row<typeof organization> {}
export interface OrganizationCreate extends CreateInput<AppSchema, typeof organization> {}
export interface OrganizationUpdate extends UpdateInput<typeof organization> {}
export interface OrganizationListItem extends ListItem<typeof organization> {}

export interface User extends Row<typeof user> {}
export interface UserCreate extends CreateInput<AppSchema, typeof user> {}
export interface UserUpdate extends UpdateInput<typeof user> {}
export interface UserListItem extends ListItem<typeof user> {}

export interface Profile extends Row<typeof profile> {}
export interface ProfileCreate extends CreateInput<AppSchema, typeof profile> {}

export interface Project extends Row<typeof project> {}
export interface ProjectCreate extends CreateInput<AppSchema, typeof project> {}
export interface ProjectUpdate extends UpdateInput<typeof project> {}
export interface ProjectListItem extends ListItem<typeof project> {}

export interface Tag extends Row<typeof tag> {}
export interface TagCreate extends CreateInput<AppSchema, typeof tag> {}
export interface TagListItem extends ListItem<typeof tag> {}

export interface Release extends Row<typeof release> {}
export interface ReleaseCreate extends CreateInput<AppSchema, typeof release> {}
export interface ReleaseUpdate extends UpdateInput<typeof release> {}
export interface ReleaseListItem extends ListItem<typeof release> {}

export interface Membership extends Row<typeof membership> {}
export interface MembershipCreate extends CreateInput<AppSchema, typeof membership> {}
export interface AuditEntry extends Row<typeof auditEntry> {}
