import { join } from 'node:path';
import { createAppServices } from '@typecrud/demo/server';
import { type Database, memoryCacheStore, openDatabase, redisCacheStore } from '@typecrud/server';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { lockDataDir } from './data-lock.js';
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
 * pino: JSON lines in production and tests (for the log collector), human lines through
 * pino-pretty's transport in development; LOG_FORMAT overrides either way.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'>) {
  const format = config.LOG_FORMAT ?? (config.NODE_ENV === 'development' ? 'pretty' : 'json');
  return pino({
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', '*.password', '*.token'],
    ...(format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}

/**
 * Opens the database (PGlite under DATA_DIR unless DATABASE_URL is set), migrates it to the latest
 * migration, seeds it when it was new, and listens.
 */
export async function startServer(
  config: Config,
  options: Omit<PrepareOptions, 'log'> = {},
): Promise<Running> {
  const logger = createLogger(config);
  // PGlite is one process's: a second one on the folder would abort, so it is refused up front.
  const unlock = config.DATABASE_URL ? () => {} : lockDataDir(config.DATA_DIR);
  let database: Database;
  try {
    database = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: join(config.DATA_DIR, 'pglite'),
      poolSize: config.DATABASE_POOL_SIZE,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      onIdleClientError: (err) =>
        logger.warn({ err }, 'an idle database connection failed; the pool replaces it'),
    });
  } catch (error) {
    unlock();
    throw error;
  }
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
    // a cached caller is checked against the cache's generations: those must be shared by every
    // instance (Redis), or there is only one (PGlite); otherwise every request asks the database
    callerCacheMs: config.REDIS_URL || database.engine === 'pglite' ? config.CALLER_CACHE_MS : 0,
    tokenSecret: config.JWT_SECRET ?? developmentSecret(config.DATA_DIR, 'jwt-secret'),
    tokenTtlSeconds: config.JWT_TTL_SECONDS,
    refreshTtlSeconds: config.REFRESH_TTL_SECONDS,
    cursorSecret: config.CURSOR_SECRET ?? developmentSecret(config.DATA_DIR, 'cursor-secret'),
    production,
    maxResponseRows: config.MAX_RESPONSE_ROWS,
    live: {
      retentionSeconds: config.EVENTS_RETENTION_SECONDS,
      retentionEvents: config.EVENTS_RETENTION_COUNT,
      maxSubscriptions: config.MAX_SUBSCRIPTIONS,
      maxSubscriptionsPerCaller: config.MAX_SUBSCRIPTIONS_PER_CALLER,
      idleTimeoutMs: config.SUBSCRIPTION_IDLE_TIMEOUT_MS,
    },
  });
  try {
    await prepareDatabase(database, config, {
      ...options,
      log: (message, details) => logger.info(details ?? {}, message),
    });
  } catch (error) {
    await database.close();
    await cache.close();
    unlock();
    throw error;
  }
  // change events: other instances' writes reach this one's subscribers and invalidate its cache
  await services.live?.start();
  const app = await buildApp({ config, services, logger });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // open subscriptions end first (clients resume with lastEventId), then in-flight requests finish
      await services.live?.stop();
      await app.close();
      await database.close();
      await cache.close();
      unlock();
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
