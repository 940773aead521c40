import { sql } from 'kysely';
import type { EntityMeta, Sql } from '../query/entity-meta.js';
import { and, ref, selectColumns } from '../query/entity-meta.js';
import { sqlType } from '../table-model.js';
import { actorCondition } from '../triggers.js';
import { orAbort } from './check.js';
import { type Guard, t0 } from './guard.js';
import { fieldValue, rowsJson } from './values.js';
import type { AfterCheck } from './write.js';

/** Which branch an upsert took, or why it took none (decided in the statement, on its snapshot). */
export type UpsertBranch =
  | 'insert'
  | 'update'
  /** No row has the key (or only one the caller cannot read) and the create rule refuses the new one. */
  | 'refusedCreate'
  /** The caller may create the row, but a row it cannot read holds the key (what a create would meet too). */
  | 'taken'
  | 'archived'
  | 'stale'
  | 'refusedUpdate';

export interface UpsertSpec {
  /** The unique key (field -> value): the conflict target. */
  readonly key: Readonly<Record<string, unknown>>;
  /** The row of the insert branch (field -> value, defaults applied, key fields included). */
  readonly create: Readonly<Record<string, unknown>>;
  /** `column = value` of the update branch, over the existing row at t0 (system fields included). */
  readonly set: readonly Sql[];
  /** The changed fields' new values: the update branch's checks run on the row as it will be first. */
  readonly preview: ReadonlyMap<string, Sql>;
  /** Rules the updated row must pass as it will be and as it is after (WITH CHECK). */
  readonly checks: readonly AfterCheck[];
  readonly expectedVersion?: number | undefined;
  readonly withArchived: boolean;
}

/** `"t0"."label" = $1 and ...`: the row at t0 has the unique key `key` (field -> value). */
export function keyMatch(meta: EntityMeta, key: Readonly<Record<string, unknown>>): Sql[] {
  return Object.entries(key).map(
    ([f, v]) => sql`${ref(t0, meta.byField.get(f)!.column)} = ${fieldValue(meta, f, v)}`,
  );
}

/**
 * The id of the row with unique key `key` the caller can read (connectOrCreate's find).
 *
 * select "t0"."id" from tag as "t0" where "t0"."label" = $1 and <read rule>
 */
export function findByKey(guard: Guard, meta: EntityMeta, key: Readonly<Record<string, unknown>>): Sql {
  return sql`select ${ref(t0, 'id')} as id from ${sql.table(meta.table)} as ${sql.id(t0)}
    where ${and([...keyMatch(meta, key), ...guard.visible(meta.entity, t0)])}`;
}

const allOf = (checks: readonly AfterCheck[]) => (checks.length ? and(checks.map((c) => c.rule)) : sql`true`);

/**
 * One atomic upsert: `INSERT … ON CONFLICT (<key>) DO UPDATE … WHERE <update rule>`, with the
 * caller's rules on both branches. The statement first decides on its snapshot which branch the
 * caller may take (`__branch`): the create rule on the new row when no readable row holds the
 * key; the read rule, archived, version, and the update rule on the row as it is and as it will
 * be when one does. Only an allowed branch reaches the insert, so a refused call never meets a
 * unique or foreign key check. The DO UPDATE re-checks the rules on the latest row (a concurrent
 * writer), and the result is checked after the write (the update rule, or the create rule on an
 * inserted row), aborting the statement otherwise.
 *
 * with "__in" as (select * from jsonb_populate_recordset(null::tag, $1)),
 *      "__old" as (select * from tag as "t0" where "t0"."label" = $2),
 *      "__pre" as (select case when not exists (select 1 from "__old") then ... end as branch),
 *      "t0" as (insert into tag as "t0" (...) select ... from "__in" as "t0"
 *               where (select branch from "__pre") in ('insert', 'update')
 *               on conflict ("label") do update set ... where <update rule> returning "t0".*, ("t0".xmax = 0) as "__inserted")
 * select "__pre".branch as "__branch", <columns>, "__inserted", <checks or abort> from "__pre" left join "t0" on true
 */
