import type { AnySchema } from '@typecrud/shared';
import { sql } from 'kysely';
import { outboxDdl } from './live/outbox.js';
import { schemaDdl } from './table-model.js';
import { type Executor, inTransaction } from './transaction.js';

/** Creates every table of the schema in one transaction (a fresh database); returns false if they exist. */
export async function createSchemaTables(db: Executor, schema: AnySchema): Promise<boolean> {
  const first = schema.ordered[0];
  if (!first) return false;
  const { rows } = await sql<{
    exists: boolean;
  }>`select to_regclass(${first.table}) is not null as exists`.execute(db);
  if (rows[0]?.exists) return false;
  await inTransaction(db, async (trx) => {
    for (const statement of [...schemaDdl(schema), ...outboxDdl(schema)])
      await sql.raw(statement).execute(trx);
  });
  return true;
}
