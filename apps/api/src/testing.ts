import {
  type AppServices,
  createAppServices,
  createSystemServices,
  type Engine,
  ensureAdmin,
  seedDemo,
} from '@typecrud/server';
import { openTestDatabase, type TestDatabase } from '@typecrud/server/testing';
import { schema } from '@typecrud/shared';
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
  limits?: Partial<Pick<Config, 'BODY_LIMIT' | 'MAX_BATCH_SIZE' | 'SIGNIN_RATE_LIMIT'>>;
  /** Called with the app before it listens (add hooks here). */
  beforeListen?: (app: FastifyInstance) => void;
}

/** A real API on an isolated database (PGlite or PostgreSQL), listening on a free loopback port. */
export async function startTestServer(engine: Engine, options: TestServerOptions = {}): Promise<TestServer> {
  const database = await openTestDatabase(engine, schema);
  const services = createAppServices(database, {
    tokenSecret: 'e2e-token-secret-0123456789abcdefgh',
    cursorSecret: 'e2e-cursor-secret-0123',
  });
  const system = createSystemServices(database);
  const admin = { email: 'admin@e2e.test', password: 'e2e-admin-password' };
  const { id } = await ensureAdmin(system, admin);
  if (options.seed) await seedDemo(system, { adminId: id });
  const app = await buildApp({
    config: {
      BODY_LIMIT: options.limits?.BODY_LIMIT ?? 1024 * 1024,
      MAX_BATCH_SIZE: options.limits?.MAX_BATCH_SIZE ?? 50,
      SIGNIN_RATE_LIMIT: options.limits?.SIGNIN_RATE_LIMIT ?? 1000,
    },
    services,
  });
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
      await app.close();
      await database.dispose();
    },
  };
}
