import type { ResolvedRelation } from '@typecrud/shared';
import { sql } from 'kysely';
import { joinColumns } from '../query/compile.js';
import { and, metaOf, param, ref, type Sql } from '../query/entity-meta.js';
import { actorCondition } from '../triggers.js';
import { type Guard, t0 } from './guard.js';

/** Which ends' update rules a link change needs (the other end must be readable). */
export interface LinkGovernance {
  readonly source: boolean;
  readonly target: boolean;
}

/** What a link statement found and did: the caller's answer is derived from these alone. */
export interface LinkOutcome {
  /** 1 when the source row is readable. */
  readonly source: number;
  /** Whether the caller may change the source row's links. */
  readonly sourceAllowed: boolean;
  /** How many of the asked-for target ids are readable. */
  readonly targets: number;
  readonly targetsAllowed: boolean;
  /** Target ids actually linked / unlinked (a link that existed, or did not, is left alone). */
  readonly added: string[];
  readonly removed: string[];
}

export type LinkMode = 'connect' | 'disconnect' | 'set';

/**
 * One statement that checks both ends and changes the links of row `id` only if every check
 * passes; the row's `version` moves only when a link really changed.
 *
 * with src as (select id, <update rule> as w from project t0 where id = $1 and <read rule>),
 *      tgt as (select id, <update rule> as w from tag t1 where id in (...) and <read rule>),
 *      ok as (select (select count(*) from src) = 1 and (select count(*) from tgt) = $n and ... as ok),
 *      changed as (insert into project_tag ... select ... where (select ok from ok) on conflict do nothing returning tag_id),
 *      bumped as (update project set version = version + 1 where id = $1 and exists (select from changed))
 * select ...
 */
export function linkStatement(
  guard: Guard,
  rel: ResolvedRelation,
  id: string,
  ids: readonly string[],
  mode: LinkMode,
  governance: LinkGovernance,
  bump: readonly Sql[],
): Sql {
  const c = guard.compiler;
  const source = metaOf(rel.source);
  const target = metaOf(rel.target);
  const { sourceColumn, targetColumn } = joinColumns(rel);
  const join = sql.table(rel.join!.table);
  const a = c.alias();
  const allow = (rule: Sql | null, governs: boolean) => (governs && rule ? rule : sql`true`);
  const srcRule = allow(guard.rule(rel.source, 'update', t0), governance.source);
  const tgtRule = allow(guard.rule(rel.target, 'update', a), governance.target);
  const wanted = ids.length ? sql`${ref(a, 'id')} in (${sql.join(ids.map(param))})` : sql`false`;
  const src = sql`select ${ref(t0, 'id')} as id, ${srcRule} as w from ${sql.table(source.table)} as ${sql.id(t0)}
    where ${and([sql`${ref(t0, 'id')} = ${param(id)}`, ...guard.visible(rel.source, t0)])}`;
  const targetRows = (cond: Sql) =>
    sql`select ${ref(a, 'id')} as id, ${tgtRule} as w from ${sql.table(target.table)} as ${sql.id(a)}
      where ${and([cond, ...guard.visible(rel.target, a)])}`;
  // set: the readable rows linked now that are not asked for go, and must be changeable too
  const linkedNow = sql`${ref(a, 'id')} in (select ${sql.id(targetColumn)} from ${join} where ${sql.id(sourceColumn)} = ${param(id)})`;
  const gone =
    mode === 'set'
      ? sql`, gone as (${targetRows(and([linkedNow, ids.length ? sql`${ref(a, 'id')} not in (${sql.join(ids.map(param))})` : sql`true`]))})`
      : sql``;
  const goneOk = mode === 'set' ? sql` and (select coalesce(bool_and(w), true) from gone)` : sql``;
  const add = sql`insert into ${join} (${sql.id(sourceColumn)}, ${sql.id(targetColumn)})
      select src.id, tgt.id from src cross join tgt where ${actorCondition(guard.caller?.userId)} and (select ok from ok)
      on conflict do nothing returning ${sql.id(targetColumn)} as id`;
  const remove = (from: string) => sql`delete from ${join} where ${sql.id(sourceColumn)} = ${param(id)}
      and ${sql.id(targetColumn)} in (select id from ${sql.id(from)}) and ${actorCondition(guard.caller?.userId)} and (select ok from ok)
      returning ${sql.id(targetColumn)} as id`;
  const none = sql`select null::uuid as id where false`;
  const changes =
    mode === 'connect'
      ? sql`added as (${add}), removed as (${none})`
      : mode === 'disconnect'
        ? sql`removed as (${remove('tgt')}), added as (${none})`
        : sql`removed as (${remove('gone')}), added as (${add})`;
  const bumped = bump.length
    ? sql`, bumped as (update ${sql.table(source.table)} set ${sql.join([...bump])}
        where "id" = ${param(id)} and (exists (select 1 from added) or exists (select 1 from removed)) returning 1)`
    : sql``;
  const bumpCount = bump.length ? sql`, (select count(*)::int from bumped) as "bumped"` : sql``;
  return sql`with src as (${src}), tgt as (${targetRows(wanted)})${gone},
    ok as (select (select count(*) from src) = 1 and (select bool_and(w) from src)
      and (select count(*) from tgt) = ${ids.length} and (select coalesce(bool_and(w), true) from tgt)${goneOk} as ok),
    ${changes}${bumped}
    select (select count(*)::int from src) as "source", coalesce((select bool_and(w) from src), false) as "sourceAllowed",
      (select count(*)::int from tgt) as "targets", coalesce((select bool_and(w) from tgt), true)${mode === 'set' ? sql` and (select coalesce(bool_and(w), true) from gone)` : sql``} as "targetsAllowed",
      coalesce((select json_agg(id) from added), '[]'::json) as "added",
      coalesce((select json_agg(id) from removed), '[]'::json) as "removed"${bumpCount}`;
}
