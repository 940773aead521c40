import { buildApp, loadConfig } from '@typecrud/api';
import {
  type AppServices,
  createAppServices,
  createSystemServices,
  ensureAdmin,
  startSession,
} from '@typecrud/demo/server';
import * as server from '@typecrud/server';
import { fullSeed, poolSize } from '../config.js';
import { seedDatabase } from '../seed.js';
import type { ContenderOptions, RunningContender } from './contender.js';
import { benchAdmin, benchTokenSecret } from './handwritten/auth.js';

type Database = Awaited<ReturnType<typeof server.openDatabase>>;

/**
 * The app's services as a production server builds them (apps/api's server.ts with its default
 * configuration). The bench calls as a superadmin (its policies allow every row: the same rows the
 * hand-written routers read) with a real bearer token, verified on every request.
 */
async function appServices(
  database: Database,
): Promise<{ services: AppServices; headers: Record<string, string> }> {
  const defaults = loadConfig({});
  const services = createAppServices(database, {
    tokenSecret: benchTokenSecret,
    production: true,
    // a run outlasts the default access lifetime; what is measured is the cost per request
    tokenTtlSeconds: 24 * 3600,
    // serve caches callers on PGlite or with Redis only (the bench has no Redis)
    callerCacheMs: database.engine === 'pglite' ? defaults.CALLER_CACHE_MS : 0,
    cache: server.memoryCacheStore(defaults.CACHE_MAX_ENTRIES),
  });
  const admin = await ensureAdmin(createSystemServices(database), benchAdmin);
  const { token } = await startSession(services, admin.id);
  return { services, headers: { authorization: `Bearer ${token}` } };
}

/** The real thing: apps/api's buildApp over the app's services, on pg (or PGlite in memory, seeded alike). */
export async function startTypecrud(options: ContenderOptions): Promise<RunningContender> {
  const database =
    options.engine === 'postgres'
      ? await server.openDatabase({ url: options.url, poolSize })
      : await server.openDatabase({ dataDir: 'memory://' });
  if (options.engine === 'pglite') await seedDatabase(database.db, fullSeed);
  const { services, headers } = await appServices(database);
  const app = await buildApp({ config: { BODY_LIMIT: 1024 * 1024, MAX_BATCH_SIZE: 50 } as never, services });
  await app.listen({ host: '127.0.0.1', port: options.port });
  return {
    headers,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
