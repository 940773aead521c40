import {
  type AggregateKey,
  aggregateLimits,
  comparableKinds,
  type FieldConfig,
  numericKinds,
} from '@typecrud/shared';
import { sql } from 'kysely';
import { badRequest } from '../errors.js';
import { and, type ColumnMeta, type EntityMeta, param, ref, type Sql } from '../query/entity-meta.js';
import { type Guard, t0 } from './guard.js';

type Data = Record<string, unknown>;
type Path = (string | number)[];

const aggregateKeys: readonly AggregateKey[] = ['_count', '_sum', '_avg', '_min', '_max'];
const isNumeric = (c: FieldConfig) => (numericKinds as readonly string[]).includes(c.kind);
const isComparable = (c: FieldConfig) => (comparableKinds as readonly string[]).includes(c.kind);
const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One aggregate of a statement: where its value goes in the result, its SQL, how to decode it. */
interface AggregateTerm {
  readonly key: AggregateKey;
  /** The field, `_all` for a row count inside `_count: {...}`, null for `_count: true`. */
  readonly field: string | null;
  /** The aggregate as returned (and as `having` and `orderBy` see it). */
  readonly expr: Sql;
  readonly decode: (v: unknown) => unknown;
}

/** What an aggregate or groupBy statement returns, and how to turn its rows into results. */
export interface AggregateStatement {
  readonly statement: Sql | null;
  /** Turns one returned row into the result shape (`{ status, _count, _sum: { ... } }`). */
  readonly shape: (row: Data) => Data;
}

const asNumber = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const asBigint = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as string));
const asText = (v: unknown) => (v === null || v === undefined ? null : String(v));
const asDate = (v: unknown) =>
  v === null || v === undefined || v instanceof Date ? v : new Date(v as string);
const same = (v: unknown) => v ?? null;

/** A value of the field's kind as the API carries it (bigints as bigint, numerics as strings, Dates). */
function decoderOf(c: FieldConfig): (v: unknown) => unknown {
  switch (c.kind) {
    case 'int':
    case 'float':
      return asNumber;
    case 'bigint':
      return asBigint;
    case 'numeric':
      return asText;
    case 'timestamp':
    case 'date':
      return asDate;
    default:
      return same;
  }
}

/** A column as compared and grouped: timestamps to the millisecond a Date keeps. */
function valueExpr(alias: string, c: ColumnMeta): Sql {
  const col = ref(alias, c.column);
  return c.config.kind === 'timestamp' ? sql`date_trunc('milliseconds', ${col})` : col;
}

/** Resolves a field an aggregate names: a readable field of the entity, else BAD_REQUEST at `path`. */
function readableField(meta: EntityMeta, field: string, path: Path): ColumnMeta {
  const c = meta.byField.get(field);
  if (!c || c.config.hidden)
    throw badRequest(`${field} is not a field of ${meta.entity.name}`, [{ path, message: 'unknown field' }]);
  return c;
}

/** The SQL of one aggregate of a field (or of the rows), its decoder, checked against the field's kind. */
function termOf(meta: EntityMeta, key: AggregateKey, field: string | null, path: Path): AggregateTerm {
  if (key === '_count') {
    if (field === null || field === '_all') return { key, field, expr: sql`count(*)::int`, decode: asNumber };
    const c = readableField(meta, field, path);
    return { key, field, expr: sql`count(${ref(t0, c.column)})::int`, decode: asNumber };
  }
  const c = readableField(meta, field!, path);
  const col = ref(t0, c.column);
  const kind = c.config.kind;
  if (key === '_sum' || key === '_avg') {
    if (!isNumeric(c.config))
      throw badRequest(`${key} takes numeric fields; ${field} is a ${kind} field`, [
        { path, message: `cannot ${key.slice(1)} a ${kind} field` },
      ]);
    if (key === '_avg') return { key, field, expr: sql`avg(${col})::float8`, decode: asNumber };
    // int sums come back as bigint, bigint sums as numeric: as text, so no digit is lost
    if (kind === 'float') return { key, field, expr: sql`sum(${col})::float8`, decode: asNumber };
    return {
      key,
      field,
      expr: sql`sum(${col})`,
      decode: kind === 'int' ? asNumber : kind === 'bigint' ? asBigint : asText,
    };
  }
  if (!isComparable(c.config))
    throw badRequest(`${key} takes numeric, date and string fields; ${field} is a ${kind} field`, [
      { path, message: `cannot take the ${key.slice(1)} of a ${kind} field` },
    ]);
  const fn = sql.raw(key === '_min' ? 'min' : 'max');
  return { key, field, expr: sql`${fn}(${valueExpr(t0, c)})`, decode: decoderOf(c.config) };
}

