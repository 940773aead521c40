import type {
  Action,
  AnyComputed,
  AnyEntity,
  AnySchema,
  EntityMap,
  JsonFilter,
  Operator,
  Policies,
  Principal,
  ResolvedRelation,
  SortSpec,
} from '@typecrud/shared';
import { queryLimits, searchColumn } from '@typecrud/shared';
import { sql } from 'kysely';
import { badRequest } from '../errors.js';
import { jsonText } from '../statements/values.js';
import { searchConfig } from '../table-model.js';
import {
  and,
  type ColumnMeta,
  type EntityMeta,
  metaOf,
  or,
  param,
  ref,
  type Sql,
  selectColumns,
} from './entity-meta.js';

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

/**
 * A jsonb path filter (`JsonFilter` in @typecrud/shared): every value is a parameter, the path
 * too. A condition on a value of another JSON type is false, never a cast error: the numeric
 * comparisons cast only numbers (inside a CASE, as AND does not fix the evaluation order).
 */
function jsonFilter(col: Sql, f: JsonFilter, at: string[]): Sql[] {
  if (typeof f !== 'object' || f === null || Array.isArray(f))
    throw badRequest(`${at.join('.')}: a JSON field is filtered by a path: { path: [...], equals: ... }`, [
      { path: at, message: 'must be a JSON filter { path, ... }' },
    ]);
  if (!Array.isArray(f.path) || f.path.length === 0)
    throw badRequest('a JSON filter needs a path', [{ path: [...at, 'path'], message: 'is required' }]);
  const path = sql`array[${sql.join(f.path.map((p) => param(String(p))))}]::text[]`;
  const doc = sql`(${col} #> ${path})`;
  const text = sql`(${col} #>> ${path})`;
  const json = (op: string, v: unknown) => sql`${jsonText(v, [...at, op])}::jsonb`;
  const insensitive = f.mode === 'insensitive';
  const out: Sql[] = [];
  for (const [op, v] of Object.entries(f)) {
    if (v === undefined || op === 'path' || op === 'mode') continue;
    switch (op) {
      case 'equals':
        out.push(sql`${doc} = ${json(op, v)}`);
        break;
      case 'not':
        out.push(sql`${doc} is distinct from ${json(op, v)}`);
        break;
      case 'isNull':
        out.push(v ? sql`${doc} is null` : sql`${doc} is not null`);
        break;
      case 'string_contains':
      case 'string_starts_with':
      case 'string_ends_with': {
        if (typeof v !== 'string')
          throw badRequest(`${[...at, op].join('.')} must be a string`, [
            { path: [...at, op], message: 'must be a string' },
          ]);
        const like = likePattern(
          op === 'string_contains' ? 'contains' : op === 'string_starts_with' ? 'startsWith' : 'endsWith',
        );
        out.push(
          sql`(jsonb_typeof(${doc}) = 'string' and ${like({ col: text, lhs: text, rhs: param, insensitive }, v)})`,
        );
        break;
      }
      case 'array_contains':
        out.push(sql`(jsonb_typeof(${doc}) = 'array' and ${doc} @> ${json(op, Array.isArray(v) ? v : [v])})`);
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw badRequest(`${[...at, op].join('.')} must be a finite number`, [
            { path: [...at, op], message: 'must be a finite number' },
          ]);
        const cmp = sql.raw({ lt: '<', lte: '<=', gt: '>', gte: '>=' }[op]);
        const number = sql`(case when jsonb_typeof(${doc}) = 'number' then (${doc})::numeric end)`;
        out.push(sql`${number} ${cmp} ${param(String(v))}::numeric`);
        break;
      }
      default:
        throw badRequest(`unknown JSON filter ${op}`, [{ path: [...at, op], message: 'unknown operator' }]);
    }
  }
  return out;
}

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
      else if (key === 'search' && entity.search.length > 0)
        parts.push(sql`${ref(alias, searchColumn)} @@ ${searchTsQuery(value, at)}`);
      else if (meta.byField.has(key)) parts.push(...this.fieldFilter(meta, alias, key, value, at, trusted));
      else if (computedOf(entity, key)) {
        const c = computedOf(entity, key)!;
        parts.push(...valueFilter(this.computedExpr(entity, alias, key, trusted), c.kind, value, at));
      } else if (this.relationOf(entity, key))
        parts.push(this.relationFilter(entity, alias, key, value as Record<string, unknown>, at, trusted));
      else if (key === 'search')
        throw badRequest(`${entity.name} has no full-text search (it declares no search fields)`, [
          { path: at, message: `${entity.name} declares no search fields` },
        ]);
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
    if (c.config.kind === 'json') return jsonFilter(col, value as JsonFilter, at);
    return valueFilter(col, c.config.kind, value, at);
  }

  /**
   * The SQL of a computed field of `entity` on the row at `alias`: one correlated subquery
   * aggregating the related rows, archived ones left out and, for a caller (not `trusted`, which
   * is a policy's own conditions, where related rules are skipped as in relation filters), only
   * those the caller's read rule on the related entity allows.
   */
  computedExpr(entity: AnyEntity, alias: string, name: string, trusted = false): Sql {
    const c = computedOf(entity, name)!;
    const rel = this.schema.relation(entity.name, c.relation);
    const a = this.alias();
    const { from, link } = this.relationSource(rel, alias, a);
    const conds = and([
      link,
      ...this.visible(rel.target, a, false, !trusted),
      // the definition's own filter is the entity author's: any field of the related entity may be used
      ...this.where(rel.target, a, c.where, ['computed', name, 'where'], true),
    ]);
    const col = c.field ? ref(a, metaOf(rel.target).byField.get(c.field)!.column) : sql`null`;
    const agg =
      c.aggregate === 'count'
        ? sql`count(*)::int`
        : c.aggregate === 'sum'
          ? sql`coalesce(sum(${col}), 0)::${sql.raw(c.kind === 'int' ? 'bigint' : 'float8')}`
          : sql`${sql.raw(c.aggregate)}(${col})`;
    return sql`(select ${agg} from ${from} where ${conds})`;
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
      throw badRequest(`orderBy: at most ${queryLimits.orderFields} sort fields`, [
        { path: ['orderBy'], message: `at most ${queryLimits.orderFields} sort fields` },
      ]);
    }
    if (!terms.some((t) => t.path.length === 1 && t.path[0] === 'id')) {
      terms.push({ path: ['id'], expr: ref(alias, 'id'), desc: false, nullsFirst: false, field: 'id' });
    }
    return terms;
  }

  /**
   * The order of a `distinct` list: the distinct fields lead (in their own direction when
   * `terms` orders by them, ascending otherwise), then the rest of `terms`, which decide the row
   * each group keeps. Each field must be sortable (it is ordered by).
   */
  distinctOrder(
    entity: AnyEntity,
    alias: string,
    distinct: readonly string[],
    terms: OrderTerm[],
  ): OrderTerm[] {
    const meta = metaOf(entity);
    const lead = distinct.map((key, i) => {
      const c = meta.byField.get(key);
      if (!c || c.config.hidden || !c.config.sortable) {
        throw badRequest(`${key} is not a sortable field of ${entity.name}`, [
          { path: ['distinct', String(i)], message: 'is not sortable' },
        ]);
      }
      if (distinct.indexOf(key) !== i)
        throw badRequest(`${key} is given twice`, [
          { path: ['distinct', String(i)], message: 'given twice' },
        ]);
      const own = terms.find((t) => t.path.length === 1 && t.path[0] === key);
      return (
        own ?? {
          path: [key],
          expr: ref(alias, c.column),
          desc: false,
          nullsFirst: false,
          timestamp: c.config.kind === 'timestamp',
          ...(c.config.kind !== 'timestamp' ? { field: key } : {}),
        }
      );
    });
    return [...lead, ...terms.filter((t) => !lead.includes(t))];
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
      if (key === '_relevance') {
        out.push(relevanceTerm(entity, alias, spec, [...path, key]));
        continue;
      }
      const computed = computedOf(entity, key);
      if (computed) {
        // no row field holds it: a cursor carries its value in a hidden `__o` column
        const { dir, nulls } =
          typeof spec === 'string' ? { dir: spec, nulls: undefined } : (spec as Exclude<SortSpec, string>);
        if (dir !== 'asc' && dir !== 'desc')
          throw badRequest(`${key}: the direction must be asc or desc`, [
            { path: ['orderBy', ...path, key], message: 'asc or desc' },
          ]);
        const desc = dir === 'desc';
        out.push({
          path: [...path, key],
          expr: this.computedExpr(entity, alias, key),
          desc,
          nullsFirst: nulls === undefined ? desc : nulls === 'first',
          timestamp: computed.kind === 'timestamp',
        });
        continue;
      }
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

  /** Select expressions embedding the included relations (and `_count`), and the plan to decode them. */
  include(
    entity: AnyEntity,
    alias: string,
    include: Record<string, unknown> | undefined,
    depth = 1,
    _path: string[] = ['include'],
  ): { columns: Sql[]; plan: IncludePlan[] } {
    const { columns, plan, fields } = this.shape(entity, alias, { include }, depth);
    return { columns: columns.slice(fields.length), plan };
  }

  /**
   * The select list of one level of a read: the fields `select` / `omit` leave (every readable
   * one without them), the embedded relations (of `include` and of `select`), `_count`; and the
   * plan to decode them. `path` names the level in errors (`['include', 'tags']`).
   */
  shape(
    entity: AnyEntity,
    alias: string,
    args: ReadArgs,
    depth = 1,
    path: string[] = [],
  ): { columns: Sql[]; plan: IncludePlan[]; fields: readonly ColumnMeta[] } {
    const meta = metaOf(entity);
    const read = readShape(this.schema, entity, args, path);
    const columns: Sql[] = selectColumns(meta, alias, read.fields);
    for (const name of read.computed) {
      const c = computedOf(entity, name)!;
      const expr = this.computedExpr(entity, alias, name);
      // a bigint sum as text: no engine or JSON loses digits (decoded to a number)
      columns.push(
        sql`${c.kind === 'int' && c.aggregate === 'sum' ? sql`${expr}::text` : expr} as ${sql.id(name)}`,
      );
    }
    const plan: IncludePlan[] = [];
    if (read.relations.length && depth > queryLimits.includeDepth) {
      throw badRequest(`include nests deeper than ${queryLimits.includeDepth} levels`, [
        { path: ['include'], message: 'too deep' },
      ]);
    }
    for (const { name, arg, at } of read.relations) {
      const rel = this.schema.relation(entity.name, name);
      const relArgs = (arg === true ? {} : arg) as IncludeArgs;
      const many = rel.kind === 'hasMany' || rel.kind === 'manyToMany';
      if (!many) {
        // one row: a limit or an order would be silently meaningless (the DTO refuses them too)
        for (const key of ['limit', 'orderBy'] as const) {
          if (relArgs[key] !== undefined) {
            throw badRequest(`${key} does not apply to ${name}: a to-one relation embeds one row`, [
              { path: [...at, key], message: 'a to-one relation embeds one row' },
            ]);
          }
        }
      }
      const a = this.alias();
      const { from, link } = this.relationSource(rel, alias, a);
      const nested = this.shape(rel.target, a, relArgs, depth + 1, at);
      const cols = sql.join(nested.columns);
      // a required parent is embedded even when archived (its archivedAt says so): the row points
      // to it and the result type promises it; archived rows of other relations are left out
      const required =
        rel.kind === 'belongsTo' && !metaOf(rel.source).byField.get(rel.field!)!.config.nullable;
      const conds = and([
        link,
        ...this.visible(rel.target, a, relArgs.withArchived ?? required),
        ...this.where(rel.target, a, relArgs.where, [...at, 'where']),
      ]);
      let expr: Sql;
      if (many) {
        const order = orderSql(this.order(rel.target, a, relArgs.orderBy));
        const limit = relArgs.limit ?? rel.target.limits.maxLimit;
        expr = sql`(select coalesce(json_agg(x), '[]'::json) from (select ${cols} from ${from} where ${conds} order by ${order} limit ${limit}) as x)`;
      } else {
        expr = sql`(select to_json(x) from (select ${cols} from ${from} where ${conds} limit 1) as x)`;
      }
      columns.push(sql`${expr} as ${sql.id(name)}`);
      plan.push({ name, many, meta: metaOf(rel.target), nested: nested.plan });
    }
    if (read.counts.length) {
      // each count a correlated subquery under the target's read rule, archived rows left out unless asked
      const pairs = read.counts.map(({ name, arg, at }) => {
        const rel = this.schema.relation(entity.name, name);
        const countArgs = (arg === true ? {} : arg) as {
          where?: Record<string, unknown>;
          withArchived?: boolean;
        };
        const a = this.alias();
        const { from, link } = this.relationSource(rel, alias, a);
        const conds = and([
          link,
          ...this.visible(rel.target, a, countArgs.withArchived ?? false),
          ...this.where(rel.target, a, countArgs.where, [...at, 'where']),
        ]);
        return sql`${name}::text, (select count(*)::int from ${from} where ${conds})`;
      });
      columns.push(sql`json_build_object(${sql.join(pairs)}) as "_count"`);
    }
    return { columns, plan, fields: read.fields };
  }
}

