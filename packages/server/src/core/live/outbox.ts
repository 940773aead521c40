import type { AnySchema, FieldMap } from '@typecrud/shared';
import { sql } from 'kysely';
import type { SchemaChange } from '../migrations/diff.js';
import { columnName, quoteIdent } from '../table-model.js';
import type { Executor } from '../transaction.js';

/** The outbox: one row per changed row, written by triggers in the write's own transaction. */
export const outboxTable = 'typecrud_outbox';
/** One row: the highest event id retention has removed (resume points at or below it are too old). */
export const outboxHorizonTable = 'typecrud_outbox_horizon';
/** The channel the triggers notify (once per transaction: PostgreSQL folds identical notifications). */
export const outboxChannel = 'typecrud_outbox';
const fn = 'typecrud_outbox_row';
const triggerName = 'typecrud_outbox';

const q = quoteIdent;
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

/**
 * The trigger function, generic over tables: `tg_argv` says what the table is.
 * Entity tables: ('row', entity, tenant column or ''). Join tables:
 * ('link', left entity, left column, left relation or '', left tenant column or '',
 *  right entity, right column, right relation or '', right tenant column or '').
 * The actor is the transaction's `typecrud.actor` setting (set by the write path), else the row's `updated_by`.
 */
export const outboxFunctionSql = `create or replace function ${fn}() returns trigger language plpgsql as $body$
declare
  rec jsonb;
  prev jsonb;
  act text;
  fields text[] := '{}';
  actor text := nullif(current_setting('typecrud.actor', true), '');
  side int;
  base int;
  other_id text;
  tenant text;
begin
  if tg_op = 'DELETE' then rec := to_jsonb(old); else rec := to_jsonb(new); end if;
  if tg_argv[0] = 'link' then
    for side in 0..1 loop
      base := 1 + side * 4;
      if tg_argv[base + 2] <> '' then
        tenant := null;
        if tg_argv[base + 3] <> '' then
          execute format('select %I::text from %I where id = $1', tg_argv[base + 3], tg_argv[base])
            into tenant using (rec ->> tg_argv[base + 1])::uuid;
        end if;
        insert into ${outboxTable} (entity, action, row_id, changed_fields, tenant, previous_tenant, actor)
        values (tg_argv[base], case when tg_op = 'DELETE' then 'disconnect' else 'connect' end,
          (rec ->> tg_argv[base + 1])::uuid, array[tg_argv[base + 2]], tenant, tenant, actor);
      end if;
    end loop;
  else
    if tg_op = 'INSERT' then
      act := 'create';
    elsif tg_op = 'DELETE' then
      act := 'delete';
    else
      prev := to_jsonb(old);
      select coalesce(array_agg(n.key order by n.key), '{}') into fields
        from jsonb_each(rec) n where n.value is distinct from prev -> n.key;
      if cardinality(fields) = 0 then return null; end if;
      if rec ? 'archived_at' and (rec ->> 'archived_at') is not null and (prev ->> 'archived_at') is null then
        act := 'archive';
      elsif rec ? 'archived_at' and (rec ->> 'archived_at') is null and (prev ->> 'archived_at') is not null then
        act := 'restore';
      else
        act := 'update';
      end if;
    end if;
    if actor is null and tg_op <> 'DELETE' then actor := rec ->> 'updated_by'; end if;
    insert into ${outboxTable} (entity, action, row_id, version, changed_fields, tenant, previous_tenant, actor)
    values (tg_argv[1], act, (rec ->> 'id')::uuid, (rec ->> 'version')::int, fields,
      case when tg_argv[2] <> '' then rec ->> tg_argv[2] end,
      case when tg_argv[2] <> '' then coalesce(prev, rec) ->> tg_argv[2] end, actor);
  end if;
  perform pg_notify('${outboxChannel}', '');
  return null;
end
$body$`;

const tableSql = [
  `create table if not exists ${q(outboxTable)} (
  "id" bigserial primary key,
  "entity" text not null,
  "action" text not null,
  "row_id" uuid not null,
  "version" integer,
  "changed_fields" text[] not null default '{}',
  "tenant" text,
  "previous_tenant" text,
  "actor" text,
  "at" timestamptz not null default now(),
  "tx" xid8 not null default pg_current_xact_id()
)`,
  `create index if not exists "typecrud_outbox_at_idx" on ${q(outboxTable)} ("at")`,
  `create table if not exists ${q(outboxHorizonTable)} ("through" bigint not null)`,
  `insert into ${q(outboxHorizonTable)} ("through") select 0 where not exists (select 1 from ${q(outboxHorizonTable)})`,
];

/** A trigger the definitions call for: the table and its arguments. */
export interface OutboxTrigger {
  readonly table: string;
  readonly args: readonly string[];
}

