import { sql } from 'kysely';
import type { EntityMeta, Sql } from '../query/entity-meta.js';
import { param } from '../query/entity-meta.js';

/** A field's value as a SQL parameter of its column's type. */
export function fieldValue(meta: EntityMeta, field: string, v: unknown): Sql {
  if (v === null || v === undefined) return sql`null`;
  if (meta.byField.get(field)!.config.kind === 'json') return sql`${JSON.stringify(v)}::jsonb`;
  return param(v);
}

/** Rows as one JSON parameter keyed by column (bigints as text), for `jsonb_populate_recordset`. */
export function rowsJson(meta: EntityMeta, rows: readonly Record<string, unknown>[]): string {
  const out = rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(r)) {
      const c = meta.byField.get(field);
      if (c && v !== undefined) o[c.column] = v;
    }
    return o;
  });
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
