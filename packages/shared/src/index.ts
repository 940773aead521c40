export * from './core/index.js';
export { organization } from './domain/organization.js';
export { project, tag } from './domain/project.js';
export { release, releaseStatuses } from './domain/release.js';
export { type AppSchema, schema } from './domain/schema.js';
export type * from './domain/types.js';
export { profile, user, userRoles } from './domain/user.js';
