import type { Action } from '@typecrud/shared';
import { sql } from 'kysely';
import type { Caller, ManagerContext } from '../context.js';
import { ref, type Sql } from '../query/entity-meta.js';
import type { Guard } from '../statements/guard.js';
import { t0 } from '../statements/guard.js';
import { fieldValue } from '../statements/values.js';
import { afterChecks, lockRows, updateRows } from '../statements/write.js';
import type { Executor } from '../transaction.js';
import {
  changed,
  checkFieldRules,
  checkImmutable,
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
  setFields,
  splitNested,
  stripInternal,
  systemSets,
  tooMany,
} from './base.js';
import { writeNested } from './nested.js';
import type { EntityScope } from './scope.js';

export interface UpdateOneInput {
  id: string;
  data: Data;
  expectedVersion?: number | undefined;
  withArchived?: boolean | undefined;
  /** A nested update: the row must be a child of this parent (else NOT_FOUND, like a missing one). */
  within?: { field: string; id: string } | undefined;
}

const updateHooks = ['beforeUpdate', 'afterUpdate'] as const;

/** Rules the rows must still pass after the change: the update rule, and the create rule where a reference moves the row. */
function checksFor(scope: EntityScope, guard: Guard, fields: Data) {
  const moves = Object.keys(fields).some((f) => scope.references.has(f) && fields[f] !== undefined);
  const actions: Action[] = moves ? ['update', 'create'] : ['update'];
  return afterChecks(guard, scope.meta, actions);
}

/** The new values, when a unique or reference field changes: the rules are then checked before the write too. */
function previewOf(scope: EntityScope, fields: Data): ReadonlyMap<string, Sql> | undefined {
  const touched = Object.keys(fields).filter((f) => fields[f] !== undefined);
  const risky = touched.some((f) => scope.references.has(f) || scope.uniqueFields.has(f));
  if (!risky) return undefined;
  return new Map(touched.map((f) => [f, fieldValue(scope.meta, f, fields[f], ['data', f])]));
}

/** Validates an update payload's fields: immutable ones and the field rules. */
function checkFields(scope: EntityScope, fields: Data, caller: Caller | null) {
  checkImmutable(scope, fields, ['data']);
  checkFieldRules(scope, fields, caller, ['data']);
}

/** A before hook sees the rows as they are (locked) and may change the data. */
async function beforeUpdate(
  scope: EntityScope,
  db: Executor,
  caller: Caller | null,
  guard: Guard,
  where: Sql[],
  data: Data,
): Promise<{ rows: Rows; data: Data } | null> {
  const hook = scope.hooks.beforeUpdate;
  if (!hook) return null;
  const rows = (await exec(scope, db, lockRows(guard, scope.meta, 'update', where))).map((r) =>
    decode<Data>(scope, r),
  );
  if (rows.length > scope.entity.limits.maxBatch) return { rows, data };
  const next = rows.length
    ? ((await hook({ rows: rows as never[], data: data as never }, { db, caller })) ?? data)
    : data;
  return { rows, data: next as Data };
}

/** A partial update of one row that bumps `version`: rules before and after, in one statement. */
export async function update(scope: EntityScope, ctx: ManagerContext, input: UpdateOneInput): Promise<Data> {
  const { meta } = scope;
  const first = splitNested(scope, input.data);
  checkFields(scope, first.fields, ctx.caller);
  const tx = needsTransaction(scope, updateHooks, first.nested.length > 0);
  return runWrite(
    ctx,
    tx,
    async (db) => {
      const guard = scope.guard(ctx.caller);
      const versioned = input.expectedVersion !== undefined && meta.versioned;
      const within = input.within
        ? [sql`${ref(t0, meta.byField.get(input.within.field)!.column)} = ${input.within.id}`]
        : [];
      const where = [
        idIs(input.id),
        ...within,
        ...notArchived(scope, input.withArchived),
        ...(versioned ? [sql`${ref(t0, 'version')} = ${input.expectedVersion}`] : []),
      ];
      const miss = () =>
        explainMiss(scope, db, ctx.caller, input.id, 'update', {
          withArchived: input.withArchived,
          expectedVersion: input.expectedVersion,
          where: within,
        });
      let { fields, nested } = first;
      const before = await beforeUpdate(scope, db, ctx.caller, guard, where, input.data);
      if (before) {
        if (!before.rows.length) return miss();
        ({ fields, nested } = splitNested(scope, before.data));
        checkFields(scope, fields, ctx.caller);
      }
      const rows = await exec(
        scope,
        db,
        updateRows(guard, meta, {
          set: [
            ...setFields(scope, fields, (f, v) => fieldValue(meta, f, v, ['data', f])),
            ...systemSets(scope, ctx.caller),
          ],
          where,
          action: 'update',
          checks: checksFor(scope, guard, fields),
          preview: previewOf(scope, fields),
        }),
      );
      if (!rows[0]) return miss();
      stripInternal(rows);
      await changed(scope, db);
      for (const [rel, w] of nested) await writeNested(scope, db, ctx.caller, rel, input.id, w, ['data']);
      const row = decode<Data>(scope, rows[0]);
      await scope.hooks.afterUpdate?.({ rows: [row as never] }, { db, caller: ctx.caller });
      await committed(scope, db, ctx.caller, { action: 'update', rows: [row as never] });
      return row;
    },
    scope,
  );
}

/** Every row matching `where` the caller may update, in one statement; each must still pass the rules after. */
export async function updateMany(
  scope: EntityScope,
  ctx: ManagerContext,
  input: { where: Data; data: Data },
): Promise<{ count: number }> {
  const { meta, entity } = scope;
  requireWhere(input.where);
  checkFields(scope, input.data, ctx.caller);
  return runWrite(
    ctx,
    needsTransaction(scope, updateHooks),
    async (db) => {
      const guard = scope.guard(ctx.caller);
      let where = [...guard.visible(entity, t0), ...guard.compiler.where(entity, t0, input.where)];
      let data = input.data;
      const before = await beforeUpdate(scope, db, ctx.caller, guard, where, data);
      if (before) {
        if (before.rows.length > entity.limits.maxBatch) throw tooMany(scope);
        if (!before.rows.length) return { count: 0 };
        data = before.data;
        checkFields(scope, data, ctx.caller);
        where = [idIn(before.rows.map((r) => r.id as string))];
      }
      const rows = await exec(
        scope,
        db,
        updateRows(guard, meta, {
          set: [
            ...setFields(scope, data, (f, v) => fieldValue(meta, f, v, ['data', f])),
            ...systemSets(scope, ctx.caller),
          ],
          where,
          action: 'update',
          checks: checksFor(scope, guard, data),
          maxRows: entity.limits.maxBatch,
          preview: previewOf(scope, data),
        }),
      );
      if (!rows.length) return { count: 0 };
      stripInternal(rows);
      await changed(scope, db);
      const decoded = rows.map((r) => decode<Data>(scope, r));
      await scope.hooks.afterUpdate?.({ rows: decoded as never[] }, { db, caller: ctx.caller });
      await committed(scope, db, ctx.caller, { action: 'update', rows: decoded as never[] });
      return { count: rows.length };
    },
    scope,
  );
}
