// The demo domain's definitions (a release manager): entities, schema, policies and named types.
// Browser-safe: it depends only on @typecrud/shared. The server side is `@typecrud/demo/server`.
export { auditActions, auditEntry } from './entities/audit-entry.js';
export {
  type MembershipStatus,
  membership,
  membershipStatuses,
  type OrgRole,
  orgRoles,
} from './entities/membership.js';
export { organization } from './entities/organization.js';
export { project, tag } from './entities/project.js';
export { release, releaseStatuses } from './entities/release.js';
export { session } from './entities/session.js';
export { profile, user, userRoles } from './entities/user.js';
export { invitationOf, orgsWith, policies } from './policies.js';
export { type AppSchema, schema } from './schema.js';
export type * from './types.js';
