import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Executor } from '../transaction.js';
import { migrationTables } from './introspection.js';

/** A migration module: Kysely's `up` / `down`, and the steps flagged as able to lose data. */
export interface MigrationFile {
  readonly name: string;
  readonly path: string;
  readonly up: (db: Kysely<unknown>) => Promise<void>;
  readonly down?: (db: Kysely<unknown>) => Promise<void>;
  /** Steps of `up` that can lose data; applying them needs `allowDestructive`. */
  readonly destructive: readonly string[];
  /** Steps of `down` that can lose data; reverting needs `allowDestructive`. */
  readonly destructiveDown: readonly string[];
}

export interface MigrationState {
  readonly name: string;
  /** When it was applied; absent while pending. */
  readonly executedAt?: Date;
  readonly destructive: readonly string[];
  readonly destructiveDown: readonly string[];
}

export type MigrationErrorCode = 'FAILED' | 'DESTRUCTIVE' | 'UNTRACKED_TABLES' | 'PENDING' | 'INVALID';

/** Why a migration command stopped; the schema is at `current` (the last good migration). */
export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    /** The last applied migration after the command; null when none is. */
    readonly current: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const migrationFile = /^(?!.*\.d\.ts$)(?!.*\.test\.[cm]?[jt]s$).+\.(?:[cm]?ts|[cm]?js)$/;

/**
 * Imports every migration module of `dir` (TypeScript under tsx or vitest, or JavaScript), sorted by
 * name; the name is the file name without its extension.
 */
export async function loadMigrations(dir: string): Promise<MigrationFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const files = entries.filter((f) => migrationFile.test(f)).sort();
  const out: MigrationFile[] = [];
  for (const file of files) {
    const path = resolve(join(dir, file));
    const name = file.replace(/\.[cm]?[jt]s$/, '');
    const mod = (await import(pathToFileURL(path).href)) as Partial<MigrationFile>;
    if (typeof mod.up !== 'function') {
      throw new MigrationError(
        'INVALID',
        `migration ${name} (${path}) does not export an up(db) function`,
        null,
      );
    }
    if (out.some((m) => m.name === name))
      throw new MigrationError('INVALID', `two migration files are named ${name}`, null);
    out.push({
      name,
      path,
      up: mod.up,
      ...(typeof mod.down === 'function' ? { down: mod.down } : {}),
      destructive: Array.isArray(mod.destructive) ? mod.destructive : [],
      destructiveDown: Array.isArray(mod.destructiveDown) ? mod.destructiveDown : [],
    });
  }
  return out;
}

function migratorFor(db: Executor, migrations: readonly MigrationFile[]): Migrator {
  const byName: Record<string, Migration> = {};
  for (const m of migrations) byName[m.name] = { up: m.up, ...(m.down ? { down: m.down } : {}) };
  return new Migrator({ db, provider: { getMigrations: async () => byName } });
}

/** Every migration of `dir` with when it was applied; applied ones first, in order. */
export async function migrationStatus(db: Executor, dir: string): Promise<MigrationState[]> {
  const migrations = await loadMigrations(dir);
  return stateOf(db, migrations);
}

async function stateOf(db: Executor, migrations: readonly MigrationFile[]): Promise<MigrationState[]> {
  const applied = await appliedMigrations(db);
  const known = new Set(migrations.map((m) => m.name));
  const missing = [...applied.keys()].filter((n) => !known.has(n));
  if (missing.length > 0) {
    throw new MigrationError(
      'INVALID',
      `the database has applied migrations that are not in the migrations folder: ${missing.join(', ')}`,
      lastOf([...applied.keys()]),
    );
  }
  return migrations.map((m) => {
    const executedAt = applied.get(m.name);
    return {
      name: m.name,
      ...(executedAt ? { executedAt } : {}),
      destructive: m.destructive,
      destructiveDown: m.destructiveDown,
    };
  });
}

/** Applied migration names, in the order they were applied, with when. */
async function appliedMigrations(db: Executor): Promise<Map<string, Date>> {
  const { rows } = await sql<{
    exists: boolean;
  }>`select to_regclass(${migrationTables[0]}) is not null as exists`.execute(db);
  if (!rows[0]?.exists) return new Map();
  const applied = await sql<{ name: string; timestamp: string }>`
    select name, timestamp from ${sql.table(migrationTables[0])} order by timestamp, name`.execute(db);
  return new Map(applied.rows.map((r) => [r.name, new Date(r.timestamp)]));
}

const lastOf = (names: readonly string[]) => names.at(-1) ?? null;

export interface MigrateOptions {
  readonly dir: string;
  /** Apply (or revert) migrations whose steps are flagged destructive. */
  readonly allowDestructive?: boolean;
}

export interface MigrateUpResult {
  /** The migrations applied now, in order. */
  readonly applied: readonly string[];
  /** The last applied migration. */
  readonly current: string | null;
  /** True when this call applied the first migration: the database was new (time to seed). */
  readonly wasEmpty: boolean;
}

/**
 * Applies every pending migration in order, each in its own transaction (with Kysely's migration
 * lock), so a failure leaves the schema at the last good migration. Refuses, before applying
 * anything, when a pending migration is flagged destructive and `allowDestructive` is not set
 * (except on a new database, where no migration was applied yet and nothing can be lost).
 */
