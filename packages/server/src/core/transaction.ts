import { setTimeout as sleep } from 'node:timers/promises';
import { trackCommit } from './cache.js';
import type { Executor } from './database.js';
import { isRetryable } from './errors.js';
import { changedTablesStatement, parseChanged, setActorStatement } from './triggers.js';

export type { Executor } from './database.js';

/** How often a transaction is retried on a serialization failure or deadlock before the error stands. */
export const transactionRetries = 3;

export interface TransactionOptions {
  /**
   * The caller's id (null: no caller), set for the whole transaction before `fn` runs, so the audit
   * triggers name who made every change in it, raw SQL included. Absent: not set up front (each
   * generated write statement sets it itself).
   */
  readonly actor?: string | null | undefined;
  /**
   * Told, after COMMIT, which tables the transaction changed (read from what the triggers recorded,
   * just before COMMIT): how raw SQL writes reach the cache.
   */
  readonly onChanged?: ((tables: string[]) => Promise<void>) | undefined;
}

/**
 * Runs `fn` in a transaction (or inside the one `db` already is), committing on success and
 * rolling back on any error; retried a bounded number of times on 40001 / 40P01.
 */
export async function inTransaction<T>(
  db: Executor,
  fn: (trx: Executor) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (db.isTransaction) {
    if (options.actor !== undefined) await setActorStatement(options.actor).execute(db);
    return fn(db);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      let committed: () => Promise<void> = async () => {};
      let tables: string[] = [];
      const result = await db.transaction().execute(async (trx) => {
        committed = trackCommit(trx);
        if (options.actor !== undefined) await setActorStatement(options.actor).execute(trx);
        const out = await fn(trx);
        if (options.onChanged) {
          const { rows } = await changedTablesStatement().execute(trx);
          tables = parseChanged((rows[0] as { changed?: string } | undefined)?.changed);
        }
        return out;
      });
      if (tables.length) await options.onChanged?.(tables).catch(() => {});
      await committed();
      return result;
    } catch (e) {
      if (attempt >= transactionRetries || !isRetryable(e)) throw e;
      await sleep(5 * 2 ** attempt + Math.random() * 10);
    }
  }
}
