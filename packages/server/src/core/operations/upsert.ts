import type { Action } from '@typecrud/shared';
import type { Caller, ManagerContext } from '../context.js';
import { badRequest, CrudError, forbidden, notFound, staleVersion } from '../errors.js';
import { keyMatch, type UpsertBranch, upsertRow } from '../statements/upsert.js';
import { fieldValue } from '../statements/values.js';
import { afterChecks, lockRows } from '../statements/write.js';
import type { Executor } from '../transaction.js';
import {
  changed,
  checkFieldRules,
  checkImmutable,
  committed,
  type Data,
  decode,
  exec,
  needsTransaction,
  runWrite,
  setFields,
  systemSets,
} from './base.js';
import type { EntityScope } from './scope.js';

export interface UpsertOneInput {
  where: Data;
  create: Data;
  update: Data;
  expectedVersion?: number | undefined;
  withArchived?: boolean | undefined;
}

const upsertHooks = ['beforeCreate', 'afterCreate', 'beforeUpdate', 'afterUpdate'] as const;

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * The unique key `where` names (exactly one of the entity's: a unique field or one of its
 * `uniques`); the row to create must agree with it. `path` locates both in the input.
 */
export function uniqueKey(
  scope: EntityScope,
  where: Data,
  create: Data,
  path: (string | number)[] = [],
): Data {
  const names = Object.keys(where).filter((k) => where[k] !== undefined);
  const keys = [
    ...scope.meta.columns.filter((c) => c.config.unique).map((c) => [c.field]),
    ...scope.entity.uniques.map((u) => [...u]),
  ];
  const key = keys.find((k) => k.length === names.length && k.every((f) => names.includes(f)));
  if (!key) {
    throw badRequest(
      `where must name one unique key of ${scope.entity.name}: ${keys.map((k) => k.join(' + ')).join(', ') || 'none'}`,
      [{ path: [...path, 'where'], message: 'is not a unique key' }],
    );
  }
  for (const f of key) {
    const sent = create[f];
    if (sent !== undefined && !same(sent, where[f])) {
      throw badRequest(`create.${f} must equal where.${f}`, [
        { path: [...path, 'create', f], message: `must equal where.${f}` },
      ]);
    }
  }
  return Object.fromEntries(key.map((f) => [f, where[f]]));
}

/** Fields absent from a create get their declared default (the DTO applies the same ones). */
function withDefaults(scope: EntityScope, fields: Data): Data {
  const out = { ...fields };
  for (const c of scope.writable) {
    if (out[c.field] === undefined && c.config.hasDefault) out[c.field] = c.config.defaultValue;
  }
  return out;
}

/**
 * Which hook path an upsert with before hooks takes: the row with the key as it is now, locked,
 * if the caller can read it; `updatable` when the update rule lets the caller change it (else
 * no hook runs and the statement refuses).
 */
async function lockExisting(scope: EntityScope, db: Executor, caller: Caller | null, key: Data) {
  const guard = scope.guard(caller);
  const where = keyMatch(scope.meta, key);
  const [row] = await exec(scope, db, lockRows(guard, scope.meta, 'read', where));
  if (!row) return undefined;
  const updatable =
    (await exec(scope, db, lockRows(scope.guard(caller), scope.meta, 'update', where))).length > 0;
  return { row: decode<Data>(scope, row), updatable };
}

/**
 * Creates the row `where` names, or updates it when it exists, in one statement (see
 * `upsertRow`). The insert branch runs the create hooks, the update branch the update hooks;
 * with before hooks, the row is locked first to know the branch, and the hooks see the data
 * as they would on create / update. A refused branch is FORBIDDEN, a row the caller cannot read
 * NOT_FOUND (or CONFLICT when the caller could have created it: what a create meets), a stale
 * version CONFLICT; nothing changes.
 */
