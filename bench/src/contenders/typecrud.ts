import { buildApp, loadConfig } from '@typecrud/api';
import * as server from '@typecrud/server';
import { schema } from '@typecrud/shared';
import { fullSeed, poolSize } from '../config.js';
import { seedDatabase } from '../seed.js';
import type { ContenderOptions, RunningContender } from './contender.js';
import { benchAdmin, benchTokenSecret } from './handwritten/auth.js';

type Database = Awaited<ReturnType<typeof server.openDatabase>>;
type AnyServices = Parameters<typeof buildApp>[0]['services'];

/** The app's optional sign-in layer, looked up by name so the bench follows the app as it grows. */
interface AuthExports {
  createAppServices?: (
    database: Database,
    options: { tokenSecret: string; production?: boolean; callerCacheMs?: number; cache?: unknown },
  ) => AnyServices;
  createSystemServices?: (database: Database, options?: { production?: boolean }) => AnyServices;
  ensureAdmin?: (
    services: AnyServices,
    account: { email: string; password: string },
  ) => Promise<{ id: string }>;
}

/**
 * The app's services as a production server builds them. When the app signs users in, the bench
 * calls as a superadmin (its policies allow every row: the same rows the hand-written routers read)
 * with a real bearer token, verified on every request.
 */
async function appServices(
  database: Database,
): Promise<{ services: AnyServices; headers: Record<string, string> }> {
  const auth = server as unknown as AuthExports;
  if (auth.createAppServices && auth.createSystemServices && auth.ensureAdmin) {
    // as apps/api's server.ts builds them with its default configuration
    const defaults = loadConfig({});
    const services = auth.createAppServices(database, {
      tokenSecret: benchTokenSecret,
      production: true,
      callerCacheMs: defaults.CALLER_CACHE_MS,
      cache: server.memoryCacheStore(defaults.CACHE_MAX_ENTRIES),
    });
    const admin = await auth.ensureAdmin(auth.createSystemServices(database), benchAdmin);
    const tokens = (services as unknown as { tokens: { issue(id: string): Promise<{ token: string }> } })
      .tokens;
    const { token } = await tokens.issue(admin.id);
    return { services, headers: { authorization: `Bearer ${token}` } };
  }
  const options = { policies: 'unrestricted', production: true };
  return {
    services: server.createServices(schema, database, options as never) as unknown as AnyServices,
    headers: {},
  };
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
