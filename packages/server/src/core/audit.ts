import { sql } from 'kysely';
import type { AuditSink } from './hooks.js';

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

/**
 * Writes audit records into a table with columns entity, entity_id, action, actor_id, changes
 * (the shape of an audit entity's fields), in one insert per write.
 */
export function tableAuditSink(table: string): AuditSink {
  return async (db, records) => {
    const values = records.map(
      (r) =>
        sql`(${r.entity}, ${r.entityId}::uuid, ${r.action}, ${r.actorId}::uuid, ${json(r.changes)}::jsonb)`,
    );
    await sql`insert into ${sql.table(table)} ("entity", "entity_id", "action", "actor_id", "changes") values ${sql.join(values)}`.execute(
      db,
    );
  };
}
