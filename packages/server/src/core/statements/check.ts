import { sql } from 'kysely';
import { abortMarker } from '../errors.js';
import type { Sql } from '../query/entity-meta.js';

/**
 * `true`, or the statement aborts (22P02 carrying the marker, read back by `statementAbort`):
 * how a rule checked on the row as it will be (RLS's WITH CHECK) refuses a write in the same
 * statement, so nothing of it remains even outside a transaction. NULL fails, like false.
 * `random()` keeps the planner from folding the cast ahead of time.
 *
 * `case when <cond> then true else ('typecrud-abort:rule:update:' || random()::text)::int > 0 end`
 */
export function orAbort(cond: Sql, kind: 'rule' | 'limit', what: string): Sql {
  return sql`(case when ${cond} then true else (${`${abortMarker}:${kind}:${what}:`} || random()::text)::int > 0 end)`;
}