export async function upsert(scope: EntityScope, ctx: ManagerContext, input: UpsertOneInput): Promise<Data> {
  const { meta, entity } = scope;
  const key = uniqueKey(scope, input.where, input.create);
  checkFieldRules(scope, input.create, ctx.caller, ['create']);
  checkImmutable(scope, input.update, ['update']);
  checkFieldRules(scope, input.update, ctx.caller, ['update']);
  const { hooks } = scope;
  return runWrite(ctx, needsTransaction(scope, upsertHooks), async (db) => {
    const hookCtx = { db, caller: ctx.caller };
    let create = { ...input.create, ...key };
    let update = input.update;
    if (hooks.beforeCreate || hooks.beforeUpdate) {
      const existing = await lockExisting(scope, db, ctx.caller, key);
      if (existing?.updatable && hooks.beforeUpdate) {
        update = ((await hooks.beforeUpdate(
          { rows: [existing.row as never], data: update as never },
          hookCtx,
        )) ?? update) as Data;
        checkImmutable(scope, update, ['update']);
        checkFieldRules(scope, update, ctx.caller, ['update']);
      } else if (!existing && hooks.beforeCreate) {
        const [next] = ((await hooks.beforeCreate({ data: [create as never] }, hookCtx)) ?? [
          create,
        ]) as Data[];
        create = { ...next, ...key };
        checkFieldRules(scope, create, ctx.caller, ['create']);
      }
    }
    const names = Object.keys(update).filter((f) => update[f] !== undefined);
    const moves = names.some((f) => scope.references.has(f));
    const guard = () => scope.guard(ctx.caller);
    const statement = () => {
      const g = guard();
      return upsertRow(g, meta, {
        key,
        create: withDefaults(scope, create),
        set: [
          ...setFields(scope, update, (f, v) => fieldValue(meta, f, v, ['update', f])),
          ...systemSets(scope, ctx.caller),
        ],
        preview: new Map(names.map((f) => [f, fieldValue(meta, f, update[f], ['update', f])])),
        checks: afterChecks(g, meta, (moves ? ['update', 'create'] : ['update']) as Action[]),
        expectedVersion: input.expectedVersion,
        withArchived: input.withArchived ?? false,
      });
    };
    let [row] = await exec(scope, db, statement());
    // the branch was allowed on the statement's snapshot, but a concurrent writer changed the row
    // before the write: once more, on a fresh snapshot
    if (row && !row.id && (row.__branch === 'insert' || row.__branch === 'update'))
      [row] = await exec(scope, db, statement());
    const branch = row?.__branch as UpsertBranch | undefined;
    if (!row?.id) {
      if (branch === 'stale')
        throw staleVersion(
          entity.name,
          row!.__oldId as string,
          row!.__oldVersion as number,
          input.expectedVersion!,
        );
      throw refusal(scope, branch);
    }
    const inserted = row.__inserted === true;
    delete row.__branch;
    delete row.__inserted;
    delete row.__ok0;
    delete row.__ok1;
    delete row.__oldId;
    delete row.__oldVersion;
    for (const k of Object.keys(row)) if (k.startsWith('__')) delete row[k];
    await changed(scope, db);
    const out = decode<Data>(scope, row);
    if (inserted) await hooks.afterCreate?.({ rows: [out as never] }, hookCtx);
    else await hooks.afterUpdate?.({ rows: [out as never] }, hookCtx);
    await committed(scope, db, ctx.caller, { action: inserted ? 'create' : 'update', rows: [out as never] });
    return out;
  });
}

function refusal(scope: EntityScope, branch: UpsertBranch | undefined): CrudError {
  const name = scope.entity.name;
  switch (branch) {
    case 'refusedCreate':
      return forbidden(`you may not create this ${name}`);
    case 'refusedUpdate':
      return forbidden(`you may not update this ${name} so`);
    case 'taken':
      return new CrudError('CONFLICT', `a ${name} with this key exists`, {
        issues: [{ path: ['where'], message: 'is taken' }],
      });
    case 'archived':
      return notFound(name);
    default:
      return new CrudError('CONFLICT', `the ${name} changed while it was written; try again`);
  }
}
