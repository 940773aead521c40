import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ManagerContext } from '../context.js';
import { param, ref } from '../query/entity-meta.js';
import { cascadeArchive, cascadeSteps } from '../statements/archive.js';
import { t0 } from '../statements/guard.js';
import { afterChecks, lockRows, updateRows } from '../statements/write.js';
import type { Executor } from '../transaction.js';
import {
  changed,
  committed,
  type Data,
  decode,
  exec,
  explainMiss,
  idIs,
  needsTransaction,
  notArchived,
  requireArchive,
  runWrite,
  stripInternal,
  systemSets,
} from './base.js';
import type { EntityScope } from './scope.js';

type Mode = 'archive' | 'restore';

/**
 * Archives (soft-deletes) or restores row `id` under the caller's archive rule, checked on the
 * row before and after. Archiving an archived row is NOT_FOUND unless `withArchived`.
 *
 * Relations declared `archive: 'cascade'` follow: archiving the row archives its live related
 * rows (and theirs) with the same batch id; restoring it restores exactly the rows of that batch,
 * not those archived on their own before. The cascade is part of the row's lifecycle, like an
 * ON DELETE CASCADE: the related rows' own rules are not asked, their after hooks run.
 */
export async function setArchived(
  scope: EntityScope,
  ctx: ManagerContext,
  input: { id: string; withArchived?: boolean | undefined },
  mode: Mode,
): Promise<Data> {
  requireArchive(scope);
  const { hooks, meta } = scope;
  const [beforeHook, afterHook] =
    mode === 'archive'
      ? (['beforeArchive', 'afterArchive'] as const)
      : (['beforeRestore', 'afterRestore'] as const);
  const steps = cascadeSteps(scope.schema, scope.entity);
  const tx = needsTransaction(scope, [beforeHook, afterHook], steps.length > 0);
  return runWrite(
    ctx,
    tx,
    async (db) => {
      const guard = scope.guard(ctx.caller);
      // restoring is for archived rows: always within reach
      const withArchived = mode === 'restore' || input.withArchived;
      const where = [idIs(input.id), ...notArchived(scope, withArchived)];
      const miss = () => explainMiss(scope, db, ctx.caller, input.id, 'archive', { withArchived });
      const hook = hooks[beforeHook];
      if (hook) {
        const rows = await exec(scope, db, lockRows(guard, meta, 'archive', where));
        if (!rows[0]) return miss();
        await hook({ rows: [decode(scope, rows[0])] }, { db, caller: ctx.caller });
      }
      const batch = randomUUID();
      const set =
        mode === 'archive'
          ? [
              sql`"archived_at" = coalesce(${ref(t0, 'archived_at')}, now())`,
              sql`"archive_batch" = case when ${ref(t0, 'archived_at')} is null then ${param(batch)}::uuid else ${ref(t0, 'archive_batch')} end`,
            ]
          : [sql`"archived_at" = null`, sql`"archive_batch" = null`];
      const rows = await exec(
        scope,
        db,
        updateRows(guard, meta, {
          set: [...set, ...systemSets(scope, ctx.caller)],
          where,
          action: 'archive',
          checks: afterChecks(guard, meta, ['archive']),
          before: steps.length ? ['archivedAt', 'archiveBatch'] : [],
        }),
      );
      const first = rows[0];
      if (!first) return miss();
      const oldArchivedAt = first.__old_archivedAt;
      const oldBatch = first.__old_archiveBatch as string | null | undefined;
      stripInternal(rows);
      await changed(
        scope,
        db,
        steps.map((s) => s.rel.target.name),
      );
      // a row archived before (withArchived) keeps its batch and cascades nothing more
      const cascade =
        steps.length > 0 && (mode === 'archive' ? oldArchivedAt === null : typeof oldBatch === 'string');
      if (cascade)
        await runCascade(scope, db, ctx, steps, input.id, mode === 'archive' ? batch : oldBatch!, mode);
      const row = decode<Data>(scope, first);
      await hooks[afterHook]?.({ rows: [row as never] }, { db, caller: ctx.caller });
      await committed(scope, db, ctx.caller, { action: mode, rows: [row as never] });
      return row;
    },
    scope,
  );
}

async function runCascade(
  scope: EntityScope,
  db: Executor,
  ctx: ManagerContext,
  steps: ReturnType<typeof cascadeSteps>,
  id: string,
  batch: string,
  mode: Mode,
) {
  const guard = scope.guard(ctx.caller);
  const statement = cascadeArchive(guard, steps, [id], batch, mode, (entity) =>
    systemSets(scope.scopeOf(entity), ctx.caller, null),
  );
  const [out] = await exec(scope, db, statement);
  for (const [i, step] of steps.entries()) {
    const child = scope.scopeOf(step.rel.target);
    const rows = ((out?.[`s${i}`] as Data[] | undefined) ?? []).map((r) => decode<Data>(child, r));
    if (!rows.length) continue;
    const after = mode === 'archive' ? child.hooks.afterArchive : child.hooks.afterRestore;
    await after?.({ rows: rows as never[] }, { db, caller: ctx.caller });
    await committed(child, db, ctx.caller, { action: mode, rows: rows as never[] });
  }
}