/** The expression selected for a term: bigint and numeric values as text (drivers differ on them). */
function selected(t: AggregateTerm, meta: EntityMeta): Sql {
  if (t.field === null || t.field === '_all' || t.key === '_count' || t.key === '_avg') return t.expr;
  const kind = meta.byField.get(t.field)!.config.kind;
  return kind === 'bigint' || kind === 'numeric' || (t.key === '_sum' && kind === 'int')
    ? sql`(${t.expr})::text`
    : t.expr;
}

/** The aggregates a query asks for, in the order it names them. */
function selection(meta: EntityMeta, query: Data): AggregateTerm[] {
  const terms: AggregateTerm[] = [];
  for (const key of aggregateKeys) {
    const sel = query[key];
    if (sel === undefined || sel === false) continue;
    if (key === '_count' && sel === true) {
      terms.push(termOf(meta, key, null, [key]));
      continue;
    }
    if (!isObject(sel))
      throw badRequest(`${key} must be an object of fields set to true`, [
        { path: [key], message: 'must be an object of fields set to true' },
      ]);
    for (const [field, on] of Object.entries(sel)) {
      if (on === undefined || on === false) continue;
      if (on !== true)
        throw badRequest(`${key}.${field} must be true`, [{ path: [key, field], message: 'must be true' }]);
      terms.push(termOf(meta, key, field, [key, field]));
    }
  }
  return terms;
}

/** Puts the aggregate columns of a row into the result shape. */
function shapeTerms(terms: readonly AggregateTerm[], row: Data, out: Data) {
  terms.forEach((t, i) => {
    const v = t.decode(row[`a${i}`]);
    if (t.field === null) {
      out[t.key] = v;
      return;
    }
    const group = (out[t.key] as Data | undefined) ?? {};
    group[t.field] = v;
    out[t.key] = group;
  });
}

const topKeys = (extra: readonly string[]) => new Set(['where', 'withArchived', ...aggregateKeys, ...extra]);

function checkKeys(query: Data, allowed: Set<string>) {
  for (const key of Object.keys(query)) {
    if (query[key] !== undefined && !allowed.has(key))
      throw badRequest(`${key} is not an option of this query`, [{ path: [key], message: 'unknown option' }]);
  }
}

function rowConditions(guard: Guard, meta: EntityMeta, query: Data): Sql[] {
  return [
    ...guard.visible(meta.entity, t0, query.withArchived === true),
    ...guard.compiler.where(meta.entity, t0, query.where as Data | undefined),
  ];
}

/**
 * The aggregates of every row the where and the caller's read rule let through, in one statement:
 *
 * select count(*)::int as "a0", (sum("t0"."downloads"))::text as "a1"
 * from release as "t0" where "t0"."archived_at" is null and <read rule> and <where>
 *
 * `statement` is null when the query asks for no aggregate (the result is `{}`).
 */
export function aggregateStatement(guard: Guard, meta: EntityMeta, query: Data): AggregateStatement {
  checkKeys(query, topKeys([]));
  const terms = selection(meta, query);
  const shape = (row: Data) => {
    const out: Data = {};
    shapeTerms(terms, row, out);
    return out;
  };
  if (terms.length === 0) return { statement: null, shape };
  const columns = terms.map((t, i) => sql`${selected(t, meta)} as ${sql.id(`a${i}`)}`);
  const conds = rowConditions(guard, meta, query);
  return {
    statement: sql`select ${sql.join(columns)} from ${sql.table(meta.table)} as ${sql.id(t0)} where ${and(conds)}`,
    shape,
  };
}

// ---------------------------------------------------------------------------------------------
// groupBy

const havingOperators = new Set(['eq', 'ne', 'in', 'notIn', 'isNull', 'lt', 'lte', 'gt', 'gte']);

/** How a `having` value is bound so it compares with the aggregate whatever its SQL type. */
function havingParam(t: AggregateTerm, meta: EntityMeta): (v: unknown) => Sql {
  const kind = t.field && t.field !== '_all' ? meta.byField.get(t.field)!.config.kind : 'int';
  if (t.key === '_count') return (v) => sql`${param(v)}::numeric`;
  if (t.key === '_avg' || kind === 'float') return (v) => sql`${param(v)}::float8`;
  if (kind === 'int' || kind === 'bigint' || kind === 'numeric') return (v) => sql`${param(v)}::numeric`;
  return param;
}

