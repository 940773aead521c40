export { expectError, missingId, namedPaths, snapshot, tableRows } from '@typecrud/server/testing';

/** The demo's tables, for snapshots that prove a refused call changed nothing. */
export const allTables = [
  'organization',
  'app_user',
  'profile',
  'project',
  'tag',
  'project_tag',
  'release',
] as const;
