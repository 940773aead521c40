import type { AnyEntity, CreateInput, EntityMap, Row, UpdateData } from '@typecrud/shared';
import type { ManagerContext } from './manager.js';

/**
 * Per-entity hooks. They run inside the write's transaction (`ctx.db` is the transaction):
 * a `before` hook may return changed data (enrich) or throw a CrudError (reject: nothing of
 * the write remains); an `after` hook may write more rows in the same transaction.
 */
export interface EntityHooks<S extends EntityMap, E extends AnyEntity> {
  beforeCreate?(
    data: CreateInput<S, E>,
    ctx: ManagerContext,
  ): CreateInput<S, E> | undefined | Promise<CreateInput<S, E> | undefined>;
  afterCreate?(row: Row<E>, ctx: ManagerContext): void | Promise<void>;
  beforeUpdate?(
    input: { id: string; data: UpdateData<E> },
    ctx: ManagerContext,
  ): UpdateData<E> | undefined | Promise<UpdateData<E> | undefined>;
  afterUpdate?(row: Row<E>, ctx: ManagerContext): void | Promise<void>;
  beforeDelete?(input: { id: string }, ctx: ManagerContext): void | Promise<void>;
  afterDelete?(input: { id: string }, ctx: ManagerContext): void | Promise<void>;
}

export type Hooks<S extends EntityMap> = { [N in keyof S & string]?: EntityHooks<S, S[N]> };

/** Defines hooks for entities of a schema, typed by their DTOs. */
export function defineHooks<S extends EntityMap>(
  _schema: import('@typecrud/shared').Schema<S>,
  hooks: Hooks<S>,
): Hooks<S> {
  return hooks;
}

/** One audit record: what changed, on which row, by whom; written in the same transaction as the change. */
export interface AuditRecord {
  entity: string;
  entityId: string;
  action: 'create' | 'update' | 'delete' | 'archive' | 'restore' | 'connect' | 'disconnect';
  actorId: string | null;
  /** field -> { before?, after? } */
  changes: Record<string, { before?: unknown; after?: unknown }>;
}

/** Where audit records go (the audit table, by default). */
export type AuditSink = (db: ManagerContext['db'], records: AuditRecord[]) => Promise<void>;
