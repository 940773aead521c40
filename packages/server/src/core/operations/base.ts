import type { Action, ResolvedRelation, Row } from '@typecrud/shared';
import { sql } from 'kysely';
import { onCommit } from '../cache.js';
import type { Caller, ManagerContext } from '../context.js';
import { badRequest, CrudError, forbidden, notFound, staleVersion, statementAbort } from '../errors.js';
import type { Change, EntityHooks } from '../hooks.js';
import { param, ref, type Sql } from '../query/entity-meta.js';
import { t0 } from '../statements/guard.js';
import { probeRow } from '../statements/write.js';
import { type Executor, inTransaction } from '../transaction.js';
import type { EntityScope } from './scope.js';

export type Data = Record<string, unknown>;
export type Rows = Data[];
export type HookName = keyof EntityHooks<never, never>;

/**
 * Whether a write must open a transaction: hooks run in it, or several statements must stand
 * together. The audit trail never needs one: its triggers write in the statement's own transaction.
 */
export function needsTransaction(scope: EntityScope, hooks: readonly HookName[], several = false): boolean {
  return several || hooks.some((h) => scope.hooks[h] !== undefined);
}

const anyHook = (scope: EntityScope, prefix: string) =>
  Object.entries(scope.hooks).some(([name, fn]) => fn !== undefined && name.startsWith(prefix));

/**
 * Runs a write in a transaction when it needs one (or inside the caller's), else straight on the
 * database: one statement commits by itself. A transaction of an entity with hooks (code that may
 * write with raw SQL) sets the actor up front when a before hook runs ahead of the first write
 * statement, and tells the cache which tables its triggers saw change.
 */
export function runWrite<T>(
  ctx: ManagerContext,
  transaction: boolean,
  fn: (db: Executor) => Promise<T>,
  scope?: EntityScope,
) {
  if (!transaction) return fn(ctx.db);
  const cache = scope?.cache;
  return inTransaction(ctx.db, fn, {
    actor: scope && anyHook(scope, 'before') ? (ctx.caller?.userId ?? null) : undefined,
    onChanged: cache && scope && anyHook(scope, '') ? (tables) => cache.tablesChanged(tables) : undefined,
  });
}

const verbs: Partial<Record<string, string>> = { create: 'create', update: 'update', archive: 'archive' };

/** Runs one statement of `scope`'s entity; a rule or limit the statement checked itself becomes the API error. */
export async function exec(scope: EntityScope, db: Executor, statement: Sql): Promise<Rows> {
  try {
    return (await statement.execute(db)).rows as Rows;
  } catch (e) {
    const abort = statementAbort(e);
    if (!abort) throw e;
    const name = scope.entity.name;
    if (abort.kind === 'limit') throw tooMany(scope);
    throw forbidden(
      abort.what === 'create'
        ? `you may not create this ${name} (or move it there)`
        : `you may not ${verbs[abort.what] ?? abort.what} this ${name} so: it would leave what your ${abort.what} rule allows`,
    );
  }
}

/** A bulk write that would touch more rows than the entity allows per call. */
export function tooMany(scope: EntityScope) {
  const max = scope.entity.limits.maxBatch;
  return new CrudError(
    'BAD_REQUEST',
    `the write would touch more than ${max} rows; at most ${max} per call`,
    {
      issues: [{ path: ['where'], message: `matches more than ${max} rows` }],
    },
  );
}

export function decode<T = Row<never>>(scope: EntityScope, row: Data): T {
  scope.meta.decode(row);
  return row as T;
}

/** Takes the `__old_*` and other `__` columns a write statement returned off its rows. */
export function stripInternal(rows: Rows): Rows {
  for (const row of rows) for (const k of Object.keys(row)) if (k.startsWith('__')) delete row[k];
  return rows;
}

/** Cache generations of the entity (and those its cascades change) move once the write commits. */
export async function changed(scope: EntityScope, db: Executor, extra?: readonly string[]): Promise<void> {
  await scope.cache?.changed(db, scope.entity, extra);
}

/** Queues the entity's afterCommit hook: run after the outermost transaction commits (at once outside one), dropped on rollback. */
export async function committed(
  scope: EntityScope,
  db: Executor,
  caller: Caller | null,
  change: Change<never>,
): Promise<void> {
  const hook = scope.hooks.afterCommit;
  if (!hook) return;
  await onCommit(db, async () => {
    try {
      await hook(change, { caller });
    } catch (e) {
      // the write has committed: a failing follow-up must not report it as failed
      console.error(`afterCommit hook of ${scope.entity.name} failed`, e);
    }
  });
}

