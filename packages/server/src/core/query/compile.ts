import type {
  Action,
  AnyEntity,
  AnySchema,
  EntityMap,
  Operator,
  Policies,
  Principal,
  ResolvedRelation,
  SortSpec,
} from '@typecrud/shared';
import { queryLimits } from '@typecrud/shared';
import { sql } from 'kysely';
import { badRequest } from '../errors.js';
import { and, type EntityMeta, metaOf, or, param, ref, type Sql, selectColumns } from './entity-meta.js';

/** State of one statement's compilation: the schema, fresh aliases, the caller and the policies judging them. */

/** The two sides of a comparison: the column as stored, as compared, and how a value is bound. */
interface OperandSides {
  col: Sql;
  lhs: Sql;
  rhs: (v: unknown) => Sql;
  insensitive: boolean;
}

const likePattern = (op: 'contains' | 'startsWith' | 'endsWith') => (c: OperandSides, v: unknown) => {
  const escaped = (v as string).replace(/[\\%_]/g, (m) => `\\${m}`);
  const pattern = op === 'contains' ? `%${escaped}%` : op === 'startsWith' ? `${escaped}%` : `%${escaped}`;
  return c.insensitive ? sql`${c.col} ilike ${pattern}` : sql`${c.col} like ${pattern}`;
};

const inList = (negate: boolean) => (c: OperandSides, v: unknown) => {
  const list = v as unknown[];
  if (list.length === 0) return negate ? sql`true` : sql`false`;
  const values = sql.join(list.map(c.rhs));
  // NOT IN over a NULL column is NULL, not true: a row without a value is "not in" any list
  return negate ? sql`(${c.lhs} not in (${values}) or ${c.col} is null)` : sql`${c.lhs} in (${values})`;
};

/** The SQL of every operator of the operator table (`operators` in @typecrud/shared): one entry each. */
const operatorSql: Record<Operator, (c: OperandSides, v: unknown) => Sql> = {
  eq: (c, v) => (v === null ? sql`${c.col} is null` : sql`${c.lhs} = ${c.rhs(v)}`),
  ne: (c, v) => (v === null ? sql`${c.col} is not null` : sql`${c.lhs} is distinct from ${c.rhs(v)}`),
  in: inList(false),
  notIn: inList(true),
  lt: (c, v) => sql`${c.lhs} < ${c.rhs(v)}`,
  lte: (c, v) => sql`${c.lhs} <= ${c.rhs(v)}`,
  gt: (c, v) => sql`${c.lhs} > ${c.rhs(v)}`,
  gte: (c, v) => sql`${c.lhs} >= ${c.rhs(v)}`,
  contains: likePattern('contains'),
  startsWith: likePattern('startsWith'),
  endsWith: likePattern('endsWith'),
  isNull: (c, v) => (v ? sql`${c.col} is null` : sql`${c.col} is not null`),
};

export class Compiler {
  private n = 0;
  /** Every entity whose rows this statement reads (cache keys depend on their generations). */
  readonly touched = new Set<string>();
  /**
   * The query's `withArchived`: archived related rows then count in relation filters and ordering
   * too (policies always count them: a rule is about whose a row is, not whether it is archived).
   */
  withArchived = false;
  constructor(
    readonly schema: AnySchema,
    readonly caller: Principal | null,
    /** Absent only for services created explicitly unrestricted. */
    readonly policies: Policies<EntityMap> | undefined,
  ) {}

  alias(): string {
    return `t${this.n++}`;
  }

  /**
   * The condition a caller's policy puts on rows of `entity` at `alias` for `action`, or null
   * when every row is allowed. An action without a rule is denied (`false`).
   */
  policy(entity: AnyEntity, action: Action, alias: string): Sql | null {
    if (!this.policies) return null;
    const rule = this.policies[entity.name]?.[action];
    const outcome = typeof rule === 'function' ? rule(this.caller) : (rule ?? false);
    if (outcome === true) return null;
    if (outcome === false) return sql`false`;
    return and(this.where(entity, alias, outcome as Record<string, unknown>, ['policy'], true));
  }