export function upsertRow(guard: Guard, meta: EntityMeta, spec: UpsertSpec): Sql {
  const { entity } = meta;
  const table = sql.table(meta.table);
  const fields = meta.columns.filter((c) => !c.config.system && !c.config.hidden);
  const audit = meta.audited ? ['created_by', 'updated_by'] : [];
  const who = sql`${guard.caller?.userId ?? null}::uuid`;
  const columns = sql.join([...fields.map((c) => sql.id(c.column)), ...audit.map((c) => sql.id(c))]);
  const values = sql.join([
    ...fields.map((c) => ref(t0, c.column)),
    ...audit.map((c) => sql`${who} as ${sql.id(c)}`),
  ]);
  const keyCols = Object.keys(spec.key).map((f) => meta.byField.get(f)!.column);
  // a key that archived rows leave free is a partial unique index: its conflict target says so,
  // and only a live row holds the key
  const fieldsOfKey = Object.keys(spec.key).sort().join(',');
  const partial =
    meta.archivable &&
    meta.entity.uniqueKeys.some((k) => k.ignoreArchived && [...k.fields].sort().join(',') === fieldsOfKey);
  const keyWhere = partial ? [sql`${ref(t0, 'archived_at')} is null`] : [];

  const create = guard.rule(entity, 'create') ?? sql`true`;
  const createOk = sql`coalesce((select bool_and(${create}) from "__in" as ${sql.id(t0)}), false)`;
  const onOld = (cond: Sql) => sql`coalesce((select bool_and(${cond}) from "__old" as ${sql.id(t0)}), false)`;
  const readable = and(guard.visible(entity, t0, true));
  const archived = meta.archivable && !spec.withArchived ? sql`${ref(t0, 'archived_at')} is not null` : null;
  const stale =
    meta.versioned && spec.expectedVersion !== undefined
      ? sql`${ref(t0, 'version')} <> ${spec.expectedVersion}`
      : null;
  const update = guard.rule(entity, 'update');
  // the row as it will be: every column, the changed ones from the new values
  const previewCols = meta.columns.map((c) => {
    const v = spec.preview.get(c.field);
    return v ? sql`cast(${v} as ${sql.raw(sqlType(c.config))}) as ${sql.id(c.column)}` : ref(t0, c.column);
  });
  const previewOk = spec.checks.length
    ? sql`coalesce((select bool_and(${allOf(spec.checks)}) from (select ${sql.join(previewCols)} from "__old" as ${sql.id(t0)}) as ${sql.id(t0)}), false)`
    : sql`true`;
  const branch = sql`case
      when not exists (select 1 from "__old") then case when ${createOk} then 'insert' else 'refusedCreate' end
      when not ${onOld(readable)} then case when ${createOk} then 'taken' else 'refusedCreate' end
      ${archived ? sql`when ${onOld(archived)} then 'archived'` : sql``}
      ${stale ? sql`when ${onOld(stale)} then 'stale'` : sql``}
      ${update ? sql`when not ${onOld(update)} then 'refusedUpdate'` : sql``}
      when not ${previewOk} then 'refusedUpdate'
      else 'update' end`;

  // on the latest row (a concurrent writer may have changed it since the snapshot)
  const latest = [
    ...guard.visible(entity, t0, true),
    ...(archived ? [sql`${ref(t0, 'archived_at')} is null`] : []),
    ...(stale ? [sql`${ref(t0, 'version')} = ${spec.expectedVersion}`] : []),
    ...(update ? [update] : []),
  ];
  const set = spec.set.length ? spec.set : [sql`"id" = ${ref(t0, 'id')}`];
  const written = sql`${ref(t0, 'id')} is null`;
  const after = orAbort(
    sql`${written} or ${ref(t0, '__inserted')} or (${allOf(spec.checks)})`,
    'rule',
    'update',
  );
  const createdOk = orAbort(sql`${written} or not ${ref(t0, '__inserted')} or (${create})`, 'rule', 'create');
  return sql`with "__in" as materialized (select * from jsonb_populate_recordset(null::${table}, ${rowsJson(meta, [spec.create])}::jsonb))
    , "__old" as materialized (select * from ${table} as ${sql.id(t0)} where ${and([...keyMatch(meta, spec.key), ...keyWhere])})
    , "__pre" as materialized (select ${branch} as branch)
    , ${sql.id(t0)} as (insert into ${table} as ${sql.id(t0)} (${columns})
        select ${values} from "__in" as ${sql.id(t0)}
        where (select branch from "__pre") in ('insert', 'update') and ${actorCondition(guard.caller?.userId)}
        on conflict (${sql.join(keyCols.map((c) => sql.id(c)))})${partial ? sql` where "archived_at" is null` : sql``} do update set ${sql.join([...set])}
        where ${and(latest)}
        returning ${sql.ref(t0)}.*, (${ref(t0, 'xmax')}::text = '0') as "__inserted")
    select "__pre".branch as "__branch", ${sql.join([...selectColumns(meta, t0), sql`${ref(t0, '__inserted')} as "__inserted"`])},
      ${after} as "__ok0", ${createdOk} as "__ok1",
      ${ref('__old', 'id')} as "__oldId", ${meta.versioned ? ref('__old', 'version') : sql`null::int`} as "__oldVersion"
    from "__pre" left join ${sql.id(t0)} on true left join "__old" on true`;
}