/**
 * Why a write of `id` touched nothing: not readable (NOT_FOUND, the same as missing),
 * a stale version (CONFLICT), or readable but not writable by this caller (FORBIDDEN).
 */
export async function explainMiss(
  scope: EntityScope,
  db: Executor,
  caller: Caller | null,
  id: string,
  action: Action,
  options: {
    withArchived?: boolean | undefined;
    expectedVersion?: number | undefined;
    /** More conditions the row must meet (a nested update's child belongs to its parent). */
    where?: readonly Sql[];
  } = {},
): Promise<never> {
  const rows = await exec(
    scope,
    db,
    probeRow(scope.guard(caller), scope.meta, id, options.withArchived ?? false, options.where),
  );
  const current = rows[0]?.version as number | undefined;
  if (current === undefined) throw notFound(scope.entity.name, id);
  if (options.expectedVersion !== undefined && scope.meta.versioned && current !== options.expectedVersion)
    throw staleVersion(scope.entity.name, id, current, options.expectedVersion);
  throw forbidden(`you may not ${action} this ${scope.entity.name}`);
}

/** Refuses a write that sets a field the caller's role may not write. */
export function checkFieldRules(
  scope: EntityScope,
  data: Data,
  caller: Caller | null,
  path: (string | number)[],
) {
  for (const [field, rule] of scope.fieldRules) {
    if (data[field] !== undefined && !rule(caller)) {
      throw new CrudError('FORBIDDEN', `you may not set ${field}`, {
        fields: [field],
        issues: [{ path: [...path, field], message: 'you may not set this field' }],
      });
    }
  }
}

/** Refuses an update that sends a field set once on create. */
export function checkImmutable(scope: EntityScope, data: Data, path: (string | number)[]) {
  const sent = Object.keys(data).filter((k) => scope.immutable.has(k) && data[k] !== undefined);
  if (sent.length) {
    throw badRequest(
      `${sent.join(', ')} cannot be changed once the ${scope.entity.name} is created`,
      sent.map((f) => ({ path: [...path, f], message: 'cannot be changed once created' })),
    );
  }
}

export function requireWhere(where: Data) {
  if (Object.keys(where).length === 0) {
    throw badRequest('where must name at least one condition', [
      { path: ['where'], message: 'must not be empty' },
    ]);
  }
}

export function requireArchive(scope: EntityScope) {
  if (!scope.meta.archivable) throw badRequest(`${scope.entity.name} cannot be archived`);
}

/** version + 1, updated_at, updated_by: what every change of a row sets (`alias` null: unqualified, for a CTE's update). */
export function systemSets(scope: EntityScope, caller: Caller | null, alias: string | null = t0): Sql[] {
  const { meta } = scope;
  const col = (c: string) => (alias ? ref(alias, c) : sql.id(c));
  const out: Sql[] = [];
  if (meta.versioned) out.push(sql`"version" = ${col('version')} + 1`);
  if (meta.timestamped) out.push(sql`"updated_at" = now()`);
  if (meta.audited) out.push(sql`"updated_by" = ${param(caller?.userId ?? null)}`);
  return out;
}

/** `column = value` for the given fields. */
export function setFields(
  scope: EntityScope,
  fields: Data,
  value: (field: string, v: unknown) => Sql,
): Sql[] {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => sql`${sql.id(scope.meta.byField.get(k)!.column)} = ${value(k, v)}`);
}

/** Splits a create/update payload into column values and nested relation writes. */
export function splitNested(scope: EntityScope, data: Data) {
  const fields: Data = {};
  const nested: [ResolvedRelation, Data][] = [];
  for (const [k, v] of Object.entries(data)) {
    const rel = scope.relations.get(k);
    if (rel) {
      if (v !== undefined) nested.push([rel, v as Data]);
    } else fields[k] = v;
  }
  return { fields, nested };
}

export const idIs = (id: string): Sql => sql`${ref(t0, 'id')} = ${param(id)}`;
export const idIn = (ids: readonly string[]): Sql =>
  ids.length ? sql`${ref(t0, 'id')} in (${sql.join(ids.map(param))})` : sql`false`;
export const notArchived = (scope: EntityScope, withArchived?: boolean): Sql[] =>
  scope.meta.archivable && !withArchived ? [sql`${ref(t0, 'archived_at')} is null`] : [];