  /**
   * Conditions that hide rows: archived ones (unless asked for) and those outside the caller's
   * read policy (left out only inside a policy's own conditions, which are trusted).
   */
  visible(entity: AnyEntity, alias: string, withArchived = false, applyPolicy = true): Sql[] {
    const meta = metaOf(entity);
    this.touched.add(entity.name);
    const out: Sql[] = [];
    if (meta.archivable && !withArchived) out.push(sql`${ref(alias, 'archived_at')} is null`);
    const policy = applyPolicy ? this.policy(entity, 'read', alias) : null;
    if (policy) out.push(policy);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // where

  /**
   * Compiles a validated `where` into conditions on the row at `alias`. `trusted` is for
   * policies: any field may be used and related rows are not filtered by their own policies.
   */
  where(
    entity: AnyEntity,
    alias: string,
    where: Record<string, unknown> | undefined,
    path: string[] = ['where'],
    trusted = false,
  ): Sql[] {
    if (!where) return [];
    const meta = metaOf(entity);
    const parts: Sql[] = [];
    for (const [key, value] of Object.entries(where)) {
      if (value === undefined) continue;
      const at = [...path, key];
      if (key === 'AND')
        parts.push(
          and(
            (value as Record<string, unknown>[]).map((w, i) =>
              and(this.where(entity, alias, w, [...at, String(i)], trusted)),
            ),
          ),
        );
      else if (key === 'OR')
        parts.push(
          or(
            (value as Record<string, unknown>[]).map((w, i) =>
              and(this.where(entity, alias, w, [...at, String(i)], trusted)),
            ),
          ),
        );
      // `is not true`, not `not`: NOT is the complement, so a row whose condition is NULL matches it
      else if (key === 'NOT')
        parts.push(
          sql`(${and(this.where(entity, alias, value as Record<string, unknown>, at, trusted))}) is not true`,
        );
      else if (meta.byField.has(key)) parts.push(...this.fieldFilter(meta, alias, key, value, at, trusted));
      else if (this.relationOf(entity, key))
        parts.push(this.relationFilter(entity, alias, key, value as Record<string, unknown>, at, trusted));
      else
        throw badRequest(`${key} is not a field of ${entity.name}`, [{ path: at, message: 'unknown field' }]);
    }
    return parts;
  }

  private fieldFilter(
    meta: EntityMeta,
    alias: string,
    field: string,
    value: unknown,
    at: string[],
    trusted: boolean,
  ): Sql[] {
    const c = meta.byField.get(field)!;
    if (!c.config.filterable && !trusted)
      throw badRequest(`${field} is not filterable`, [{ path: at, message: 'is not filterable' }]);
    const col = ref(alias, c.column);
    if (c.config.kind === 'json') {
      const f = value as { path: string[]; equals?: unknown; isNull?: boolean };
      const at2 = sql`(${col} #> array[${sql.join(f.path.map((p) => param(p)))}]::text[])`;
      const out: Sql[] = [];
      if (f.equals !== undefined) out.push(sql`${at2} = ${JSON.stringify(f.equals)}::jsonb`);
      if (f.isNull !== undefined) out.push(f.isNull ? sql`${at2} is null` : sql`${at2} is not null`);
      return out;
    }
    // a timestamp compares as clients see it, to the millisecond of a Date (the column keeps microseconds)
    const cmp = c.config.kind === 'timestamp' ? sql`date_trunc('milliseconds', ${col})` : col;
    if (value === null) return [sql`${col} is null`];
    if (typeof value !== 'object' || value instanceof Date) return [sql`${cmp} = ${param(value)}`];
    const ops = value as Record<string, unknown>;
    const insensitive = ops.mode === 'insensitive';
    const side: OperandSides = {
      col,
      lhs: insensitive ? sql`lower(${col})` : cmp,
      rhs: (v) => (insensitive ? sql`lower(${param(v)})` : param(v)),
      insensitive,
    };
    const out: Sql[] = [];
    for (const [op, v] of Object.entries(ops)) {
      if (v === undefined || op === 'mode') continue;
      if (!Object.hasOwn(operatorSql, op))
        throw badRequest(`unknown operator ${op}`, [{ path: [...at, op], message: 'unknown operator' }]);
      out.push(operatorSql[op as Operator](side, v));
    }
    return out;
  }

  relationOf(entity: AnyEntity, name: string): ResolvedRelation | undefined {
    return this.schema.relations(entity.name).find((r) => r.name === name);
  }

  /** `exists (...)` over a relation's rows linked to the row at `alias`. */
  private relatedExists(
    rel: ResolvedRelation,
    alias: string,
    condition: (a: string) => Sql[],
    trusted: boolean,
  ): Sql {
    const a = this.alias();
    const { from, link } = this.relationSource(rel, alias, a);
    const conds = [
      link,
      ...this.visible(rel.target, a, trusted || this.withArchived, !trusted),
      ...condition(a),
    ];
    return sql`exists (select 1 from ${from} where ${and(conds)})`;
  }

  private relationFilter(
    entity: AnyEntity,
    alias: string,
    key: string,
    value: Record<string, unknown>,
    at: string[],
    trusted: boolean,
  ): Sql {
    const rel = this.schema.relation(entity.name, key);
    const toMany = rel.kind === 'hasMany' || rel.kind === 'manyToMany';
    const parts: Sql[] = [];
    for (const [op, w] of Object.entries(value)) {
      if (w === undefined) continue;
      const inner = (a: string) =>
        this.where(rel.target, a, w as Record<string, unknown>, [...at, op], trusted);
      if (toMany) {
        if (op === 'some') parts.push(this.relatedExists(rel, alias, inner, trusted));
        else if (op === 'none') parts.push(sql`not ${this.relatedExists(rel, alias, inner, trusted)}`);
        // every: no related row for which the condition is false or NULL
        else
          parts.push(
            sql`not ${this.relatedExists(rel, alias, (a) => [sql`(${and(inner(a))}) is not true`], trusted)}`,
          );
      } else if (w === null) {
        const exists = this.relatedExists(rel, alias, () => [], trusted);
        parts.push(op === 'is' ? sql`not ${exists}` : exists);
      } else {
        const exists = this.relatedExists(rel, alias, inner, trusted);
        parts.push(op === 'is' ? exists : sql`not ${exists}`);
      }
    }
    return and(parts);
  }

  /** The FROM of a relation's target rows at alias `a`, and the condition linking them to the row at `alias`. */
  relationSource(rel: ResolvedRelation, alias: string, a: string): { from: Sql; link: Sql } {
    const table = sql`${sql.table(rel.target.table)} as ${sql.id(a)}`;
    this.touched.add(rel.target.name);
    switch (rel.kind) {
      case 'belongsTo':
        return {
          from: table,
          link: sql`${ref(a, 'id')} = ${ref(alias, metaOf(rel.source).byField.get(rel.field!)!.column)}`,
        };
      case 'hasMany':
      case 'hasOne':
        return {
          from: table,
          link: sql`${ref(a, metaOf(rel.target).byField.get(rel.field!)!.column)} = ${ref(alias, 'id')}`,
        };
      case 'manyToMany': {
        const j = `${a}j`;
        const { sourceColumn, targetColumn } = joinColumns(rel);
        return {
          from: sql`${sql.table(rel.join!.table)} as ${sql.id(j)} join ${table} on ${ref(a, 'id')} = ${ref(j, targetColumn)}`,
          link: sql`${ref(j, sourceColumn)} = ${ref(alias, 'id')}`,
        };
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // orderBy

  /** Order terms for `orderBy`, ended by the unique `id` tiebreak so every page is stable. */
  order(entity: AnyEntity, alias: string, orderBy: unknown): OrderTerm[] {
    const list = orderBy === undefined ? defaultOrder(entity) : Array.isArray(orderBy) ? orderBy : [orderBy];
    const terms: OrderTerm[] = [];
    for (const item of list as Record<string, unknown>[]) this.orderTerms(entity, alias, item, [], terms);
    if (terms.length > queryLimits.orderFields + 1) {
      throw badRequest(`at most ${queryLimits.orderFields} order fields`, [
        { path: ['orderBy'], message: 'too many fields' },
      ]);
    }
    if (!terms.some((t) => t.path.length === 1 && t.path[0] === 'id')) {
      terms.push({ path: ['id'], expr: ref(alias, 'id'), desc: false, nullsFirst: false, field: 'id' });
    }
    return terms;
  }

  private orderTerms(
    entity: AnyEntity,
    alias: string,
    item: Record<string, unknown>,
    path: string[],
    out: OrderTerm[],
  ) {
    const meta = metaOf(entity);
    for (const [key, spec] of Object.entries(item)) {
      if (spec === undefined) continue;
      const c = meta.byField.get(key);
      if (c) {
        // the DTO checks this too; the manager is also called by server code that skips the DTO
        if (!c.config.sortable) {
          throw badRequest(`${key} is not sortable`, [
            { path: ['orderBy', ...path, key], message: 'is not sortable' },
          ]);
        }
        const { dir, nulls } =
          typeof spec === 'string' ? { dir: spec, nulls: undefined } : (spec as Exclude<SortSpec, string>);
        const desc = dir === 'desc';
        out.push({
          path: [...path, key],
          expr: ref(alias, c.column),
          desc,
          nullsFirst: nulls === undefined ? desc : nulls === 'first',
          timestamp: c.config.kind === 'timestamp',
          // a timestamp read back as a Date loses its microseconds: its cursor value comes from `cursorValue`
          ...(path.length === 0 && c.config.kind !== 'timestamp' ? { field: key } : {}),
        });
        continue;
      }
      // a to-one relation: order by its fields through a scalar subquery per term
      const rel = this.schema.relation(entity.name, key);
      const nested: OrderTerm[] = [];
      const a = this.alias();
      this.orderTerms(rel.target, a, spec as Record<string, unknown>, [...path, key], nested);
      const { from, link } = this.relationSource(rel, alias, a);
      // ordering by a related row must not reveal rows the caller may not read; an archived parent
      // counts when it would be embedded (a required one always, an optional one withArchived)
      const required =
        rel.kind === 'belongsTo' && !metaOf(rel.source).byField.get(rel.field!)!.config.nullable;
      const conds = and([link, ...this.visible(rel.target, a, required || this.withArchived)]);
      for (const t of nested) {
        out.push({ ...t, expr: sql`(select ${t.expr} from ${from} where ${conds})`, field: undefined });
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // include

  /** Select expressions embedding the included relations, and the plan to decode them. */
  include(
    entity: AnyEntity,
    alias: string,
    include: Record<string, unknown> | undefined,
    depth = 1,
    path: string[] = ['include'],
  ): { columns: Sql[]; plan: IncludePlan[] } {
    const columns: Sql[] = [];
    const plan: IncludePlan[] = [];
    if (!include) return { columns, plan };
    if (depth > queryLimits.includeDepth) {
      throw badRequest(`include nests deeper than ${queryLimits.includeDepth} levels`, [
        { path: ['include'], message: 'too deep' },
      ]);
    }
    for (const [name, arg] of Object.entries(include)) {
      if (!arg) continue;
      const rel = this.schema.relation(entity.name, name);
      const args = (arg === true ? {} : arg) as IncludeArgs;
      const many = rel.kind === 'hasMany' || rel.kind === 'manyToMany';
      if (!many) {
        // one row: a limit or an order would be silently meaningless (the DTO refuses them too)
        for (const key of ['limit', 'orderBy'] as const) {
          if (args[key] !== undefined) {
            throw badRequest(`${key} does not apply to ${name}: a to-one relation embeds one row`, [
              { path: [...path, name, key], message: 'a to-one relation embeds one row' },
            ]);
          }
        }
      }
      const a = this.alias();
      const { from, link } = this.relationSource(rel, alias, a);
      const nested = this.include(rel.target, a, args.include, depth + 1, [...path, name, 'include']);
      const cols = sql.join([...selectColumns(metaOf(rel.target), a), ...nested.columns]);
      // a required parent is embedded even when archived (its archivedAt says so): the row points
      // to it and the result type promises it; archived rows of other relations are left out
      const required =
        rel.kind === 'belongsTo' && !metaOf(rel.source).byField.get(rel.field!)!.config.nullable;
      const conds = and([
        link,
        ...this.visible(rel.target, a, args.withArchived ?? required),
        ...this.where(rel.target, a, args.where, ['include', name, 'where']),
      ]);
      let expr: Sql;
      if (many) {
        const order = orderSql(this.order(rel.target, a, args.orderBy));
        const limit = args.limit ?? rel.target.limits.maxLimit;
        expr = sql`(select coalesce(json_agg(x), '[]'::json) from (select ${cols} from ${from} where ${conds} order by ${order} limit ${limit}) as x)`;
      } else {
        expr = sql`(select to_json(x) from (select ${cols} from ${from} where ${conds} limit 1) as x)`;
      }
      columns.push(sql`${expr} as ${sql.id(name)}`);
      plan.push({ name, many, meta: metaOf(rel.target), nested: nested.plan });
    }
    return { columns, plan };
  }
}

interface IncludeArgs {
  where?: Record<string, unknown>;
  orderBy?: unknown;
  limit?: number;
  include?: Record<string, unknown>;
  withArchived?: boolean;
}

/** How to decode one embedded relation. */
export interface IncludePlan {
  readonly name: string;
  readonly many: boolean;
  readonly meta: EntityMeta;
  readonly nested: readonly IncludePlan[];
}

/** One ORDER BY term; `field` is set when its value can be read back from the row itself. */
export interface OrderTerm {
  readonly path: string[];
  readonly expr: Sql;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  readonly field?: string | undefined;
  /** A timestamp term: its cursor value travels as exact text, never as a millisecond Date. */
  readonly timestamp?: boolean;
}

/** What a keyset cursor stores for a term without `field`: timestamps as UTC text to the microsecond. */
export function cursorValue(t: OrderTerm): Sql {
  return t.timestamp ? sql`to_char(${t.expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : t.expr;
}

export function orderSql(terms: OrderTerm[]): Sql {
  return sql.join(
    terms.map(
      (t) =>
        sql`${t.expr} ${sql.raw(t.desc ? 'desc' : 'asc')} ${sql.raw(t.nullsFirst ? 'nulls first' : 'nulls last')}`,
    ),
  );
}

function defaultOrder(entity: AnyEntity): Record<string, unknown>[] {
  return entity.traits.has('timestamps') ? [{ createdAt: 'desc' }] : [];
}

/** Which join-table column points at the relation's source and which at its target. */
export function joinColumns(rel: ResolvedRelation): { sourceColumn: string; targetColumn: string } {
  const j = rel.join!;
  return j.left.entity === rel.source
    ? { sourceColumn: j.left.column, targetColumn: j.right.column }
    : { sourceColumn: j.right.column, targetColumn: j.left.column };
}

/**
 * The keyset condition "after the row whose order values are `values`", for any mix of
 * directions and NULLS FIRST/LAST: OR over i of (terms before i equal) AND (term i after).
 */
export function keysetAfter(terms: OrderTerm[], values: unknown[]): Sql {
  const branches: Sql[] = [];
  for (let i = 0; i < terms.length; i++) {
    const eq = terms
      .slice(0, i)
      .map((t, j) => sql`${t.expr} is not distinct from ${param(values[j] ?? null)}`);
    const after = afterTerm(terms[i]!, values[i] ?? null);
    if (after) branches.push(and([...eq, after]));
  }
  return or(branches);
}

function afterTerm(t: OrderTerm, v: unknown): Sql | null {
  if (v === null) return t.nullsFirst ? sql`${t.expr} is not null` : null;
  const cmp = t.desc ? sql`${t.expr} < ${param(v)}` : sql`${t.expr} > ${param(v)}`;
  return t.nullsFirst ? cmp : sql`(${cmp} or ${t.expr} is null)`;
}

/** Decodes a row and its embedded relations in place. */
export function decodeRow(
  meta: EntityMeta,
  plan: readonly IncludePlan[],
  row: Record<string, unknown>,
): void {
  meta.decode(row);
  for (const p of plan) {
    const v = row[p.name];
    if (v === null || v === undefined) {
      row[p.name] = p.many ? [] : null;
    } else if (p.many) {
      for (const child of v as Record<string, unknown>[]) decodeRow(p.meta, p.nested, child);
    } else {
      decodeRow(p.meta, p.nested, v as Record<string, unknown>);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// response size

/** The default of `maxResponseRows`: most rows one read may embed through its includes. */
export const defaultMaxResponseRows = 10_000;

/**
 * Refuses, before anything runs, a read whose includes could embed more than `max` rows at any
 * one include: each of `rows` top-level rows embeds up to a to-many include's limit (the
 * target's maxLimit when unset), each of those up to its own includes' limits, and so on (a
 * to-one include embeds one row per parent). Over the cap is a BAD_REQUEST naming the include
 * that embeds most, with the path of its limit. (The whole response is bounded by the byte cap.)
 */
export function checkResponseRows(
  schema: AnySchema,
  entity: AnyEntity,
  rows: number,
  include: Record<string, unknown> | undefined,
  max: number,
): void {
  let worst: { path: string[]; rows: number; many: boolean } | undefined;
  const walk = (e: AnyEntity, inc: Record<string, unknown> | undefined, each: number, path: string[]) => {
    if (!inc) return;
    for (const [name, arg] of Object.entries(inc)) {
      if (!arg) continue;
      const rel = schema.relation(e.name, name);
      const args = (arg === true ? {} : arg) as IncludeArgs;
      const many = rel.kind === 'hasMany' || rel.kind === 'manyToMany';
      const embedded = each * (many ? (args.limit ?? rel.target.limits.maxLimit) : 1);
      // a to-many include before a to-one, the deepest of equals: narrowing it narrows nothing else
      if (!worst || embedded > worst.rows || (embedded === worst.rows && (many || !worst.many)))
        worst = { path: [...path, name], rows: embedded, many };
      walk(rel.target, args.include, embedded, [...path, name]);
    }
  };
  walk(entity, include, rows, []);
  if (!worst || worst.rows <= max) return;
  const n = (v: number) => v.toLocaleString('en-US');
  throw badRequest(
    `include ${worst.path.join('.')} would embed up to ${n(worst.rows)} rows; the limit is ${n(max)}: give it a smaller limit`,
    [
      {
        path: [...worst.path.flatMap((p) => ['include', p]), ...(worst.many ? ['limit'] : [])],
        message: `would embed up to ${n(worst.rows)} rows; the response limit is ${n(max)}`,
      },
    ],
  );
}
