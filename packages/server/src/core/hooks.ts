import type { AnyEntity, CreateInput, EntityMap, Row, Schema, UpdateData } from '@typecrud/shared';
import type { Caller, ManagerContext } from './context.js';

/** A change of the links of one row through a many-to-many relation. */
export interface LinkChange {
  /** The row whose relation changed. */
  readonly id: string;
  readonly relation: string;
  /** The other ends: asked for (before hooks), or actually linked / unlinked (after hooks). */
  readonly ids: readonly string[];
}

/** What a committed write did, as `afterCommit` hooks see it. */
export type Change<E extends AnyEntity> =
  | { readonly action: 'create' | 'update' | 'delete' | 'archive' | 'restore'; readonly rows: Row<E>[] }
  | { readonly action: 'connect' | 'disconnect'; readonly link: LinkChange };

/** The rows one statement writes: one for a single write, all of them for a bulk write. */
export interface RowsArgs<E extends AnyEntity> {
  readonly rows: Row<E>[];
}

type Maybe<T> = T | Promise<T>;

/**
 * Per-entity hooks. Every path calls them: single, bulk and nested writes, once per statement
 * with all its rows. `before*` and `after*` run inside the write's transaction (`ctx.db` is the
 * transaction): a `before` hook may return changed data (enrich) or throw a CrudError (refuse:
 * nothing of the write remains); an `after` hook may write more rows in the same transaction.
 * `afterCommit` runs once the transaction has committed, never after a rollback.
 */
export interface EntityHooks<S extends EntityMap, E extends AnyEntity> {
  /** Before rows are inserted; may return the data to insert instead (same length, same order). */
  beforeCreate?(
    args: { readonly data: CreateInput<S, E>[] },
    ctx: ManagerContext,
    // biome-ignore lint/suspicious/noConfusingVoidType: a hook that only checks returns nothing
  ): Maybe<CreateInput<S, E>[] | undefined | void>;
  afterCreate?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  /** Before rows change: `rows` as they are, `data` the change (the same for every row); may return other data. */
  beforeUpdate?(
    args: RowsArgs<E> & { readonly data: UpdateData<E> },
    ctx: ManagerContext,
    // biome-ignore lint/suspicious/noConfusingVoidType: a hook that only checks returns nothing
  ): Maybe<UpdateData<E> | undefined | void>;
  /** After rows changed: `rows` as they are now. */
  afterUpdate?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  beforeDelete?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  /** After rows were deleted: `rows` as they were. */
  afterDelete?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  beforeArchive?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  afterArchive?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  beforeRestore?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  afterRestore?(args: RowsArgs<E>, ctx: ManagerContext): Maybe<void>;
  beforeConnect?(args: LinkChange, ctx: ManagerContext): Maybe<void>;
  afterConnect?(args: LinkChange, ctx: ManagerContext): Maybe<void>;
  beforeDisconnect?(args: LinkChange, ctx: ManagerContext): Maybe<void>;
  afterDisconnect?(args: LinkChange, ctx: ManagerContext): Maybe<void>;
  /** After the transaction of a write committed (at once for a write outside a transaction); never on rollback. */
  afterCommit?(change: Change<E>, ctx: { readonly caller: Caller | null }): Maybe<void>;
}

export type Hooks<S extends EntityMap> = { [N in keyof S & string]?: EntityHooks<S, S[N]> };

/** Defines hooks for entities of a schema, typed by their DTOs. */
export function defineHooks<S extends EntityMap>(_schema: Schema<S>, hooks: Hooks<S>): Hooks<S> {
  return hooks;
}
