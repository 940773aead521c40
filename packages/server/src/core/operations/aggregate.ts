import type { ManagerContext } from '../context.js';
import { aggregateStatement, groupByStatement } from '../statements/aggregate.js';
import type { Data, Rows } from './base.js';
import { cached } from './read.js';
import type { EntityScope } from './scope.js';

/**
 * `_count`, `_sum`, `_avg`, `_min`, `_max` over the rows the where and the caller's read rule let
 * through (archived rows left out unless `withArchived`), in one statement, through the read cache.
 */
export async function aggregate(scope: EntityScope, ctx: ManagerContext, query: Data): Promise<Data> {
  const guard = scope.guard(ctx.caller);
  guard.compiler.withArchived = query.withArchived === true;
  const { statement, shape } = aggregateStatement(guard, scope.meta, query);
  if (!statement) return {};
  return cached(scope, ctx, guard, 'aggregate', query, async () => {
    const { rows } = await statement.execute(ctx.db);
    return shape((rows[0] ?? {}) as Data);
  });
}

/** One row per group of the `by` fields' values, with its aggregates, filtered by `having`, in one statement. */
export async function groupBy(scope: EntityScope, ctx: ManagerContext, query: Data): Promise<Data[]> {
  const guard = scope.guard(ctx.caller);
  guard.compiler.withArchived = query.withArchived === true;
  const { statement, shape } = groupByStatement(guard, scope.meta, query);
  return cached(scope, ctx, guard, 'groupBy', query, async () => {
    const { rows } = await statement!.execute(ctx.db);
    return (rows as Rows).map(shape);
  });
}
