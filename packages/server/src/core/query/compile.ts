import type {
  Action,
  AnyEntity,
  EntityMap,
  Policies,
  Principal,
  ResolvedRelation,
  Schema,
  SortSpec,
} from '@typecrud/shared';
import { queryLimits } from '@typecrud/shared';
import { sql } from 'kysely';
import { badRequest } from '../errors.js';
import { and, type EntityMeta, metaOf, or, param, ref, type Sql, selectColumns } from './entity-meta.js';

/** State of one statement's compilation: the schema, fresh aliases, the caller and the policies judging them. */
export class Compiler {
  private n = 0;
  /** Every entity whose rows this statement reads (cache keys depend on their generations). */
  readonly touched = new Set<string>();
  constructor(
    readonly schema: Schema<EntityMap>,
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
    const lhs = insensitive ? sql`lower(${col})` : cmp;
    const rhs = (v: unknown) => (insensitive ? sql`lower(${param(v)})` : param(v));
    const out: Sql[] = [];
    for (const [op, v] of Object.entries(ops)) {
      if (v === undefined || op === 'mode') continue;
      switch (op) {
        case 'eq':
          out.push(v === null ? sql`${col} is null` : sql`${lhs} = ${rhs(v)}`);
          break;
        case 'ne':
          out.push(v === null ? sql`${col} is not null` : sql`${lhs} is distinct from ${rhs(v)}`);
          break;
        case 'in':
        case 'notIn': {
          const list = v as unknown[];
          if (list.length === 0) out.push(op === 'in' ? sql`false` : sql`true`);
          else {
            const values = sql.join(list.map(rhs));
            out.push(
              op === 'in' ? sql`${lhs} in (${values})` : sql`(${lhs} not in (${values}) or ${col} is null)`,
            );
          }
          break;
        }
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
        case 'contains':
        case 'startsWith':
        case 'endsWith': {
          const escaped = (v as string).replace(/[\\%_]/g, (m) => `\\${m}`);
          const pattern =
            op === 'contains' ? `%${escaped}%` : op === 'startsWith' ? `${escaped}%` : `%${escaped}`;
          out.push(insensitive ? sql`${col} ilike ${pattern}` : sql`${col} like ${pattern}`);
          break;
        }
        case 'isNull':
          out.push(v ? sql`${col} is null` : sql`${col} is not null`);
          break;
        default:
          throw badRequest(`unknown operator ${op}`, [{ path: [...at, op], message: 'unknown operator' }]);
      }
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
    const conds = [link, ...this.visible(rel.target, a, false, !trusted), ...condition(a)];
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
      // ordering by a related row must not reveal rows the caller may not read
      const conds = and([link, ...this.visible(rel.target, a, true)]);
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
      const a = this.alias();
      const { from, link } = this.relationSource(rel, alias, a);
      const nested = this.include(rel.target, a, args.include, depth + 1);
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
      const many = rel.kind === 'hasMany' || rel.kind === 'manyToMany';
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
