import { type AnyEntity, type AnySchema, type FieldMap, snakeCase } from '@typecrud/shared';
import { sql } from 'kysely';
import type { Sql } from './query/entity-meta.js';

/**
 * The database side of the audit trail and of cache invalidation. Every change to a table — made
 * by a generated procedure, a cascade (ON DELETE CASCADE / SET NULL), a hook or raw SQL in a
 * custom procedure — fires statement-level triggers in the same transaction:
 *
 * - `typecrud_audit()` (audited entities) and `typecrud_audit_links()` (join tables) insert one
 *   audit record per changed row into the schema's audit log, reading the transition tables
 *   (REFERENCING NEW TABLE / OLD TABLE) and the actor from the transaction-local setting
 *   `typecrud.actor`, which every write statement sets in the same statement;
 * - `typecrud_changed()` (every table) adds the table's name to the transaction-local setting
 *   `typecrud.changed`, which the transaction wrapper reads before COMMIT to bump the cache
 *   generations of whatever the transaction changed, raw SQL included.
 */

/** The transaction-local setting holding the caller's id (empty: no caller). */
export const actorSetting = 'typecrud.actor';
/** The transaction-local setting listing the tables a transaction changed: `,project,release,`. */
export const changedSetting = 'typecrud.changed';

/** Bookkeeping fields left out of audit records (they change with every write; createdBy / updatedBy stay: a set-null cascade shows there). */
const unaudited = new Set(['id', 'createdAt', 'updatedAt', 'version', 'archiveBatch']);

/** A trigger as the definitions want it: what migrations create and introspection reads back. */
export interface TriggerModel {
  readonly name: string;
  /** `insert`, `update`, `delete`, or `insert or update or delete or truncate`. */
  readonly events: string;
  readonly function: string;
  readonly args: readonly string[];
  readonly oldTable?: string;
  readonly newTable?: string;
}

/** A function the triggers run: created (or replaced) before the first trigger that needs it. */
export interface FunctionModel {
  readonly name: string;
  readonly ddl: string;
}

const lit = (v: string) => `'${v.replaceAll("'", "''")}'`;
const ident = (v: string) => `"${v.replaceAll('"', '""')}"`;

/** Whether the schema records `entity`'s changes: it has an audit log, the entity is audited and is not the log. */
export function isAudited(schema: AnySchema, entity: AnyEntity): boolean {
  const log = schema.options.auditLog;
  return log !== undefined && entity.audited && entity.name !== log;
}

/** column -> field of the columns an audit record shows (hidden and bookkeeping ones left out). */
function auditedColumns(entity: AnyEntity): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, f] of Object.entries(entity.fields as FieldMap)) {
    if (f.config.hidden || unaudited.has(field)) continue;
    out[snakeCase(field)] = field;
  }
  return out;
}

const auditInsert = (table: string) =>
  `insert into ${ident(table)} ("entity", "entity_id", "action", "actor_id", "changes")`;

function auditFunctions(logTable: string): FunctionModel[] {
  const actor = `nullif(current_setting('${actorSetting}', true), '')::uuid`;
  return [
    {
      name: 'typecrud_audit',
      ddl: `create or replace function typecrud_audit() returns trigger language plpgsql as $fn$
declare
  v_actor uuid := ${actor};
  v_entity text := tg_argv[0];
  v_columns jsonb := tg_argv[1]::jsonb;
begin
  if tg_op = 'INSERT' then
    ${auditInsert(logTable)}
    select v_entity, r.id, 'create', v_actor,
      coalesce((select jsonb_object_agg(c.value, jsonb_build_object('after', r.j -> c.key))
        from jsonb_each_text(v_columns) c where jsonb_typeof(r.j -> c.key) <> 'null'), '{}'::jsonb)
    from (select n.id, to_jsonb(n) as j from new_rows n) r;
  elsif tg_op = 'DELETE' then
    ${auditInsert(logTable)}
    select v_entity, r.id, 'delete', v_actor,
      coalesce((select jsonb_object_agg(c.value, jsonb_build_object('before', r.j -> c.key))
        from jsonb_each_text(v_columns) c), '{}'::jsonb)
    from (select o.id, to_jsonb(o) as j from old_rows o) r;
  else
    ${auditInsert(logTable)}
    select v_entity, x.id, x.action, v_actor, x.changes from (
      select n.id,
        case
          when v_columns ? 'archived_at' and o.j ->> 'archived_at' is null and n.j ->> 'archived_at' is not null then 'archive'
          when v_columns ? 'archived_at' and o.j ->> 'archived_at' is not null and n.j ->> 'archived_at' is null then 'restore'
          else 'update'
        end as action,
        (select jsonb_object_agg(c.value, jsonb_build_object('before', o.j -> c.key, 'after', n.j -> c.key))
          from jsonb_each_text(v_columns) c where (o.j -> c.key) is distinct from (n.j -> c.key)) as changes
      from (select t.id, to_jsonb(t) as j from old_rows t) o
      join (select t.id, to_jsonb(t) as j from new_rows t) n on n.id = o.id
    ) x where x.changes is not null;
  end if;
  return null;
end
$fn$`,
    },
    {
      name: 'typecrud_audit_links',
      ddl: `create or replace function typecrud_audit_links() returns trigger language plpgsql as $fn$
declare
  v_actor uuid := ${actor};
  v_entity text := tg_argv[0];
  v_column text := tg_argv[1];
  v_relation text := tg_argv[2];
  v_other text := tg_argv[3];
begin
  if tg_op = 'INSERT' then
    ${auditInsert(logTable)}
    select v_entity, r.src, 'connect', v_actor, jsonb_build_object(v_relation, jsonb_build_object('after', jsonb_agg(r.dst)))
    from (select (to_jsonb(n) ->> v_column)::uuid as src, to_jsonb(n) -> v_other as dst from new_rows n) r group by r.src;
  else
    ${auditInsert(logTable)}
    select v_entity, r.src, 'disconnect', v_actor, jsonb_build_object(v_relation, jsonb_build_object('before', jsonb_agg(r.dst)))
    from (select (to_jsonb(o) ->> v_column)::uuid as src, to_jsonb(o) -> v_other as dst from old_rows o) r group by r.src;
  end if;
  return null;
end
$fn$`,
    },
  ];
}

