import type { AnyEntity, AnySchema, ResolvedRelation } from '@typecrud/shared';
import { sql } from 'kysely';
import { metaOf, param, type Sql, selectExpr } from '../query/entity-meta.js';
import { actorCondition } from '../triggers.js';
import type { Guard } from './guard.js';

/** One step of an archive cascade: the rows of `rel.target` whose `rel.field` points to the parent step's rows. */
export interface CascadeStep {
  readonly rel: ResolvedRelation;
  /** The step whose rows are the parents (-1: the archived row itself). */
  readonly parent: number;
}

/**
 * The relations `archive: 'cascade'` reaches from `entity`, breadth first: archiving a row of
 * `entity` archives the live rows of each step, and restoring it restores those of its batch.
 */
export function cascadeSteps(schema: AnySchema, entity: AnyEntity): CascadeStep[] {
  const steps: CascadeStep[] = [];
  const seen = new Set([entity.name]);
  const queue: [AnyEntity, number][] = [[entity, -1]];
  while (queue.length) {
    const [e, parent] = queue.shift()!;
    for (const rel of schema.relations(e.name)) {
      if (rel.archive !== 'cascade' || seen.has(rel.target.name)) continue;
      seen.add(rel.target.name);
      steps.push({ rel, parent });
      queue.push([rel.target, steps.length - 1]);
    }
  }
  return steps;
}

/**
 * Archives (or restores) in one statement the rows the cascade reaches from the rows `ids`:
 * archive takes the live ones and marks them with `batch`; restore brings back exactly those
 * marked with `batch`. Returns one JSON array of rows per step ("s0", "s1", ...).
 *
 * with "s0" as (update project set archived_at = now(), archive_batch = $b ... where organization_id in (...) and archived_at is null returning *),
 *      "s1" as (update release ... where project_id in (select id from "s0") ... returning *)
 * select (select json_agg(...) from "s0") as "s0", ...
 */
export function cascadeArchive(
  guard: Guard,
  steps: readonly CascadeStep[],
  ids: readonly string[],
  batch: string,
  mode: 'archive' | 'restore',
  sets: (entity: AnyEntity) => Sql[],
): Sql {
  const ctes = steps.map((step, i) => {
    const meta = metaOf(step.rel.target);
    const fk = sql.id(meta.byField.get(step.rel.field!)!.column);
    const parents =
      step.parent < 0
        ? sql`(${sql.join(ids.map(param))})`
        : sql`(select "id" from ${sql.id(`s${step.parent}`)})`;
    const which =
      mode === 'archive' ? sql`"archived_at" is null` : sql`"archive_batch" = ${param(batch)}::uuid`;
    const set =
      mode === 'archive'
        ? sql`"archived_at" = now(), "archive_batch" = ${param(batch)}::uuid`
        : sql`"archived_at" = null, "archive_batch" = null`;
    return sql`${sql.id(`s${i}`)} as (update ${sql.table(meta.table)} set ${sql.join([set, ...sets(step.rel.target)])}
      where ${actorCondition(guard.caller?.userId)} and ${fk} in ${parents} and ${which} returning *)`;
  });
  const outs = steps.map((step, i) => {
    const pairs = metaOf(step.rel.target).readColumns.flatMap((c) => [sql.lit(c.field), selectExpr('x', c)]);
    return sql`(select coalesce(json_agg(json_build_object(${sql.join(pairs)})), '[]'::json) from ${sql.id(`s${i}`)} as "x") as ${sql.id(`s${i}`)}`;
  });
  return sql`with ${sql.join(ctes)} select ${sql.join(outs)}`;
}
