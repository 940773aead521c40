import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { QueryCounter } from './query-counter.js';

/** Tables are reached through generated SQL; custom code can narrow this with `DatabaseOf<S>`. */
export type AnyDatabase = Record<string, Record<string, unknown>>;

/** A Kysely instance or transaction over any schema: what the generic layers take. */
export type Executor = Kysely<AnyDatabase>;

export type Engine = 'pglite' | 'postgres';

export interface DatabaseConfig {
  /** A PostgreSQL connection string; when absent the embedded PGlite engine is used. */
  url?: string | undefined;
  /** PGlite's data folder; `memory://` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Size of the pg pool. */
  poolSize?: number | undefined;
  /** How long a query waits to get a pooled connection (a new one or a free one), in ms; 5000 by default. */
  connectTimeoutMs?: number | undefined;
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
  /**
   * LISTENs on `channel`: `onNotify` runs for each notification (and once after a lost
   * connection is back, since notifications may have been missed). PostgreSQL: a connection of its
   * own outside the pool, reconnecting; PGlite: the instance's own notifications. Returns the UNLISTEN.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}

/** LISTEN on a dedicated PostgreSQL connection that comes back after a failure. */
async function pgListen(config: DatabaseConfig, channel: string, onNotify: () => void) {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: config.url,
      connectionTimeoutMillis: config.connectTimeoutMs ?? 5000,
      ...(config.searchPath ? { options: `-c search_path=${config.searchPath}` } : {}),
    });
    const again = () => {
      if (stopped || client !== c) return;
      client = undefined;
      c.end().catch(() => {});
      retry = setTimeout(() => connect().catch(() => {}), 500);
      retry.unref();
    };
    c.on('error', again);
    c.on('end', again);
    c.on('notification', (n) => {
      if (n.channel === channel) onNotify();
    });
    client = c;
    try {
      await c.connect();
      await c.query(`listen "${channel.replaceAll('"', '""')}"`);
      onNotify();
    } catch {
      // unreachable for now: try again shortly (the pool's queries report the outage meanwhile)
      again();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

/**
 * This pool's type parsers: int8 as bigint, never a lossy number; numeric stays a string (exact
 * decimals); everything else as pg parses it. Set per pool, so other `pg` users in the same
 * process keep their own parsing.
 */
const poolTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? (v: string) => BigInt(v)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Opens the configured engine: `pg` with a URL, PGlite (data in a local folder) without one. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const counter = new QueryCounter();
  if (config.url) {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize ?? 10,
      types: poolTypes,
      // never wait forever for a connection: an unreachable or saturated server is SERVICE_UNAVAILABLE
      connectionTimeoutMillis: config.connectTimeoutMs ?? 5000,
      ...(config.searchPath ? { options: `-c search_path=${config.searchPath}` } : {}),
    });
    // An idle client that the server drops (restart, failover, pg_terminate_backend) is removed
    // from the pool; without a listener its 'error' event would crash the process.
    pool.on('error', (err) => config.onIdleClientError?.(err));
    // A checked-out client between two queries of a transaction (no query to fail) emits 'error'
    // too, which the pool does not listen to then: without this the process would crash. The
    // client is left unqueryable, its next query fails (SERVICE_UNAVAILABLE) and the pool drops it.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<AnyDatabase>({
      dialect: counter.dialect(new PostgresDialect({ pool })),
      plugins: [counter],
    });
    return {
      db,
      engine: 'postgres',
      counter,
      close: () => db.destroy(),
      listen: (channel, onNotify) => pgListen(config, channel, onNotify),
    };
  }
  const dataDir = config.dataDir ?? '.data/pglite';
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = new Kysely<AnyDatabase>({
    dialect: counter.dialect(new PGliteDialect(client)),
    plugins: [counter],
  });
  return {
    db,
    engine: 'pglite',
    counter,
    close: () => db.destroy(),
    async listen(channel, onNotify) {
      const stop = await client.listen(channel, () => onNotify());
      return async () => {
        if (!client.closed) await stop();
      };
    },
  };
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
