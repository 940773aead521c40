import { sql } from 'kysely';
import { cursorValue, type IncludePlan, type OrderTerm, orderSql, type ReadArgs } from '../query/compile.js';
import type { EntityMeta, Sql } from '../query/entity-meta.js';
import { and, param, ref } from '../query/entity-meta.js';
import { type Guard, t0 } from './guard.js';

type Data = Record<string, unknown>;

/** A read statement and how to decode what it returns. */
export interface ReadStatement {
  readonly statement: Sql;
  readonly plan: IncludePlan[];
}

/** The shape arguments of a read (`select` / `omit` / `include`). */
type Shape = ReadArgs;

/**
 * One row with its includes, hidden rows left out by the caller's read rule; only the fields
 * `select` / `omit` leave are read.
 *
 * select "t0"."id" as "id", ..., (select to_json(x) from (...) as x) as "organization"
 * from project as "t0" where "t0"."id" = $1 and "t0"."archived_at" is null and <read rule>
 */
export function getStatement(
  guard: Guard,
  meta: EntityMeta,
  query: Shape & { id: string; withArchived?: boolean | undefined },
): ReadStatement {
  const c = guard.compiler;
  const shape = c.shape(meta.entity, t0, query);
  const conds = [
    sql`${ref(t0, 'id')} = ${param(query.id)}`,
    ...guard.visible(meta.entity, t0, query.withArchived),
  ];
  return {
    statement: sql`select ${sql.join(shape.columns)}
      from ${sql.table(meta.table)} as ${sql.id(t0)} where ${and(conds)}`,
    plan: shape.plan,
  };
}

/** A page's statement, and the terms its cursor carries (each read from its field or its `__o<i>` column). */
export interface ListStatement extends ReadStatement {
  readonly cursorTerms: OrderTerm[];
}

/**
 * A page: `where` AND the read rule, keyset or offset, `limit + 1` rows (the extra one says
 * whether there is a next page); with `withTotal`, the count in the same statement. With
 * `distinct`, `select distinct on (<the first `distinct` terms>)`: `terms` must lead with them,
 * the cursor carries only them (a page ends after a whole group), the total counts the groups.
 */
export function listStatement(
  guard: Guard,
  meta: EntityMeta,
  query: Shape & {
    where?: Data | undefined;
    withArchived?: boolean | undefined;
    withTotal?: boolean | undefined;
    offset?: number | undefined;
  },
  terms: OrderTerm[],
  limit: number,
  after: Sql | null,
  distinct = 0,
): ListStatement {
  const c = guard.compiler;
  const table = sql.table(meta.table);
  const conds = [
    ...guard.visible(meta.entity, t0, query.withArchived),
    ...c.where(meta.entity, t0, query.where),
  ];
  const pageConds = after ? [...conds, after] : conds;
  const shape = c.shape(meta.entity, t0, query);
  // a term whose field is not returned reads its cursor value from a hidden column instead
  const returned = new Set(shape.fields.map((f) => f.field));
  const cursorTerms = (distinct ? terms.slice(0, distinct) : terms).map((t) =>
    t.field && !returned.has(t.field) ? { ...t, field: undefined } : t,
  );
  const hidden = cursorTerms.flatMap((t, i) =>
    t.field ? [] : [sql`${cursorValue(t)} as ${sql.id(`__o${i}`)}`],
  );
  // marks a page row (beside the total's row when the page is empty), whatever the row returns
  if (query.withTotal) hidden.push(sql`true as "__p"`);
  const offset = query.offset ? sql` offset ${query.offset}` : sql``;
  const on = distinct ? sql`distinct on (${sql.join(terms.slice(0, distinct).map((t) => t.expr))}) ` : sql``;
  const page = sql`select ${on}${sql.join([...shape.columns, ...hidden])}
    from ${table} as ${sql.id(t0)} where ${and(pageConds)}
    order by ${orderSql(terms)} limit ${limit + 1}${offset}`;
  const counted = distinct
    ? sql`(select distinct ${sql.join(terms.slice(0, distinct).map((t) => t.expr))} from ${table} as ${sql.id(t0)} where ${and(conds)}) as d`
    : sql`${table} as ${sql.id(t0)} where ${and(conds)}`;
  const statement = query.withTotal
    ? sql`select p.*, c."__total" from (select count(*)::int as "__total" from ${counted}) as c
        left join lateral (${page}) as p on true`
    : page;
  return { statement, plan: shape.plan, cursorTerms };
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
