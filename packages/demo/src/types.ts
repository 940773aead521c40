import type { CreateInput, ListItem, Row, UpdateInput, UpsertInput } from '@typecrud/shared';
import type { auditEntry } from './entities/audit-entry.js';
import type { membership } from './entities/membership.js';
import type { organization } from './entities/organization.js';
import type { project, tag } from './entities/project.js';
import type { release } from './entities/release.js';
import type { session } from './entities/session.js';
import type { profile, user } from './entities/user.js';
import type { AppSchema } from './schema.js';

/** Named, flat interfaces per entity: what editors show and what users import. */
export interface Organization extends Row<typeof organization> {}
export interface OrganizationCreate extends CreateInput<AppSchema, typeof organization> {}
export interface OrganizationUpdate extends UpdateInput<typeof organization, AppSchema> {}
export interface OrganizationListItem extends ListItem<typeof organization> {}

export interface User extends Row<typeof user> {}
export interface UserCreate extends CreateInput<AppSchema, typeof user> {}
export interface UserUpdate extends UpdateInput<typeof user, AppSchema> {}
export interface UserListItem extends ListItem<typeof user> {}

export interface Profile extends Row<typeof profile> {}
export interface ProfileCreate extends CreateInput<AppSchema, typeof profile> {}

export interface Project extends Row<typeof project> {}
export interface ProjectCreate extends CreateInput<AppSchema, typeof project> {}
export interface ProjectUpdate extends UpdateInput<typeof project, AppSchema> {}
export interface ProjectListItem extends ListItem<typeof project> {}
export interface ProjectUpsert extends UpsertInput<typeof project> {}

export interface Tag extends Row<typeof tag> {}
export interface TagCreate extends CreateInput<AppSchema, typeof tag> {}
export interface TagListItem extends ListItem<typeof tag> {}
export interface TagUpsert extends UpsertInput<typeof tag> {}

export interface Release extends Row<typeof release> {}
export interface ReleaseCreate extends CreateInput<AppSchema, typeof release> {}
export interface ReleaseUpdate extends UpdateInput<typeof release, AppSchema> {}
export interface ReleaseListItem extends ListItem<typeof release> {}

export interface Membership extends Row<typeof membership> {}
export interface MembershipCreate extends CreateInput<AppSchema, typeof membership> {}
export interface AuditEntry extends Row<typeof auditEntry> {}
/** A refresh token of a signed-in session (its hash never leaves the server). */
export interface Session extends Row<typeof session> {}