const changedFunction: FunctionModel = {
  name: 'typecrud_changed',
  ddl: `create or replace function typecrud_changed() returns trigger language plpgsql as $fn$
declare
  v text := coalesce(current_setting('${changedSetting}', true), '');
begin
  if position(',' || tg_table_name || ',' in v) = 0 then
    perform set_config('${changedSetting}', case when v = '' then ',' else v end || tg_table_name || ',', true);
  end if;
  return null;
end
$fn$`,
};

/** The trigger functions of a schema (the audit ones only when it has an audit log). */
export function functionModels(schema: AnySchema): FunctionModel[] {
  const log = schema.options.auditLog;
  return [changedFunction, ...(log ? auditFunctions(schema.entity(log).table) : [])];
}

const triggerName = (table: string, suffix: string) => {
  const name = `${table}_${suffix}`;
  return name.length <= 63 ? name : `${name.slice(0, 54)}_${suffix.slice(-8)}`;
};

const changedTrigger = (table: string): TriggerModel => ({
  name: triggerName(table, 'changed_trg'),
  events: 'insert or update or delete or truncate',
  function: 'typecrud_changed',
  args: [],
});

/** The triggers of an entity's table. */
export function entityTriggers(schema: AnySchema, entity: AnyEntity): TriggerModel[] {
  const out = [changedTrigger(entity.table)];
  if (!isAudited(schema, entity)) return out;
  const args = [entity.name, JSON.stringify(auditedColumns(entity))];
  out.push(
    {
      name: triggerName(entity.table, 'audit_ins_trg'),
      events: 'insert',
      function: 'typecrud_audit',
      args,
      newTable: 'new_rows',
    },
    {
      name: triggerName(entity.table, 'audit_upd_trg'),
      events: 'update',
      function: 'typecrud_audit',
      args,
      oldTable: 'old_rows',
      newTable: 'new_rows',
    },
    {
      name: triggerName(entity.table, 'audit_del_trg'),
      events: 'delete',
      function: 'typecrud_audit',
      args,
      oldTable: 'old_rows',
    },
  );
  return out;
}

/** The triggers of a join table: each audited side records connect / disconnect under its relation's name. */
export function joinTriggers(schema: AnySchema, join: AnySchema['joinTables'][number]): TriggerModel[] {
  const out = [changedTrigger(join.table)];
  for (const [side, other] of [
    [join.left, join.right],
    [join.right, join.left],
  ] as const) {
    if (!isAudited(schema, side.entity)) continue;
    const rel = schema
      .relations(side.entity.name)
      .find((r) => r.kind === 'manyToMany' && r.join?.table === join.table);
    const args = [side.entity.name, side.column, rel?.name ?? join.table, other.column];
    out.push(
      {
        name: triggerName(join.table, `${side.column}_audit_ins_trg`),
        events: 'insert',
        function: 'typecrud_audit_links',
        args,
        newTable: 'new_rows',
      },
      {
        name: triggerName(join.table, `${side.column}_audit_del_trg`),
        events: 'delete',
        function: 'typecrud_audit_links',
        args,
        oldTable: 'old_rows',
      },
    );
  }
  return out;
}

export function createTriggerSql(table: string, t: TriggerModel): string {
  const referencing = [
    ...(t.oldTable ? [`old table as ${ident(t.oldTable)}`] : []),
    ...(t.newTable ? [`new table as ${ident(t.newTable)}`] : []),
  ];
  return `create trigger ${ident(t.name)} after ${t.events} on ${ident(table)}${
    referencing.length ? ` referencing ${referencing.join(' ')}` : ''
  } for each statement execute function ${t.function}(${t.args.map(lit).join(', ')})`;
}

export const dropTriggerSql = (table: string, t: { name: string }) =>
  `drop trigger if exists ${ident(t.name)} on ${ident(table)}`;

/** What tells two triggers apart, whatever their names. */
export const triggerShape = (t: TriggerModel) =>
  [t.events, t.function, t.args.join('\u0001'), t.oldTable ?? '', t.newTable ?? ''].join('|');

/**
 * `(select set_config('typecrud.actor', $1, true)) is not null`: put in the WHERE of a write, it sets
 * the actor the audit triggers read before any row is written (an InitPlan, evaluated once), in the
 * same statement: no extra round trip.
 */
export function actorCondition(actorId: string | null | undefined): Sql {
  return sql`(select set_config(${actorSetting}, ${actorId ?? ''}, true)) is not null`;
}

/** The statement that sets the actor for the rest of a transaction (custom procedures, before hooks). */
export function setActorStatement(actorId: string | null | undefined): Sql {
  return sql`select set_config(${actorSetting}, ${actorId ?? ''}, true)`;
}

/** The statement that reads, before COMMIT, which tables the transaction changed. */
export function changedTablesStatement(): Sql {
  return sql`select coalesce(current_setting(${changedSetting}, true), '') as "changed"`;
}

export const parseChanged = (value: string | null | undefined): string[] =>
  (value ?? '').split(',').filter(Boolean);
