import type { Action } from '@typecrud/shared';
import { sql } from 'kysely';
import type { EntityMeta, Sql } from '../query/entity-meta.js';
import { and, param, ref, selectColumns } from '../query/entity-meta.js';
import { sqlType } from '../table-model.js';
import { actorCondition } from '../triggers.js';
import { orAbort } from './check.js';
import { type Guard, t0 } from './guard.js';
import { rowsJson } from './values.js';

/** A rule checked on every row a statement wrote, as it is after the write. */
export interface AfterCheck {
  readonly action: Action;
  readonly rule: Sql;
}

const who = (guard: Guard) => param(guard.caller?.userId ?? null);
/** Sets the caller's id for the audit triggers within the statement (evaluated before any row is written). */
const actor = (guard: Guard) => actorCondition(guard.caller?.userId);

/** Rules of `actions` on the row at t0 as it will be: those that restrict (null rules pass every row). */
export function afterChecks(guard: Guard, meta: EntityMeta, actions: readonly Action[]): AfterCheck[] {
  return actions.flatMap((action) => {
    const rule = guard.rule(meta.entity, action);
    return rule ? [{ action, rule }] : [];
  });
}

const checkColumns = (checks: readonly AfterCheck[], maxRows?: number): Sql[] => [
  ...checks.map((c, i) => sql`${orAbort(c.rule, 'rule', c.action)} as ${sql.id(`__ok${i}`)}`),
  ...(maxRows === undefined
    ? []
    : [sql`${orAbort(sql`count(*) over () <= ${maxRows}`, 'limit', 'rows')} as "__limit"`]),
];

/**
 * Inserts `rows` (field -> value; absent fields get their default) in one statement, the
 * caller's create rule checked on every candidate row BEFORE anything is inserted — so a
 * refused row never reaches a unique or foreign key check that would tell a hidden row from
 * a missing one.
 *
 * with "__in" as materialized (select * from jsonb_populate_recordset(null::project, $1))
 * , "t0" as (insert into project (...) select ... from "__in" as "t0"
 *            where (select bool_and(<create rule or abort>) from "__in" as "t0") returning *)
 * select <columns> from "t0"
 */
export function insertRows(
  guard: Guard,
  meta: EntityMeta,
  rows: readonly Record<string, unknown>[],
  options: { skipDuplicates?: boolean } = {},
): Sql {
  const table = sql.table(meta.table);
  const fields = meta.columns.filter((c) => !c.config.system && !c.config.hidden);
  const audit = meta.audited ? ['created_by', 'updated_by'] : [];
  const columns = sql.join([...fields.map((c) => sql.id(c.column)), ...audit.map((c) => sql.id(c))]);
  const values = sql.join([
    ...fields.map((c) => ref(t0, c.column)),
    ...audit.map((c) => sql`${who(guard)}::uuid as ${sql.id(c)}`),
  ]);
  const rule = guard.rule(meta.entity, 'create');
  // the caller's id for the audit triggers, set in this statement before any row is inserted
  const allowed = rule
    ? sql` where ${actor(guard)} and (select bool_and(${orAbort(rule, 'rule', 'create')}) from "__in" as ${sql.id(t0)})`
    : sql` where ${actor(guard)}`;
  const conflict = options.skipDuplicates ? sql` on conflict do nothing` : sql``;
  return sql`with "__in" as materialized (select * from jsonb_populate_recordset(null::${table}, ${rowsJson(meta, rows)}::jsonb))
    , ${sql.id(t0)} as (insert into ${table} (${columns}) select ${values} from "__in" as ${sql.id(t0)}${allowed}${conflict} returning *)
    select ${sql.join(selectColumns(meta, t0))} from ${sql.id(t0)}`;
}

export interface UpdateSpec {
  /** `column = value` assignments (system fields included). */
  readonly set: readonly Sql[];
  /** Which rows: the caller's rule for the action is added here (USING). */
  readonly where: readonly Sql[];
  /** The action whose rule selects the rows to write. */
  readonly action: Action;
  /** Rules the rows must satisfy as they are after the write (WITH CHECK). */
  readonly checks: readonly AfterCheck[];
  /** Fields whose values before the write come back as `__old_<field>` (for the audit). */
  readonly before?: readonly string[];
  /** Abort when more rows than this would change. */
  readonly maxRows?: number;
  /**
   * The new values of the changed fields (field -> value): the checks then also run on the rows
   * as they will be BEFORE the write, so that a refused change never reaches a unique or foreign
   * key check that would tell a hidden row from a missing one. Pass it when a unique or
   * reference field changes.
   */
  readonly preview?: ReadonlyMap<string, Sql>;
}