/** What one level of a read may carry beside its filter: the shape of what it returns. */
export interface ReadArgs {
  select?: Record<string, unknown> | undefined;
  omit?: Record<string, unknown> | undefined;
  include?: Record<string, unknown> | undefined;
}

interface IncludeArgs extends ReadArgs {
  where?: Record<string, unknown>;
  orderBy?: unknown;
  limit?: number;
  withArchived?: boolean;
}

interface Picked {
  name: string;
  arg: unknown;
  /** The path of this entry's args in the query (`['select', 'tags']`). */
  at: string[];
}

/**
 * One level of a read, checked (the DTO checks it too; server code may skip the DTO): the fields
 * returned, the relations embedded (from `include` and `select`), the relations counted.
 * select and omit exclude each other; an unknown or hidden field, a relation embedded by both
 * include and select, or a count of a to-one relation is a BAD_REQUEST naming its path.
 */
export function readShape(
  schema: AnySchema,
  entity: AnyEntity,
  args: ReadArgs,
  path: string[] = [],
): { fields: readonly ColumnMeta[]; relations: Picked[]; counts: Picked[]; computed: string[] } {
  const meta = metaOf(entity);
  const computed: string[] = [];
  const addComputed = (key: string, value: unknown, at: string[]) => {
    if (value !== true && value !== false && value !== undefined)
      throw badRequest(`${key} is a computed field: true or false`, [
        { path: at, message: 'must be a boolean' },
      ]);
    if (value && !computed.includes(key)) computed.push(key);
  };
  const { select, omit, include } = args;
  if (select !== undefined && omit !== undefined) {
    throw badRequest('use either select or omit, not both', [
      { path: [...path, 'select'], message: 'use either select or omit, not both' },
    ]);
  }
  const isRelation = (name: string) => schema.relations(entity.name).some((r) => r.name === name);
  const unknown = (at: string[], key: string) =>
    badRequest(`${key} is not a readable field of ${entity.name}`, [{ path: at, message: 'unknown field' }]);
  const relations: Picked[] = [];
  const counts: Picked[] = [];
  const addCounts = (value: unknown, at: string[]) => {
    if (!value) return;
    if (counts.length) throw badRequest('_count is given twice', [{ path: at, message: 'given twice' }]);
    for (const [name, arg] of Object.entries(value as Record<string, unknown>)) {
      if (!arg) continue;
      const rel = schema.relations(entity.name).find((r) => r.name === name);
      if (!rel || (rel.kind !== 'hasMany' && rel.kind !== 'manyToMany')) {
        throw badRequest(`${name} is not a to-many relation of ${entity.name}`, [
          { path: [...at, name], message: 'not a to-many relation' },
        ]);
      }
      counts.push({ name, arg, at: [...at, name] });
    }
  };
  for (const [name, arg] of Object.entries(include ?? {})) {
    if (!arg) continue;
    if (name === '_count') addCounts(arg, [...path, 'include', '_count']);
    else if (computedOf(entity, name)) addComputed(name, arg, [...path, 'include', name]);
    else relations.push({ name, arg, at: [...path, 'include', name] });
  }
  let fields: readonly ColumnMeta[] = meta.readColumns;
  if (select !== undefined) {
    const picked = new Set<string>();
    for (const [key, value] of Object.entries(select)) {
      const at = [...path, 'select', key];
      const c = meta.byField.get(key);
      if (c && !c.config.hidden) {
        if (value) picked.add(key);
      } else if (key === '_count') addCounts(value, at);
      else if (computedOf(entity, key)) addComputed(key, value, at);
      else if (isRelation(key)) {
        if (!value) continue;
        if (relations.some((r) => r.name === key)) {
          throw badRequest(`${key} is embedded by both include and select`, [
            { path: at, message: 'also in include' },
          ]);
        }
        relations.push({ name: key, arg: value, at });
      } else throw unknown(at, key);
    }
    fields = meta.readColumns.filter((c) => picked.has(c.field));
    if (!picked.size && !relations.length && !counts.length && !computed.length) {
      throw badRequest('select must pick at least one field', [
        { path: [...path, 'select'], message: 'picks nothing' },
      ]);
    }
  } else if (omit !== undefined) {
    for (const key of Object.keys(omit)) {
      const c = meta.byField.get(key);
      if (!c || c.config.hidden) throw unknown([...path, 'omit', key], key);
    }
    fields = meta.readColumns.filter((c) => omit[c.field] !== true);
  }
  return { fields, relations, counts, computed };
}

