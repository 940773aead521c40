import { sql } from 'kysely';
import type { ManagerContext } from '../context.js';
import { ref, type Sql } from '../query/entity-meta.js';
import { type Guard, t0 } from '../statements/guard.js';
import { deleteRows, lockRows } from '../statements/write.js';
import {
  changed,
  committed,
  type Data,
  decode,
  exec,
  explainMiss,
  idIn,
  idIs,
  needsTransaction,
  notArchived,
  type Rows,
  requireWhere,
  runWrite,
  tooMany,
} from './base.js';
import type { EntityScope } from './scope.js';

const deleteHooks = ['beforeDelete', 'afterDelete'] as const;

/**
 * Deletes the rows matching `where` that the caller's delete rule allows, in one statement;
 * with a beforeDelete hook the rows are locked and shown to it first (it may refuse them all).
 */
async function deleteWhere(
  scope: EntityScope,
  ctx: ManagerContext,
  whereOf: (guard: Guard) => Sql[],
  /** The one row asked for (a miss is explained), or null for a bulk delete (at most maxBatch). */
  one: { id: string; withArchived?: boolean | undefined; expectedVersion?: number | undefined } | null,
): Promise<Rows> {
  const maxRows = one ? undefined : scope.entity.limits.maxBatch;
  return runWrite(
    ctx,
    needsTransaction(scope, deleteHooks),
    async (db) => {
      const guard = scope.guard(ctx.caller);
      const where = whereOf(guard);
      const onMiss = async (): Promise<Rows> =>
        one
          ? explainMiss(scope, db, ctx.caller, one.id, 'delete', {
              withArchived: one.withArchived,
              expectedVersion: one.expectedVersion,
            })
          : [];
      const hook = scope.hooks.beforeDelete;
      let target = where;
      if (hook) {
        const rows = (await exec(scope, db, lockRows(guard, scope.meta, 'delete', where))).map((r) =>
          decode<Data>(scope, r),
        );
        if (maxRows !== undefined && rows.length > maxRows) throw tooMany(scope);
        if (!rows.length) return onMiss();
        await hook({ rows: rows as never[] }, { db, caller: ctx.caller });
        target = [idIn(rows.map((r) => r.id as string))];
      }
      const rows = await exec(scope, db, deleteRows(guard, scope.meta, target, { maxRows }));
      if (!rows.length) return onMiss();
      for (const r of rows) delete r.__limit;
      await changed(scope, db);
      const decoded = rows.map((r) => decode<Data>(scope, r));
      await scope.hooks.afterDelete?.({ rows: decoded as never[] }, { db, caller: ctx.caller });
      await committed(scope, db, ctx.caller, { action: 'delete', rows: decoded as never[] });
      return decoded;
    },
    scope,
  );
}

/**
 * Deletes row `id`; an archived row is NOT_FOUND unless `withArchived`. With `expectedVersion` the
 * version is a condition of the delete's own statement: a row at another version is CONFLICT and stays.
 */
export async function deleteOne(
  scope: EntityScope,
  ctx: ManagerContext,
  input: { id: string; withArchived?: boolean | undefined; expectedVersion?: number | undefined },
): Promise<{ id: string }> {
  const versioned = input.expectedVersion !== undefined && scope.meta.versioned;
  await deleteWhere(
    scope,
    ctx,
    () => [
      idIs(input.id),
      ...notArchived(scope, input.withArchived),
      ...(versioned ? [sql`${ref(t0, 'version')} = ${input.expectedVersion}`] : []),
    ],
    input,
  );
  return { id: input.id };
}

/** Deletes every readable row matching `where` that the caller may delete; all or nothing, at most maxBatch. */
export async function deleteMany(
  scope: EntityScope,
  ctx: ManagerContext,
  input: { where: Data },
): Promise<{ count: number }> {
  requireWhere(input.where);
  const rows = await deleteWhere(
    scope,
    ctx,
    (guard) => [...guard.visible(scope.entity, t0), ...guard.compiler.where(scope.entity, t0, input.where)],
    null,
  );
  return { count: rows.length };
}