/** One aggregate's condition: a plain value is equality, else ordered operators (as in `where`). */
function havingCondition(lhs: Sql, rhs: (v: unknown) => Sql, filter: unknown, path: Path): Sql[] {
  if (filter === null) return [sql`${lhs} is null`];
  if (!isObject(filter) || filter instanceof Date) return [sql`${lhs} = ${rhs(filter)}`];
  const out: Sql[] = [];
  for (const [op, v] of Object.entries(filter)) {
    if (v === undefined) continue;
    const at = [...path, op];
    const list = () => {
      if (!Array.isArray(v))
        throw badRequest(`${op} takes a list`, [{ path: at, message: 'must be a list' }]);
      return v.length ? sql.join(v.map(rhs)) : null;
    };
    switch (op) {
      case 'eq':
        out.push(v === null ? sql`${lhs} is null` : sql`${lhs} = ${rhs(v)}`);
        break;
      case 'ne':
        out.push(v === null ? sql`${lhs} is not null` : sql`${lhs} is distinct from ${rhs(v)}`);
        break;
      case 'in': {
        const values = list();
        out.push(values ? sql`${lhs} in (${values})` : sql`false`);
        break;
      }
      case 'notIn': {
        const values = list();
        out.push(values ? sql`(${lhs} not in (${values}) or ${lhs} is null)` : sql`true`);
        break;
      }
      case 'isNull':
        out.push(v ? sql`${lhs} is null` : sql`${lhs} is not null`);
        break;
      case 'lt':
        out.push(sql`${lhs} < ${rhs(v)}`);
        break;
      case 'lte':
        out.push(sql`${lhs} <= ${rhs(v)}`);
        break;
      case 'gt':
        out.push(sql`${lhs} > ${rhs(v)}`);
        break;
      case 'gte':
        out.push(sql`${lhs} >= ${rhs(v)}`);
        break;
      default:
        throw badRequest(`unknown operator ${op}`, [{ path: at, message: 'unknown operator' }]);
    }
  }
  return out;
}

/** `_count: { gt: 2 }` (operators of the row count) rather than `_count: { field: ... }`. */
const isOperatorObject = (v: Data) => Object.keys(v).every((k) => havingOperators.has(k));

function havingSql(meta: EntityMeta, having: unknown): Sql[] {
  if (having === undefined) return [];
  if (!isObject(having))
    throw badRequest('having must be an object', [{ path: ['having'], message: 'must be an object' }]);
  const out: Sql[] = [];
  for (const [key, filters] of Object.entries(having)) {
    if (filters === undefined) continue;
    const at: Path = ['having', key];
    if (!(aggregateKeys as readonly string[]).includes(key))
      throw badRequest(`having takes aggregates (${aggregateKeys.join(', ')}), not ${key}`, [
        { path: at, message: 'unknown aggregate' },
      ]);
    const k = key as AggregateKey;
    const one = (field: string | null, filter: unknown, path: Path) => {
      const t = termOf(meta, k, field, path);
      out.push(...havingCondition(t.expr, havingParam(t, meta), filter, path));
    };
    if (k === '_count' && (!isObject(filters) || isOperatorObject(filters))) one(null, filters, at);
    else if (!isObject(filters))
      throw badRequest(`having.${key} must name fields`, [
        { path: at, message: 'must be an object of fields' },
      ]);
    else
      for (const [field, filter] of Object.entries(filters)) {
        if (filter !== undefined) one(field, filter, [...at, field]);
      }
  }
  return out;
}

interface OrderSpec {
  desc: boolean;
  nullsFirst: boolean;
}

function specOf(spec: unknown, path: Path): OrderSpec {
  const s = typeof spec === 'string' ? { dir: spec } : isObject(spec) ? spec : {};
  if (s.dir !== 'asc' && s.dir !== 'desc')
    throw badRequest('a sort direction is asc or desc', [{ path, message: 'must be asc or desc' }]);
  const desc = s.dir === 'desc';
  return { desc, nullsFirst: s.nulls === undefined ? desc : s.nulls === 'first' };
}

const isSpec = (v: unknown) => typeof v === 'string' || (isObject(v) && typeof v.dir === 'string');

function orderTerm(expr: Sql, o: OrderSpec): Sql {
  return sql`${expr} ${sql.raw(o.desc ? 'desc' : 'asc')} ${sql.raw(o.nullsFirst ? 'nulls first' : 'nulls last')}`;
}

/**
 * One row per group of the rows the where and the caller's read rule let through, in one statement:
 *
 * select "t0"."status" as "g0", count(*)::int as "a0" from release as "t0"
 * where <visible> and <where> group by "t0"."status" having count(*) > $1
 * order by "t0"."status" asc nulls last limit 100
 */
