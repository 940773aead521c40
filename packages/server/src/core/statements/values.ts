import { jsonValueIssue } from '@typecrud/shared';
import { sql } from 'kysely';
import { badRequest } from '../errors.js';
import type { EntityMeta, Sql } from '../query/entity-meta.js';
import { param } from '../query/entity-meta.js';

/**
 * A JSON value as the text of a jsonb parameter. What JSON cannot carry (a bigint, a Date, NaN)
 * or jsonb cannot store is BAD_REQUEST naming its path (`at` then the path inside the value):
 * the manager is also called by server code that skips the DTOs.
 */
export function jsonText(v: unknown, at: (string | number)[]): string {
  const issue = jsonValueIssue(v);
  if (issue) {
    const path = [...at, ...issue.path];
    throw badRequest(`${path.join('.')}: ${issue.message}`, [{ path, message: issue.message }]);
  }
  return JSON.stringify(v);
}

/** A field's value as a SQL parameter of its column's type (`at`: where the input holds it, for errors). */
export function fieldValue(meta: EntityMeta, field: string, v: unknown, at: string[] = [field]): Sql {
  if (v === null || v === undefined) return sql`null`;
  if (meta.byField.get(field)!.config.kind === 'json') return sql`${jsonText(v, at)}::jsonb`;
  return param(v);
}

/** Rows as one JSON parameter keyed by column (bigints as text), for `jsonb_populate_recordset`. */
export function rowsJson(meta: EntityMeta, rows: readonly Record<string, unknown>[]): string {
  const out = rows.map((r, i) => {
    const o: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(r)) {
      const c = meta.byField.get(field);
      if (!c || v === undefined) continue;
      // a bigint inside a document would be written as text: refused, as a Date is, naming it
      if (c.config.kind === 'json' && v !== null) jsonText(v, rows.length > 1 ? [i, field] : [field]);
      o[c.column] = v;
    }
    return o;
  });
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
