export { columnDdl, diffSchemas, isNarrowing, type Renames, type SchemaChange } from './diff.js';
export { checkDrift } from './drift.js';
export {
  type GeneratedMigration,
  type GenerateOptions,
  generateMigration,
  renderMigration,
  withMigratedScratch,
} from './generate.js';
export {
  introspectSchema,
  migrationTables,
  normalizeCheck,
  normalizeDefault,
  normalizeType,
} from './introspection.js';
export {
  dropAllTables,
  loadMigrations,
  type MigrateDownOptions,
  type MigrateDownResult,
  type MigrateOptions,
  type MigrateUpResult,
  MigrationError,
  type MigrationErrorCode,
  type MigrationFile,
  type MigrationState,
  migrateDown,
  migrateUp,
  migrationStatus,
} from './runner.js';
