import { PGlite } from '@electric-sql/pglite';
import type { Executor } from '@typecrud/server';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { fullSeed, poolSize } from '../../config.js';
import { seedDatabase } from '../../seed.js';
import type { ContenderOptions, RunningContender } from '../contender.js';
import { serveTrpc } from '../trpc-host.js';
import { adminToken, bearerContext } from './auth.js';
import type { BenchDB } from './db.js';
import { kyselyQueries } from './kysely-queries.js';
import { naiveQueries } from './naive-queries.js';
import { handwrittenRouter } from './router.js';

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => BigInt(v));

/** A Kysely instance on the chosen engine; PGlite is seeded in memory with the same data. */
export async function openKysely(options: ContenderOptions): Promise<Kysely<BenchDB>> {
  if (options.engine === 'postgres') {
    return new Kysely<BenchDB>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: options.url, max: poolSize }) }),
    });
  }
  const client = await PGlite.create('memory://');
  const db = new Kysely<BenchDB>({ dialect: new PGliteDialect(client) });
  // typecrud's DDL and the same seed as on PostgreSQL
  await seedDatabase(db as unknown as Executor, fullSeed);
  return db;
}

export async function startHandwritten(options: ContenderOptions): Promise<RunningContender> {
  const db = await openKysely(options);
  return serveTrpc(handwrittenRouter(kyselyQueries(db)), options.port, () => db.destroy());
}

/** The hand-written router behind the same sign-in typecrud does per request (JWT + principal query). */
export async function startHandwrittenAuth(options: ContenderOptions): Promise<RunningContender> {
  const db = await openKysely(options);
  const token = await adminToken(db);
  const running = await serveTrpc(
    handwrittenRouter(kyselyQueries(db)),
    options.port,
    () => db.destroy(),
    bearerContext(db),
  );
  return { ...running, headers: { authorization: `Bearer ${token}` } };
}

export async function startNaive(options: ContenderOptions): Promise<RunningContender> {
  const db = await openKysely(options);
  return serveTrpc(handwrittenRouter(naiveQueries(db)), options.port, () => db.destroy());
}