export function groupByStatement(guard: Guard, meta: EntityMeta, query: Data): AggregateStatement {
  checkKeys(query, topKeys(['by', 'having', 'orderBy', 'limit']));
  const entity = meta.entity;
  const byList = query.by;
  if (!Array.isArray(byList) || byList.length === 0)
    throw badRequest('by must name at least one field', [
      { path: ['by'], message: 'at least one field is required' },
    ]);
  const by = byList.map((field, i) => {
    const c = typeof field === 'string' ? meta.byField.get(field) : undefined;
    if (!c || c.config.hidden || !c.config.filterable || c.config.kind === 'json')
      throw badRequest(`${String(field)} is not a field ${entity.name} groups by (a filterable field)`, [
        { path: ['by', i], message: 'is not a filterable field' },
      ]);
    if (byList.indexOf(field) !== i)
      throw badRequest(`${field} is named twice in by`, [{ path: ['by', i], message: 'is named twice' }]);
    return c;
  });
  const limit = query.limit ?? entity.limits.maxLimit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > entity.limits.maxLimit)
    throw badRequest(`limit must be an integer from 1 to ${entity.limits.maxLimit}`, [
      { path: ['limit'], message: `must be at most ${entity.limits.maxLimit}` },
    ]);
  const terms = selection(meta, query);
  const groups = by.map((c) => valueExpr(t0, c));
  const columns = [
    ...by.map((c, i) => {
      const e = groups[i]!;
      const kind = c.config.kind;
      return sql`${kind === 'bigint' || kind === 'numeric' ? sql`${e}::text` : e} as ${sql.id(`g${i}`)}`;
    }),
    ...terms.map((t, i) => sql`${selected(t, meta)} as ${sql.id(`a${i}`)}`),
  ];

  const order: Sql[] = [];
  const ordered = new Set<string>();
  const items =
    query.orderBy === undefined ? [] : Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy];
  items.forEach((item, i) => {
    const base: Path = Array.isArray(query.orderBy) ? ['orderBy', i] : ['orderBy'];
    if (!isObject(item))
      throw badRequest('orderBy terms are objects', [{ path: base, message: 'must be an object' }]);
    for (const [key, spec] of Object.entries(item)) {
      if (spec === undefined) continue;
      const at = [...base, key];
      if ((aggregateKeys as readonly string[]).includes(key)) {
        const k = key as AggregateKey;
        if (k === '_count' && isSpec(spec)) {
          order.push(orderTerm(termOf(meta, k, null, at).expr, specOf(spec, at)));
          continue;
        }
        if (!isObject(spec))
          throw badRequest(`orderBy.${key} must name fields`, [
            { path: at, message: 'must be an object of fields' },
          ]);
        for (const [field, s] of Object.entries(spec)) {
          if (s === undefined) continue;
          order.push(orderTerm(termOf(meta, k, field, [...at, field]).expr, specOf(s, [...at, field])));
        }
        continue;
      }
      const g = by.findIndex((c) => c.field === key);
      if (g < 0)
        throw badRequest(`${key} is not one of the by fields; a group is ordered by them or its aggregates`, [
          { path: at, message: 'is not a by field' },
        ]);
      order.push(orderTerm(groups[g]!, specOf(spec, at)));
      ordered.add(key);
    }
  });
  if (order.length > aggregateLimits.orderFields)
    throw badRequest(`at most ${aggregateLimits.orderFields} order terms`, [
      { path: ['orderBy'], message: `at most ${aggregateLimits.orderFields} order terms` },
    ]);
  // groups are unique by their by values: ending with them makes the order total
  by.forEach((c, i) => {
    if (!ordered.has(c.field)) order.push(orderTerm(groups[i]!, { desc: false, nullsFirst: false }));
  });

  const having = havingSql(meta, query.having);
  const conds = rowConditions(guard, meta, query);
  const decoders = by.map((c) => decoderOf(c.config));
  return {
    statement: sql`select ${sql.join(columns)} from ${sql.table(meta.table)} as ${sql.id(t0)}
      where ${and(conds)} group by ${sql.join(groups)}${having.length ? sql` having ${and(having)}` : sql``}
      order by ${sql.join(order)} limit ${limit}`,
    shape: (row) => {
      const out: Data = {};
      by.forEach((c, i) => {
        out[c.field] = decoders[i]!(row[`g${i}`]);
      });
      shapeTerms(terms, row, out);
      return out;
    },
  };
}
