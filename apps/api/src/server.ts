import { join } from 'node:path';
import {
  createAppServices,
  type Database,
  memoryCacheStore,
  openDatabase,
  redisCacheStore,
} from '@typecrud/server';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { type PrepareOptions, prepareDatabase } from './prepare-database.js';
import { developmentSecret } from './secrets.js';

export interface Running {
  app: FastifyInstance;
  database: Database;
  url: string;
  /** Stops taking requests, lets in-flight ones finish, then closes the database. */
  stop(): Promise<void>;
}

/**
 * Opens the database (PGlite under DATA_DIR unless DATABASE_URL is set), migrates it to the latest
 * migration, seeds it when it was new, and listens.
 */
export async function startServer(
  config: Config,
  options: Omit<PrepareOptions, 'log'> = {},
): Promise<Running> {
  const logger = pino({
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', '*.password', '*.token'],
  });
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: join(config.DATA_DIR, 'pglite'),
    poolSize: config.DATABASE_POOL_SIZE,
    onIdleClientError: (err) =>
      logger.warn({ err }, 'an idle database connection failed; the pool replaces it'),
  });
  logger.info(
    { engine: database.engine, dataDir: database.engine === 'pglite' ? config.DATA_DIR : undefined },
    'database open',
  );
  const production = config.NODE_ENV === 'production';
  // in-process by default; Redis when configured, shared by every instance behind the balancer
  const cache = config.REDIS_URL
    ? redisCacheStore(config.REDIS_URL)
    : memoryCacheStore(config.CACHE_MAX_ENTRIES);
  const services = createAppServices(database, {
    cache,
    callerCacheMs: config.CALLER_CACHE_MS,
    tokenSecret: config.JWT_SECRET ?? developmentSecret(config.DATA_DIR, 'jwt-secret'),
    tokenTtlSeconds: config.JWT_TTL_SECONDS,
    cursorSecret: config.CURSOR_SECRET ?? developmentSecret(config.DATA_DIR, 'cursor-secret'),
    production,
  });
  try {
    await prepareDatabase(database, config, {
      ...options,
      log: (message, details) => logger.info(details ?? {}, message),
    });
  } catch (error) {
    await database.close();
    await cache.close();
    throw error;
  }
  const app = await buildApp({ config, services, logger });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app.close();
      await database.close();
      await cache.close();
    })();
    return stopping;
  };
  return { app, database, url: address, stop };
}

/** SIGTERM / SIGINT: finish in-flight requests, close the pool or PGlite, exit; forced after the timeout. */
export function stopOnSignals(running: Running, timeoutMs: number): void {
  const onSignal = (signal: NodeJS.Signals) => {
    running.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      running.app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    running.stop().then(
      () => process.exit(0),
      (err) => {
        running.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