/** The computed field `name` of `entity`, if it declares one (own keys only: never a prototype's). */
export function computedOf(entity: AnyEntity, name: string): AnyComputed | undefined {
  const all = entity.computed ?? {};
  return Object.hasOwn(all, name) ? all[name] : undefined;
}

/** A plain value (equality) or operator filter on `col` of a (non-JSON) kind. */
function valueFilter(col: Sql, kind: string, value: unknown, at: string[]): Sql[] {
  // a timestamp compares as clients see it, to the millisecond of a Date (the column keeps microseconds)
  const cmp = kind === 'timestamp' ? sql`date_trunc('milliseconds', ${col})` : col;
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

/**
 * `websearch_to_tsquery` of a validated search string (checked again here: server code may skip
 * the DTO): quoted phrases, `-word` to exclude, `or` between alternatives, the rest all required.
 */
function searchTsQuery(value: unknown, at: string[]): Sql {
  if (typeof value !== 'string' || value.trim() === '')
    throw badRequest('search must be a non-blank string', [
      { path: at, message: 'must be a non-blank string' },
    ]);
  if (value.length > queryLimits.searchLength)
    throw badRequest(`search must be at most ${queryLimits.searchLength} characters`, [
      { path: at, message: `must be at most ${queryLimits.searchLength} characters` },
    ]);
  return sql`websearch_to_tsquery(${sql.lit(searchConfig)}::regconfig, ${param(value)})`;
}

/**
 * `_relevance: { search, dir }`: ts_rank of the row's search column against the query. It has no
 * field to read back, so a cursor carries its value as a hidden order value (like a relation's).
 */
function relevanceTerm(entity: AnyEntity, alias: string, spec: unknown, path: string[]): OrderTerm {
  const at = ['orderBy', ...path];
  if (entity.search.length === 0)
    throw badRequest(`${entity.name} has no full-text search to order by (it declares no search fields)`, [
      { path: at, message: `${entity.name} declares no search fields` },
    ]);
  const { search, dir = 'desc' } = (spec ?? {}) as { search?: unknown; dir?: unknown };
  if (dir !== 'asc' && dir !== 'desc')
    throw badRequest('_relevance.dir must be asc or desc', [
      { path: [...at, 'dir'], message: 'asc or desc' },
    ]);
  const desc = dir === 'desc';
  return {
    path,
    expr: sql`ts_rank(${ref(alias, searchColumn)}, ${searchTsQuery(search, [...at, 'search'])})`,
    desc,
    nullsFirst: desc,
  };
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
  level: ReadArgs,
  max: number,
): void {
  let worst: { path: string[]; rows: number; many: boolean } | undefined;
  let worstAt: string[] = [];
  const walk = (e: AnyEntity, level: ReadArgs, each: number, path: string[], at: string[]) => {
    for (const { name, arg, at: argsAt } of readShape(schema, e, level, at).relations) {
      const rel = schema.relation(e.name, name);
      const args = (arg === true ? {} : arg) as IncludeArgs;
      const many = rel.kind === 'hasMany' || rel.kind === 'manyToMany';
      const embedded = each * (many ? (args.limit ?? rel.target.limits.maxLimit) : 1);
      // a to-many include before a to-one, the deepest of equals: narrowing it narrows nothing else
      if (!worst || embedded > worst.rows || (embedded === worst.rows && (many || !worst.many))) {
        worst = { path: [...path, name], rows: embedded, many };
        worstAt = argsAt;
      }
      walk(rel.target, args, embedded, [...path, name], argsAt);
    }
  };
  walk(entity, level, rows, [], []);
  if (!worst || worst.rows <= max) return;
  const n = (v: number) => v.toLocaleString('en-US');
  throw badRequest(
    `include ${worst.path.join('.')} would embed up to ${n(worst.rows)} rows; the limit is ${n(max)}: give it a smaller limit`,
    [
      {
        path: [...worstAt, ...(worst.many ? ['limit'] : [])],
        message: `would embed up to ${n(worst.rows)} rows; the response limit is ${n(max)}`,
      },
    ],
  );
}
