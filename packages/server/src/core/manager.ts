import type {
  AggregateQuery,
  AggregateResult,
  AnyEntity,
  CountQuery,
  CreateInput,
  CreateManyInput,
  DeleteInput,
  EntityMap,
  ExactAggregate,
  ExactShape,
  GetQueryOf,
  GroupByQuery,
  GroupByRow,
  IdInput,
  ListQueryOf,
  ManyToManyKeys,
  OmitFields,
  Page,
  Policies,
  Result,
  Row,
  Schema,
  Select,
  UpdateInput,
  UpdateManyInput,
  UpsertInput,
  Where,
  WriteIdInput,
} from '@typecrud/shared';
import type { ReadCache } from './cache.js';
import type { ManagerContext } from './context.js';
import type { EntityHooks } from './hooks.js';
import { aggregate, groupBy } from './operations/aggregate.js';
import { setArchived } from './operations/archive.js';
import type { Data } from './operations/base.js';
import { create, createMany } from './operations/create.js';
import { deleteMany, deleteOne } from './operations/delete.js';
import { type EntityPermissions, type PermissionsInput, permissions } from './operations/permissions.js';
import { type DeletePreview, type DeletePreviewInput, deletePreview } from './operations/preview.js';
import { count, get, list } from './operations/read.js';
import { link } from './operations/relations.js';
import { createScope, type EntityScope } from './operations/scope.js';
import { update, updateMany } from './operations/update.js';
import { upsert } from './operations/upsert.js';
import type { CursorCodec } from './query/cursor.js';

export type { Caller, ManagerContext } from './context.js';

export interface Manager<S extends EntityMap, E extends AnyEntity> {
  readonly entity: E;
  /** Inserts one row (and its nested connects / one-to-one child); the create rule is checked before anything is written. */
  create(ctx: ManagerContext, input: CreateInput<S, E>): Promise<Row<E>>;
  /** Inserts every row in one statement, or none of them. */
  /**
   * Inserts every row in one statement, or none of them; with `{ data, skipDuplicates: true }`,
   * rows whose unique key is taken are left out (the count and ids say which were created).
   */
  createMany(
    ctx: ManagerContext,
    input: CreateInput<S, E>[] | CreateManyInput<S, E>,
  ): Promise<{ count: number; ids: string[] }>;
  /**
   * Updates the row `where` names (one unique key) or creates it, in one atomic statement: the
   * create rule on the insert branch, the update rule before and after on the update branch.
   */
  upsert(ctx: ManagerContext, input: UpsertInput<E>): Promise<Row<E>>;
  /** One row with its includes, in one SQL statement; NOT_FOUND when missing, archived or outside the caller's policy. */
  get<
    I = Record<never, never>,
    Sel extends Select<S, E> | undefined = undefined,
    O extends OmitFields<E> | undefined = undefined,
  >(
    ctx: ManagerContext,
    query: GetQueryOf<S, E, I> & ExactShape<S, E, Sel, O>,
  ): Promise<Result<S, E, I, Sel, O>>;
  /** A page of rows with their includes, in one SQL statement; `select` / `omit` shape each item. */
  list<
    I = Record<never, never>,
    Sel extends Select<S, E> | undefined = undefined,
    O extends OmitFields<E> | undefined = undefined,
  >(
    ctx: ManagerContext,
    query: ListQueryOf<S, E, I> & ExactShape<S, E, Sel, O>,
  ): Promise<Page<Result<S, E, I, Sel, O>>>;
  count(ctx: ManagerContext, query: CountQuery<S, E>): Promise<number>;
  /**
   * `_count`, `_sum`, `_avg`, `_min`, `_max` over the rows `where` and the caller's read rule let
   * through, in one statement; the result has exactly the aggregates asked for.
   */
  aggregate<A extends AggregateQuery<S, E>>(
    ctx: ManagerContext,
    query: A & ExactAggregate<E, A>,
  ): Promise<AggregateResult<E, A>>;
  /** One row per distinct value of the `by` fields, with its aggregates, filtered by `having`, in one statement. */
  groupBy<A extends GroupByQuery<S, E>>(
    ctx: ManagerContext,
    query: A & ExactAggregate<E, A>,
  ): Promise<GroupByRow<E, A>[]>;
  /**
   * A partial update that bumps `version`; the row must pass the update rule before and after
   * (FORBIDDEN otherwise, nothing changes); with `expectedVersion`, a stale row is CONFLICT.
   */
  update(ctx: ManagerContext, input: UpdateInput<E, S>): Promise<Row<E>>;
  updateMany(ctx: ManagerContext, input: UpdateManyInput<S, E>): Promise<{ count: number }>;
  /** With `expectedVersion`, a row at another version is CONFLICT (currentVersion) and nothing is deleted. */
  delete(ctx: ManagerContext, input: DeleteInput): Promise<{ id: string }>;
  deleteMany(ctx: ManagerContext, input: { where: Where<S, E> }): Promise<{ count: number }>;
  archive(ctx: ManagerContext, input: WriteIdInput): Promise<Row<E>>;
  /** What deleting `ids` would remove (cascades, rows set to null, restricting rows), under the caller's rules; writes nothing. */
  deletePreview(ctx: ManagerContext, input: DeletePreviewInput): Promise<DeletePreview>;
  /** What the caller may do with the entity, and with each of `ids`, by the rules the writes check. */
  permissions(ctx: ManagerContext, input: PermissionsInput): Promise<EntityPermissions>;
  restore(ctx: ManagerContext, input: IdInput): Promise<Row<E>>;
  /** Links row `id` to `ids`; links that exist already are left alone (the count says how many were added). */
  connect(ctx: ManagerContext, input: ConnectInput<E>): Promise<{ count: number }>;
  /** Unlinks `ids` from row `id`; the count says how many links were removed. */
  disconnect(ctx: ManagerContext, input: ConnectInput<E>): Promise<{ count: number }>;
}