/**
 * One UPDATE with the caller's rule before (USING) and after (WITH CHECK), in one statement:
 * a row that would leave what the caller may have aborts it, and nothing changes.
 *
 * with "t0" as (update project as "t0" set ... from project as "old"
 *               where "old"."id" = "t0"."id" and <where> and <update rule> returning "t0".*, "old"."name" as "__old_name")
 * select <columns>, "__old_name", <update rule on the new row, or abort> from "t0"
 */
export function updateRows(guard: Guard, meta: EntityMeta, spec: UpdateSpec): Sql {
  const table = sql.table(meta.table);
  const using = guard.rule(meta.entity, spec.action);
  const before = spec.before ?? [];
  const olds = before.map((f) => sql`${ref('old', meta.byField.get(f)!.column)} as ${sql.id(`__old_${f}`)}`);
  const from = olds.length ? sql` from ${table} as "old"` : sql``;
  const join = olds.length ? [sql`${ref('old', 'id')} = ${ref(t0, 'id')}`] : [];
  const preview = spec.preview && spec.checks.length ? spec.preview : undefined;
  let first = sql``;
  const pre: Sql[] = [];
  if (preview) {
    // every column of the row as it will be, typed like the table's, under the name t0
    const columns = meta.columns.map((c) => {
      const v = preview.get(c.field);
      return v ? sql`cast(${v} as ${sql.raw(sqlType(c.config))}) as ${sql.id(c.column)}` : ref(t0, c.column);
    });
    first = sql`"__new" as materialized (select ${sql.join(columns)} from ${table} as ${sql.id(t0)}
      where ${and([...spec.where, ...(using ? [using] : [])])}), `;
    const ok = sql.join(
      spec.checks.map((c) => orAbort(c.rule, 'rule', c.action)),
      sql` and `,
    );
    pre.push(sql`(select coalesce(bool_and(${ok}), true) from "__new" as ${sql.id(t0)})`);
  }
  const conds = and([actor(guard), ...join, ...spec.where, ...(using ? [using] : []), ...pre]);
  const returned = sql.join([sql`${sql.ref(t0)}.*`, ...olds]);
  const outer = [
    ...selectColumns(meta, t0),
    ...before.map((f) => sql.id(`__old_${f}`)),
    ...checkColumns(spec.checks, spec.maxRows),
  ];
  return sql`with ${first}${sql.id(t0)} as (update ${table} as ${sql.id(t0)} set ${sql.join([...spec.set])}${from}
      where ${conds} returning ${returned})
    select ${sql.join(outer)} from ${sql.id(t0)}`;
}

/**
 * One DELETE of the rows matching `where` that the caller's delete rule allows, returning them.
 *
 * with "t0" as (delete from tag as "t0" where <where> and <delete rule> returning *) select <columns> from "t0"
 */
export function deleteRows(
  guard: Guard,
  meta: EntityMeta,
  where: readonly Sql[],
  options: { maxRows?: number } = {},
): Sql {
  const rule = guard.rule(meta.entity, 'delete');
  const outer = [...selectColumns(meta, t0), ...checkColumns([], options.maxRows)];
  return sql`with ${sql.id(t0)} as (delete from ${sql.table(meta.table)} as ${sql.id(t0)}
      where ${and([actor(guard), ...where, ...(rule ? [rule] : [])])} returning *)
    select ${sql.join(outer)} from ${sql.id(t0)}`;
}

/**
 * The rows a write of `action` would touch, locked until the transaction ends: what before
 * hooks are shown (then the write targets exactly these ids).
 *
 * select <columns> from project as "t0" where <where> and <rule> for update of "t0"
 */
export function lockRows(guard: Guard, meta: EntityMeta, action: Action, where: readonly Sql[]): Sql {
  const rule = guard.rule(meta.entity, action);
  return sql`select ${sql.join(selectColumns(meta, t0))} from ${sql.table(meta.table)} as ${sql.id(t0)}
    where ${and([...where, ...(rule ? [rule] : [])])} for update of ${sql.id(t0)}`;
}

/**
 * Why a write of row `id` touched nothing: the row's version if the caller can read it,
 * no row if not (missing and hidden look the same).
 *
 * select "t0"."version" from project as "t0" where "t0"."id" = $1 and <read rule>
 */
export function probeRow(
  guard: Guard,
  meta: EntityMeta,
  id: string,
  withArchived: boolean,
  extra: readonly Sql[] = [],
): Sql {
  const version = meta.versioned ? ref(t0, 'version') : sql`0`;
  return sql`select ${version} as version from ${sql.table(meta.table)} as ${sql.id(t0)}
    where ${and([sql`${ref(t0, 'id')} = ${param(id)}`, ...extra, ...guard.visible(meta.entity, t0, withArchived)])}`;
}
