import { schema } from '@typecrud/demo';
import {
  type AppServices,
  type AppServicesOptions,
  createAppServices,
  createSystemServices,
  ensureAdmin,
  seedDemo,
} from '@typecrud/demo/server';
import type { Engine } from '@typecrud/server';
import { openTestDatabase, type TestDatabase } from '@typecrud/server/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';

export interface TestServer {
  /** The base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  app: FastifyInstance;
  database: TestDatabase;
  services: AppServices;
  system: AppServices;
  admin: { id: string; email: string; password: string };
  close(): Promise<void>;
}

export interface TestServerOptions {
  seed?: boolean;
  limits?: Partial<
    Pick<
      Config,
      'BODY_LIMIT' | 'MAX_BATCH_SIZE' | 'SIGNIN_RATE_LIMIT' | 'MAX_RESPONSE_ROWS' | 'MAX_RESPONSE_BYTES'
    >
  >;
  /** Hide internal error messages, as NODE_ENV=production does. */
  production?: boolean;
  /** Reuse a verified token's caller this long (CALLER_CACHE_MS); 0 by default. */
  callerCacheMs?: number;
  /** Called with the app before it listens (add hooks here). */
  beforeListen?: (app: FastifyInstance) => void;
  /** The first superadmin's account; `admin@e2e.test` / `e2e-admin-password` when absent. */
  admin?: { email: string; password: string };
  /** Passed on to the app's services, e.g. the read cache and caller cache `serve` uses. */
  services?: Pick<AppServicesOptions, 'cache' | 'callerCacheMs' | 'tokenTtlSeconds' | 'refreshTtlSeconds'>;
  /** Serve this test database (another server's: a second instance) instead of opening a new one. */
  database?: TestDatabase;
  /**
   * Test-only fault injection: hold every tRPC mutation (a POST under /trpc/) this many ms before
   * it runs, so a browser test that does not wait for the write's outcome fails. 0 or absent: none.
   */
  writeDelayMs?: number;
}

/** Holds every tRPC mutation `ms` milliseconds before it is handled (queries are GETs and pass). */
export function delayWrites(app: FastifyInstance, ms: number): void {
  if (!Number.isInteger(ms) || ms < 0) {
    throw new RangeError(`writeDelayMs must be a non-negative integer of milliseconds (got ${ms})`);
  }
  if (ms === 0) return;
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' || !request.url.startsWith('/trpc/')) return;
    await new Promise((resolve) => setTimeout(resolve, ms));
  });
}

/** A real API on an isolated database (PGlite or PostgreSQL), listening on a free loopback port. */
export async function startTestServer(engine: Engine, options: TestServerOptions = {}): Promise<TestServer> {
  const shared = options.database;
  const database = shared ?? (await openTestDatabase(engine, schema));
  const services = createAppServices(database, {
    tokenSecret: 'e2e-token-secret-0123456789abcdefgh',
    cursorSecret: 'e2e-cursor-secret-0123',
    maxResponseRows: options.limits?.MAX_RESPONSE_ROWS,
    production: options.production,
    callerCacheMs: options.callerCacheMs,
    ...options.services,
  });
  const system = createSystemServices(database);
  const admin = options.admin ?? { email: 'admin@e2e.test', password: 'e2e-admin-password' };
  const { id } = await ensureAdmin(system, admin);
  if (options.seed && !shared) await seedDemo(system, { adminId: id });
  const app = await buildApp({
    config: {
      BODY_LIMIT: options.limits?.BODY_LIMIT ?? 1024 * 1024,
      MAX_BATCH_SIZE: options.limits?.MAX_BATCH_SIZE ?? 50,
      SIGNIN_RATE_LIMIT: options.limits?.SIGNIN_RATE_LIMIT ?? 1000,
      MAX_RESPONSE_BYTES: options.limits?.MAX_RESPONSE_BYTES ?? 8 * 1024 * 1024,
    },
    services,
  });
  delayWrites(app, options.writeDelayMs ?? 0);
  options.beforeListen?.(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    database,
    services,
    system,
    admin: { id, ...admin },
    async close() {
      await services.live?.stop();
      await app.close();
      if (!shared) await database.dispose();
    },
  };
}
