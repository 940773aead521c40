import { sql } from 'kysely';
import { cursorValue, type IncludePlan, type OrderTerm, orderSql } from '../query/compile.js';
import type { EntityMeta, Sql } from '../query/entity-meta.js';
import { and, param, ref, selectColumns } from '../query/entity-meta.js';
import { type Guard, t0 } from './guard.js';

type Data = Record<string, unknown>;

/** A read statement and how to decode what it returns. */
export interface ReadStatement {
  readonly statement: Sql;
  readonly plan: IncludePlan[];
}

/**
 * One row with its includes, hidden rows left out by the caller's read rule.
 *
 * select "t0"."id" as "id", ..., (select to_json(x) from (...) as x) as "organization"
 * from project as "t0" where "t0"."id" = $1 and "t0"."archived_at" is null and <read rule>
 */
export function getStatement(
  guard: Guard,
  meta: EntityMeta,
  query: { id: string; include?: Data | undefined; withArchived?: boolean | undefined },
): ReadStatement {
  const c = guard.compiler;
  const inc = c.include(meta.entity, t0, query.include);
  const conds = [
    sql`${ref(t0, 'id')} = ${param(query.id)}`,
    ...guard.visible(meta.entity, t0, query.withArchived),
  ];
  return {
    statement: sql`select ${sql.join([...selectColumns(meta, t0), ...inc.columns])}
      from ${sql.table(meta.table)} as ${sql.id(t0)} where ${and(conds)}`,
    plan: inc.plan,
  };
}

/**
 * A page: `where` AND the read rule, keyset or offset, `limit + 1` rows (the extra one says
 * whether there is a next page); with `withTotal`, the count in the same statement.
 */
export function listStatement(
  guard: Guard,
  meta: EntityMeta,
  query: {
    where?: Data | undefined;
    include?: Data | undefined;
    withArchived?: boolean | undefined;
    withTotal?: boolean | undefined;
    offset?: number | undefined;
  },
  terms: OrderTerm[],
  limit: number,
  after: Sql | null,
): ReadStatement {
  const c = guard.compiler;
  const table = sql.table(meta.table);
  const conds = [
    ...guard.visible(meta.entity, t0, query.withArchived),
    ...c.where(meta.entity, t0, query.where),
  ];
  const pageConds = after ? [...conds, after] : conds;
  const inc = c.include(meta.entity, t0, query.include);
  const hidden = terms.flatMap((t, i) => (t.field ? [] : [sql`${cursorValue(t)} as ${sql.id(`__o${i}`)}`]));
  const offset = query.offset ? sql` offset ${query.offset}` : sql``;
  const page = sql`select ${sql.join([...selectColumns(meta, t0), ...inc.columns, ...hidden])}
    from ${table} as ${sql.id(t0)} where ${and(pageConds)}
    order by ${orderSql(terms)} limit ${limit + 1}${offset}`;
  const statement = query.withTotal
    ? sql`select p.*, c."__total" from (select count(*)::int as "__total" from ${table} as ${sql.id(t0)} where ${and(conds)}) as c
        left join lateral (${page}) as p on true`
    : page;
  return { statement, plan: inc.plan };
}

/** select count(*)::int as count from project as "t0" where <where> and <read rule> */
export function countStatement(
  guard: Guard,
  meta: EntityMeta,
  query: { where?: Data | undefined; withArchived?: boolean | undefined },
): Sql {
  const conds = [
    ...guard.visible(meta.entity, t0, query.withArchived),
    ...guard.compiler.where(meta.entity, t0, query.where),
  ];
  return sql`select count(*)::int as count from ${sql.table(meta.table)} as ${sql.id(t0)} where ${and(conds)}`;
}
