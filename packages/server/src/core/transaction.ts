import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { trackCommit } from './cache.js';
import type { AnyDatabase } from './database.js';
import { isRetryable } from './errors.js';

export type Executor = Kysely<AnyDatabase>;

/** How often a transaction is retried on a serialization failure or deadlock before the error stands. */
export const transactionRetries = 3;

/**
 * Runs `fn` in a transaction (or inside the one `db` already is), committing on success and
 * rolling back on any error; retried a bounded number of times on 40001 / 40P01.
 */
export async function inTransaction<T>(db: Executor, fn: (trx: Executor) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  for (let attempt = 0; ; attempt++) {
    try {
      let committed: () => Promise<void> = async () => {};
      const result = await db.transaction().execute((trx) => {
        committed = trackCommit(trx);
        return fn(trx);
      });
      await committed();
      return result;
    } catch (e) {
      if (attempt >= transactionRetries || !isRetryable(e)) throw e;
      await sleep(5 * 2 ** attempt + Math.random() * 10);
    }
  }
}