/** The column holding a row's tenant: `id` for the tenant entity, its reference to the tenant for others. */
function tenantColumn(schema: AnySchema, entity: string): string {
  const tenant = schema.options.tenant;
  if (!tenant) return '';
  if (entity === tenant) return 'id';
  const fields = schema.entity(entity).fields as FieldMap;
  const ref = Object.entries(fields).find(([, f]) => f.config.references?.entity === tenant);
  return ref ? columnName(ref[0]) : '';
}

/** One trigger per entity table and per join table. */
export function outboxTriggers(schema: AnySchema): OutboxTrigger[] {
  const out: OutboxTrigger[] = schema.ordered.map((e) => ({
    table: e.table,
    args: ['row', e.name, tenantColumn(schema, e.name)],
  }));
  for (const j of schema.joinTables) {
    const relationOf = (entity: string, target: string) =>
      schema
        .relations(entity)
        .find((r) => r.kind === 'manyToMany' && r.join?.table === j.table && r.target.name === target)
        ?.name ?? '';
    const side = (me: typeof j.left, other: typeof j.left) => [
      me.entity.name,
      me.column,
      relationOf(me.entity.name, other.entity.name),
      tenantColumn(schema, me.entity.name),
    ];
    out.push({ table: j.table, args: ['link', ...side(j.left, j.right), ...side(j.right, j.left)] });
  }
  return out;
}

const createTriggerSql = (t: OutboxTrigger) =>
  `create trigger ${q(triggerName)} after insert or update or delete on ${q(t.table)} for each row execute function ${fn}(${t.args.map(literal).join(', ')})`;
const dropTriggerSql = (table: string) => `drop trigger if exists ${q(triggerName)} on ${q(table)}`;

/** Everything a fresh database needs for change events, after the tables exist. */
export function outboxDdl(schema: AnySchema): string[] {
  return [...tableSql, outboxFunctionSql, ...outboxTriggers(schema).map(createTriggerSql)];
}

const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();
const bodyOf = (s: string) => normalize(s.slice(s.indexOf('$body$') + 6, s.lastIndexOf('$body$')));

/**
 * The changes that bring the live database's outbox (table, trigger function, one trigger per
 * table) to what the definitions call for: a part of every generated migration and drift check.
 * `tables`: the tables that will exist after the migration (a trigger on a dropped table goes with it).
 */
export async function diffOutbox(db: Executor, schema: AnySchema): Promise<SchemaChange[]> {
  const changes: SchemaChange[] = [];
  const { rows: present } = await sql<{
    exists: boolean;
  }>`select to_regclass(${outboxTable}) is not null as exists`.execute(db);
  if (!present[0]?.exists) {
    changes.push({
      table: outboxTable,
      description: `${outboxTable}: create the change-event outbox`,
      up: tableSql,
      down: [`drop table ${q(outboxHorizonTable)}`, `drop table ${q(outboxTable)}`],
      destructiveDown: `drop table "${outboxTable}" (its events are lost)`,
    });
  }
  const { rows: fns } = await sql<{ src: string }>`
    select prosrc as src from pg_proc where proname = ${fn}
      and pronamespace = (select oid from pg_namespace where nspname = current_schema())`.execute(db);
  const current = fns[0]?.src;
  if (current === undefined || normalize(current) !== bodyOf(outboxFunctionSql)) {
    changes.push({
      table: outboxTable,
      description: `${outboxTable}: ${current === undefined ? 'create' : 'replace'} the trigger function ${fn}()`,
      up: [outboxFunctionSql],
      down: current === undefined ? [`drop function ${fn}()`] : [],
    });
  }
  const { rows: triggers } = await sql<{ table: string; def: string }>`
    select c.relname as "table", pg_get_triggerdef(t.oid) as def
    from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where t.tgname = ${triggerName}
      and c.relnamespace = (select oid from pg_namespace where nspname = current_schema())`.execute(db);
  const argsOf = (def: string) =>
    [...(/\((.*)\)\s*$/.exec(def)?.[1] ?? '').matchAll(/'((?:[^']|'')*)'/g)].map((m) =>
      m[1]!.replaceAll("''", "'"),
    );
  const live = new Map(triggers.map((t) => [t.table, argsOf(t.def)]));
  const target = outboxTriggers(schema);
  for (const t of target) {
    const args = live.get(t.table);
    if (args && args.join('\u0000') === t.args.join('\u0000')) continue;
    changes.push({
      table: t.table,
      description: `${t.table}: ${args ? 'replace' : 'create'} its change-event trigger`,
      up: [dropTriggerSql(t.table), createTriggerSql(t)],
      down: [dropTriggerSql(t.table)],
    });
  }
  return changes;
}
