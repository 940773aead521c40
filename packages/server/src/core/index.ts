export { createSchemaTables } from './apply-schema.js';
export { tableAuditSink } from './audit.js';
export * from './auth/index.js';
export {
  type CacheStore,
  createReadCache,
  memoryCacheStore,
  onCommit,
  type ReadCache,
  redisCacheStore,
} from './cache.js';
export {
  type AnyDatabase,
  type Database,
  type DatabaseConfig,
  type Engine,
  openDatabase,
  pingDatabase,
} from './database.js';
export {
  CrudError,
  type ErrorDetails,
  type FieldIssue,
  isDatabaseError,
  pgCodes,
  toApiError,
} from './errors.js';
export { type AuditRecord, type AuditSink, defineHooks, type EntityHooks, type Hooks } from './hooks.js';
export { type Caller, createManager, type Manager, type ManagerContext } from './manager.js';
export * from './migrations/index.js';
export { type CursorCodec, createCursorCodec } from './query/cursor.js';
export type { Sql } from './query/entity-meta.js';
export { QueryCounter } from './query-counter.js';
export { crudProcedures, type EntityMarker, type GetOutput, type ListOutput } from './router.js';
export {
  createServices,
  managersOf,
  type RequestContext,
  type Services,
  type ServicesBase,
  type ServicesOptions,
} from './services.js';
export {
  columnName,
  constraintIndex,
  createTableSql,
  schemaDdl,
  type TableModel,
  tableModels,
} from './table-model.js';
export { type Executor, inTransaction } from './transaction.js';
export {
  authedProcedure,
  createCallerFactory,
  type ErrorData,
  middleware,
  procedure,
  router,
} from './trpc.js';
