import { randomBytes } from 'node:crypto';
import type { AnySchema } from '@typecrud/shared';
import pg from 'pg';
import { createSchemaTables } from '../core/apply-schema.js';
import { type Database, type Engine, openDatabase } from '../core/database.js';

/** The engines a suite runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testEngines(): Engine[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase extends Database {
  /** Drops the isolated database (PostgreSQL) and closes the connection. */
  dispose(): Promise<void>;
  /** The connection string of the isolated database (PostgreSQL only). */
  readonly url?: string;
}

/**
 * An isolated, empty database: in-memory PGlite, or a fresh PostgreSQL database created next
 * to TEST_DATABASE_URL's and dropped on dispose. Tables are created from `schema` when given.
 */
export async function openTestDatabase(engine: Engine, schema?: AnySchema): Promise<TestDatabase> {
  let database: Database;
  let url: string | undefined;
  let drop = async () => {};
  if (engine === 'pglite') {
    database = await openDatabase({ dataDir: 'memory://' });
  } else {
    const admin = process.env.TEST_DATABASE_URL;
    if (!admin) throw new Error('TEST_DATABASE_URL is not set');
    const name = `typecrud_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const adminClient = new pg.Client({ connectionString: admin });
    await adminClient.connect();
    await adminClient.query(`create database "${name}"`);
    await adminClient.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    database = await openDatabase({ url, poolSize: 5 });
    drop = async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    };
  }
  if (schema) await createSchemaTables(database.db, schema);
  return {
    ...database,
    ...(url ? { url } : {}),
    async dispose() {
      await database.close();
      await drop();
    },
  };
}
