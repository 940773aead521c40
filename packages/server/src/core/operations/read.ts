import type { CountQuery, GetQuery, ListQuery, Page } from '@typecrud/shared';
import type { ManagerContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { checkResponseRows, decodeRow, keysetAfter } from '../query/compile.js';
import { queryFingerprint } from '../query/cursor.js';
import type { Guard } from '../statements/guard.js';
import { t0 } from '../statements/guard.js';
import { countStatement, getStatement, listStatement } from '../statements/read.js';
import type { Data, Rows } from './base.js';
import type { EntityScope } from './scope.js';

type Shape = { include?: Data; select?: Data; omit?: Data };
type AnyGet = Omit<GetQuery<never, never>, keyof Shape> & Shape;
type AnyList = Omit<ListQuery<never, never>, keyof Shape | 'where' | 'distinct'> &
  Shape & { where?: Data; distinct?: string[] };
type AnyCount = CountQuery<never, never> & { where?: Data };

/** Reads through the cache when one is set and the call is not inside a transaction (which may see its own writes). */
export function cached<T>(
  scope: EntityScope,
  ctx: ManagerContext,
  guard: Guard,
  op: string,
  query: unknown,
  load: () => Promise<T>,
): Promise<T> {
  return scope.cache && !ctx.db.isTransaction
    ? scope.cache.read(scope.entity, ctx.caller, op, query, [...guard.compiler.touched], load)
    : load();
}

/** One row with its includes, in one statement; NOT_FOUND when missing, archived or outside the caller's read rule. */
export async function get(scope: EntityScope, ctx: ManagerContext, query: AnyGet): Promise<Data> {
  const guard = scope.guard(ctx.caller);
  guard.compiler.withArchived = query.withArchived === true;
  checkResponseRows(scope.schema, scope.entity, 1, query, scope.maxResponseRows);
  const { statement, plan } = getStatement(guard, scope.meta, query);
  const row = await cached(scope, ctx, guard, 'get', query, async () => {
    const found = (await statement.execute(ctx.db)).rows[0] as Data | undefined;
    if (found) decodeRow(scope.meta, plan, found);
    return found ?? null;
  });
  if (!row) throw notFound(scope.entity.name, query.id);
  return row;
}

/** A page of rows with their includes, in one statement. */
export async function list(scope: EntityScope, ctx: ManagerContext, query: AnyList): Promise<Page<Data>> {
  const { entity, meta, cursors } = scope;
  const guard = scope.guard(ctx.caller);
  guard.compiler.withArchived = query.withArchived === true;
  const ordered = guard.compiler.order(entity, t0, query.orderBy);
  const distinct = query.distinct ?? [];
  const terms = distinct.length ? guard.compiler.distinctOrder(entity, t0, distinct, ordered) : ordered;
  const limit = query.limit ?? entity.limits.defaultLimit;
  checkResponseRows(scope.schema, entity, limit, query, scope.maxResponseRows);
  // the same cursor fits the same filter, order and distinct (not the shape: its values do not depend on it)
  const fingerprint = queryFingerprint(
    entity.name,
    query.where,
    distinct.length ? { orderBy: query.orderBy ?? null, distinct } : query.orderBy,
    query.withArchived ?? false,
  );
  const cursorLength = distinct.length || terms.length;
  let after = null;
  if (query.cursor !== undefined) {
    const values = cursors.decode(query.cursor, fingerprint);
    if (values.length !== cursorLength)
      throw badRequest('cursor is invalid', [{ path: ['cursor'], message: 'does not fit the order' }]);
    after = keysetAfter(terms.slice(0, cursorLength), values);
  }
  const { statement, plan, cursorTerms } = listStatement(
    guard,
    meta,
    query,
    terms,
    limit,
    after,
    distinct.length,
  );
  return cached(scope, ctx, guard, 'list', query, async () => {
    let rows = (await statement.execute(ctx.db)).rows as Rows;
    let total: number | undefined;
    if (query.withTotal) {
      total = (rows[0]?.__total as number | undefined) ?? 0;
      rows = rows.filter((r) => r.__p !== null && r.__p !== undefined);
    }
    const more = rows.length > limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    const nextCursor =
      more && last
        ? cursors.encode(
            cursorTerms.map((t, i) => (t.field ? last[t.field] : last[`__o${i}`])),
            fingerprint,
          )
        : null;
    for (const row of rows) {
      if (query.withTotal) {
        delete row.__total;
        delete row.__p;
      }
      for (let i = 0; i < cursorTerms.length; i++) if (!cursorTerms[i]!.field) delete row[`__o${i}`];
      decodeRow(meta, plan, row);
    }
    return { items: rows, nextCursor, ...(total !== undefined ? { total } : {}) };
  });
}

export async function count(scope: EntityScope, ctx: ManagerContext, query: AnyCount): Promise<number> {
  const guard = scope.guard(ctx.caller);
  guard.compiler.withArchived = query.withArchived === true;
  const statement = countStatement(guard, scope.meta, query);
  return cached(scope, ctx, guard, 'count', query, async () => {
    const { rows } = await statement.execute(ctx.db);
    return ((rows[0] as { count?: number } | undefined)?.count ?? 0) as number;
  });
}