export async function migrateUp(db: Executor, options: MigrateOptions): Promise<MigrateUpResult> {
  const migrations = await loadMigrations(options.dir);
  const before = await stateOf(db, migrations);
  const done = before.filter((m) => m.executedAt).map((m) => m.name);
  const pending = before.filter((m) => !m.executedAt);
  const current = lastOf(done);
  if (done.length === 0 && pending.length > 0) {
    const tables = await userTables(db);
    // Tables and their history row commit together: history found now means another process
    // (a second instance starting) migrated meanwhile, and Kysely's lock takes it from here.
    if (tables.length > 0 && (await appliedMigrations(db)).size === 0) {
      throw new MigrationError(
        'UNTRACKED_TABLES',
        `the database already has tables (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}) but no migration history, so the first migration cannot apply; in development run \`reset\`, otherwise create the history by hand`,
        null,
      );
    }
  }
  // A database with no migration applied holds no data to lose, so a new one migrates straight through.
  const flagged = done.length === 0 ? [] : pending.filter((m) => m.destructive.length > 0);
  if (flagged.length > 0 && !options.allowDestructive) {
    const steps = flagged.flatMap((m) => m.destructive.map((s) => `  ${m.name}: ${s}`));
    throw new MigrationError(
      'DESTRUCTIVE',
      `nothing applied: pending migrations have destructive steps:\n${steps.join('\n')}\nreview them, back up the data, then apply with --allow-destructive`,
      current,
    );
  }
  const migrator = migratorFor(db, migrations);
  const applied: string[] = [];
  for (const m of pending) {
    const result = await migrator.migrateUp();
    failOn(result, 'Up', applied.length > 0 ? lastOf(applied) : current, m.name);
    const names = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    applied.push(...names);
    if (names.length === 0) break;
  }
  // Only the process that applied the first migration reports a new database (and seeds it).
  const first = migrations[0]?.name;
  const now = await appliedMigrations(db);
  return { applied, current: lastOf([...now.keys()]), wasEmpty: first !== undefined && applied[0] === first };
}

export interface MigrateDownOptions extends MigrateOptions {
  /** How many applied migrations to revert, latest first (default 1). */
  readonly steps?: number;
}

export interface MigrateDownResult {
  /** The migrations reverted now, latest first. */
  readonly reverted: readonly string[];
  readonly current: string | null;
}

/**
 * Reverts the last `steps` applied migrations, latest first, each in its own transaction.
 * Refuses, before reverting anything, when one of their `down` steps is flagged destructive
 * (dropping a table the migration created loses its rows) and `allowDestructive` is not set.
 */
export async function migrateDown(db: Executor, options: MigrateDownOptions): Promise<MigrateDownResult> {
  const steps = options.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1)
    throw new MigrationError('INVALID', `steps must be a positive integer (got ${steps})`, null);
  const migrations = await loadMigrations(options.dir);
  const state = await stateOf(db, migrations);
  const done = state.filter((m) => m.executedAt);
  const targets = done.slice(-steps).reverse();
  let current = lastOf(done.map((m) => m.name));
  const noDown = targets.filter((t) => !migrations.find((m) => m.name === t.name)?.down);
  if (noDown.length > 0) {
    throw new MigrationError(
      'INVALID',
      `nothing reverted: ${noDown.map((m) => m.name).join(', ')} has no down()`,
      current,
    );
  }
  const flagged = targets.filter((m) => m.destructiveDown.length > 0);
  if (flagged.length > 0 && !options.allowDestructive) {
    const lines = flagged.flatMap((m) => m.destructiveDown.map((s) => `  ${m.name}: ${s}`));
    throw new MigrationError(
      'DESTRUCTIVE',
      `nothing reverted: reverting loses data:\n${lines.join('\n')}\nback up the data, then revert with --allow-destructive`,
      current,
    );
  }
  const migrator = migratorFor(db, migrations);
  const reverted: string[] = [];
  for (const t of targets) {
    const result = await migrator.migrateDown();
    failOn(result, 'Down', current, t.name);
    reverted.push(t.name);
    current = lastOf(done.slice(0, done.length - reverted.length).map((m) => m.name));
  }
  return { reverted, current };
}

function failOn(
  result: MigrationResultSet,
  direction: 'Up' | 'Down',
  current: string | null,
  expected: string,
): void {
  if (!result.error) return;
  const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? expected;
  const cause = result.error instanceof Error ? result.error.message : String(result.error);
  const verb = direction === 'Up' ? 'applying' : 'reverting';
  throw new MigrationError(
    'FAILED',
    `${verb} migration ${failed} failed: ${cause}\nits transaction was rolled back; the schema is at ${current ?? 'no migration (empty)'}`,
    current,
    { cause: result.error },
  );
}

/** The tables of the current schema, migration history excluded. */
async function userTables(db: Executor): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and c.relkind in ('r', 'p')
    order by c.relname`.execute(db);
  return rows.map((r) => r.name).filter((n) => !(migrationTables as readonly string[]).includes(n));
}

/**
 * Drops every table of the current schema, migration history included (development `reset`),
 * in one transaction.
 */
export async function dropAllTables(db: Executor): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ name: string }>`
      select c.relname as name from pg_class c
      where c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and c.relkind in ('r', 'p')
      order by c.relname`.execute(trx);
    const names = rows.map((r) => r.name);
    if (names.length > 0)
      await sql`drop table ${sql.join(names.map((n) => sql.table(n)))} cascade`.execute(trx);
    return names;
  });
}
