export { createSchemaTables } from './apply-schema.js';
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
  isUnavailable,
  pgCodes,
  staleVersion,
  toApiError,
  unavailable,
  unavailableRetryAfterSeconds,
} from './errors.js';
export {
  type Change,
  defineHooks,
  type EntityHooks,
  type Hooks,
  type LinkChange,
  type RowsArgs,
} from './hooks.js';
export { type ChangeAction, LiveHub, type LiveOptions, type OutboxEvent } from './live/hub.js';
export { diffOutbox, outboxDdl, outboxTable } from './live/outbox.js';
export type { ChangeEvent, OnChangeInput } from './live/subscribe.js';
export { type Caller, createManager, type Manager, type ManagerContext } from './manager.js';
export * from './migrations/index.js';
export type { EntityPermissions, RowPermissions } from './operations/permissions.js';
export type { DeleteEffect, DeletePreview, LabelledRow } from './operations/preview.js';
export { type CursorCodec, createCursorCodec } from './query/cursor.js';
export type { Sql } from './query/entity-meta.js';
export { QueryCounter } from './query-counter.js';
export {
  createRestApi,
  type HttpMethod,
  type JsonSchema,
  type OpenApiDocument,
  type Problem,
  problem,
  problemContentType,
  problemOf,
  problemResponse,
  type RestApi,
  type RestApiOptions,
  type RestProcedureRoute,
  type RestRequest,
  type RestResponse,
  type RestRoute,
  type RouteKind,
  resourcePath,
  revive,
  toJson,
} from './rest/index.js';
export {
  type AggregateOutput,
  crudProcedures,
  type EntityMarker,
  type GetOutput,
  type GroupByOutput,
  type ListOutput,
} from './router.js';
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
export { type Executor, inTransaction, type TransactionOptions } from './transaction.js';
export {
  actorSetting,
  changedSetting,
  type FunctionModel,
  functionModels,
  isAudited,
  type TriggerModel,
} from './triggers.js';
export {
  authedProcedure,
  createCallerFactory,
  describeError,
  middleware,
  procedure,
  router,
} from './trpc.js';
