import { join } from 'node:path';
import { createSchemaTables, createServices, type Database, openDatabase, seedDemo } from '@typecrud/server';
import { schema } from '@typecrud/shared';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';

export interface Running {
  app: FastifyInstance;
  database: Database;
  url: string;
  /** Stops taking requests, lets in-flight ones finish, then closes the database. */
  stop(): Promise<void>;
}

/** Opens the database (PGlite under DATA_DIR unless DATABASE_URL is set), prepares it and listens. */
export async function startServer(config: Config): Promise<Running> {
  const logger = pino({ level: config.LOG_LEVEL, redact: ['req.headers.authorization', '*.password', '*.token'] });
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: join(config.DATA_DIR, 'pglite'),
    poolSize: config.DATABASE_POOL_SIZE,
  });
  logger.info({ engine: database.engine, dataDir: database.engine === 'pglite' ? config.DATA_DIR : undefined }, 'database open');
  const services = createServices(schema, database, { cursorSecret: config.CURSOR_SECRET, production: config.NODE_ENV === 'production' });
  if (await createSchemaTables(database.db, schema)) {
    logger.info('created the tables of a new database');
    if (config.SEED_DEMO && (await seedDemo(services))) logger.info('seeded the demo organization');
  }
  const app = await buildApp({ config, services, logger });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app.close();
      await database.close();
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
