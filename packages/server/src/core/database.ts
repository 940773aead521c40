import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { QueryCounter } from './query-counter.js';

/** Tables are reached through generated SQL; custom code can narrow this with `DatabaseOf<S>`. */
export type AnyDatabase = Record<string, Record<string, unknown>>;

export type Engine = 'pglite' | 'postgres';

export interface DatabaseConfig {
  /** A PostgreSQL connection string; when absent the embedded PGlite engine is used. */
  url?: string | undefined;
  /** PGlite's data folder; `memory://` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Size of the pg pool. */
  poolSize?: number | undefined;
  /** Told when an idle pooled connection fails (it is discarded; the pool opens another). */
  onIdleClientError?: ((err: Error) => void) | undefined;
  /** PostgreSQL search_path, used to isolate a test run in its own schema. */
  searchPath?: string | undefined;
}

export interface Database {
  readonly db: Kysely<AnyDatabase>;
  readonly engine: Engine;
  /** Counts the SQL statements sent (tests and benchmarks read it). */
  readonly counter: QueryCounter;
  /** Closes the pool or PGlite, after in-flight queries finish. */
  close(): Promise<void>;
}

// int8 as bigint, never a lossy number; numeric stays a string (exact decimals).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => BigInt(v));

/** Opens the configured engine: `pg` with a URL, PGlite (data in a local folder) without one. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const counter = new QueryCounter();
  if (config.url) {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize ?? 10,
      ...(config.searchPath ? { options: `-c search_path=${config.searchPath}` } : {}),
    });
    // An idle client that the server drops (restart, failover, pg_terminate_backend) is removed
    // from the pool; without a listener its 'error' event would crash the process.
    pool.on('error', (err) => config.onIdleClientError?.(err));
    const db = new Kysely<AnyDatabase>({ dialect: new PostgresDialect({ pool }), plugins: [counter] });
    return { db, engine: 'postgres', counter, close: () => db.destroy() };
  }
  const dataDir = config.dataDir ?? '.data/pglite';
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = new Kysely<AnyDatabase>({ dialect: new PGliteDialect(client), plugins: [counter] });
  return { db, engine: 'pglite', counter, close: () => db.destroy() };
}

/** True when the database answers a trivial query (the health check). */
export async function pingDatabase(database: Database): Promise<boolean> {
  try {
    await sql`select 1`.execute(database.db);
    return true;
  } catch {
    return false;
  }
}