/** What connect / disconnect take: the row, one of its many-to-many relations, the ids to (un)link. */
export interface ConnectInput<E extends AnyEntity> {
  id: string;
  relation: ManyToManyKeys<E>;
  ids: string[];
}

export interface ManagerOptions {
  cursors: CursorCodec;
  /** Row and field rules per entity; absent only for services created explicitly unrestricted. */
  policies?: Policies<EntityMap> | undefined;
  hooks?: EntityHooks<EntityMap, AnyEntity> | undefined;
  /** Caches reads of entities that declare a TTL; writes invalidate after they commit. */
  cache?: ReadCache | undefined;
  /** Most rows one read may embed along an include path (`defaultMaxResponseRows` when absent). */
  maxResponseRows?: number | undefined;
  /** The scopes of the other entities (nested writes run their rules and hooks). */
  scopeOf?: ((entity: AnyEntity) => EntityScope) | undefined;
}

/** The operations of one entity over a scope built once: each operation is its own module. */
export function managerOf(scope: EntityScope): Manager<EntityMap, AnyEntity> {
  return {
    entity: scope.entity,
    create: (ctx, input) => create(scope, ctx, input as Data) as never,
    createMany: (ctx, input) =>
      Array.isArray(input)
        ? createMany(scope, ctx, input as Data[])
        : createMany(scope, ctx, input.data as Data[], { skipDuplicates: input.skipDuplicates }),
    upsert: (ctx, input) => upsert(scope, ctx, input as never) as never,
    get: (ctx, query) => get(scope, ctx, query as never) as never,
    list: (ctx, query) => list(scope, ctx, query as never) as never,
    count: (ctx, query) => count(scope, ctx, query as never),
    aggregate: (ctx, query) => aggregate(scope, ctx, query as never) as never,
    groupBy: (ctx, query) => groupBy(scope, ctx, query as never) as never,
    update: (ctx, input) => update(scope, ctx, input as never) as never,
    updateMany: (ctx, input) => updateMany(scope, ctx, input as never),
    delete: (ctx, input) => deleteOne(scope, ctx, input),
    deleteMany: (ctx, input) => deleteMany(scope, ctx, input as never),
    archive: (ctx, input) => setArchived(scope, ctx, input, 'archive') as never,
    restore: (ctx, input) => setArchived(scope, ctx, input, 'restore') as never,
    deletePreview: (ctx, input) => deletePreview(scope, ctx, input),
    permissions: (ctx, input) => permissions(scope, ctx, input),
    connect: (ctx, input) => link(scope, ctx, input, 'connect'),
    disconnect: (ctx, input) => link(scope, ctx, input, 'disconnect'),
  };
}

/** A generic manager for one entity of a schema: every read is one statement, every write as few as it can be. */
export function createManager<S extends EntityMap, E extends AnyEntity>(
  schema: Schema<S>,
  entity: E,
  options: ManagerOptions,
): Manager<S, E> {
  const scope = createScope(schema, entity, options);
  return managerOf(scope) as unknown as Manager<S, E>;
}
