import { fileURLToPath } from 'node:url';
import { createSystemServices, ensureAdmin, seedDemo } from '@typecrud/demo/server';
import { type Database, migrateUp } from '@typecrud/server';
import { sql } from 'kysely';
import type { Config } from './config.js';

/** The committed migrations: apps/api/migrations, wherever the process was started from. */
export const defaultMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/** The database did not answer; the message says where it was looked for and why it failed. */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

/** Where the configured database is, for messages: the URL without its password, or the PGlite folder. */
export function databaseLocation(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): string {
  if (!config.DATABASE_URL) return `PGlite in ${config.DATA_DIR}/pglite`;
  try {
    const url = new URL(config.DATABASE_URL);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(reason).join('; ');
  const e = error as { message?: string; code?: string };
  return e.message || e.code || String(error);
}

/** Fails with a readable DatabaseUnreachableError unless the database answers `select 1`. */
export async function assertReachable(
  database: Database,
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>,
): Promise<void> {
  try {
    await sql`select 1`.execute(database.db);
  } catch (error) {
    throw new DatabaseUnreachableError(
      `cannot reach the database (${databaseLocation(config)}): ${reason(error)}`,
      { cause: error },
    );
  }
}

export interface SeedResult {
  readonly adminCreated: boolean;
  readonly demoSeeded: boolean;
}

/**
 * System rows (the first superadmin, ADMIN_EMAIL) then, when `demo`, the demo organizations.
 * Both steps look before they write, so running it again changes nothing.
 */
export async function seedDatabase(
  database: Database,
  config: Pick<Config, 'ADMIN_EMAIL' | 'ADMIN_PASSWORD' | 'NODE_ENV'>,
  options: { demo: boolean },
): Promise<SeedResult> {
  const system = createSystemServices(database, { production: config.NODE_ENV === 'production' });
  // loadConfig requires ADMIN_PASSWORD in production; the fallback is for development only.
  const admin = await ensureAdmin(system, {
    email: config.ADMIN_EMAIL,
    password: config.ADMIN_PASSWORD ?? 'admin-password',
  });
  const demoSeeded = options.demo ? await seedDemo(system, { adminId: admin.id }) : false;
  return { adminCreated: admin.created, demoSeeded };
}

export interface PrepareOptions {
  readonly migrationsDir?: string;
  readonly allowDestructive?: boolean;
  readonly log?: (message: string, details?: Record<string, unknown>) => void;
}

export interface PrepareResult {
  readonly applied: readonly string[];
  readonly current: string | null;
  readonly seeded: SeedResult | null;
}

/**
 * What `serve` does before it listens: migrate to the latest migration (each in its own
 * transaction), then seed when the database was new (no migration had been applied).
 */
export async function prepareDatabase(
  database: Database,
  config: Config,
  options: PrepareOptions = {},
): Promise<PrepareResult> {
  const log = options.log ?? (() => {});
  await assertReachable(database, config);
  const result = await migrateUp(database.db, {
    dir: options.migrationsDir ?? defaultMigrationsDir,
    allowDestructive: options.allowDestructive ?? false,
  });
  if (result.applied.length > 0)
    log('applied migrations', { applied: result.applied, current: result.current });
  if (!result.wasEmpty) return { ...result, seeded: null };
  const seeded = await seedDatabase(database, config, { demo: config.SEED_DEMO });
  if (seeded.adminCreated) log('created the first superadmin', { email: config.ADMIN_EMAIL });
  if (seeded.demoSeeded) log('seeded the demo organizations');
  return { applied: result.applied, current: result.current, seeded };
}
