#!/usr/bin/env node
import { join, relative } from 'node:path';
import { schema } from '@typecrud/demo';
import {
  checkDrift,
  type Database,
  dropAllTables,
  generateMigration,
  MigrationError,
  migrateDown,
  migrateUp,
  migrationStatus,
  openDatabase,
  type Renames,
  withMigratedScratch,
} from '@typecrud/server';
import { Command, InvalidArgumentError } from 'commander';
import { type Config, ConfigError, loadConfig } from './config.js';
import { lockDataDir } from './data-lock.js';
import { assertReachable, databaseLocation, defaultMigrationsDir, seedDatabase } from './prepare-database.js';
import { startServer, stopOnSignals } from './server.js';

const print = (line = '') => console.log(line);
const shown = (path: string) => relative(process.cwd(), path) || '.';

/** Opens the configured database, checks that it answers, runs `fn`, closes it. */
async function withDatabase<T>(fn: (database: Database, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // refused while a server (or another command) has the embedded database open
  const unlock = config.DATABASE_URL ? () => {} : lockDataDir(config.DATA_DIR);
  try {
    const database = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: join(config.DATA_DIR, 'pglite'),
      poolSize: 2,
    });
    try {
      await assertReachable(database, config);
      return await fn(database, config);
    } finally {
      await database.close();
    }
  } finally {
    unlock();
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function pair(pattern: RegExp, example: string) {
  return (value: string, previous: [string, string][] = []): [string, string][] => {
    const m = pattern.exec(value.trim());
    if (!m) throw new InvalidArgumentError(`expected ${example}`);
    return [...previous, [m[1]!, m[2]!]];
  };
}

const program = new Command()
  .name('typecrud')
  .description(
    'The typecrud API: serve it, and manage its database.\n' +
      'The database is PGlite under DATA_DIR (default .data) unless DATABASE_URL is set.',
  )
  .option('--migrations <dir>', 'the migrations folder', defaultMigrationsDir)
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Examples:
  typecrud serve                              migrate, seed a new database, listen on HOST:PORT
  typecrud migrate status                     applied and pending migrations, and drift
  typecrud migrate generate add-membership    write a migration for what the definitions changed
  typecrud migrate generate rename-title --rename-column project.title=name
  typecrud migrate up --allow-destructive     apply migrations that drop or narrow columns
  typecrud migrate down 2                     revert the last two migrations

Exit codes: 0 done, 1 failed (the message says what happened; the schema stays at the last good
migration), 2 invalid configuration.`,
  );

const migrationsDir = () => program.opts<{ migrations: string }>().migrations;

program
  .command('serve')
  .description('Start the HTTP API: migrate to the latest migration, seed a new database, then listen')
  .option('--allow-destructive', 'apply pending migrations even when they have destructive steps')
  .action(async (options: { allowDestructive?: boolean }) => {
    const config = loadConfig();
    const running = await startServer(config, {
      migrationsDir: migrationsDir(),
      allowDestructive: options.allowDestructive ?? false,
    });
    stopOnSignals(running, config.SHUTDOWN_TIMEOUT_MS);
  });

const migrate = program
  .command('migrate')
  .description('Apply, revert, inspect and generate migrations (Kysely migrations, one transaction each)');

migrate
  .command('up')
  .description('Apply every pending migration in order, each in its own transaction')
  .option('--allow-destructive', 'apply migrations whose steps drop tables or columns or narrow types')
  .action((options: { allowDestructive?: boolean }) =>
    withDatabase(async (database) => {
      const result = await migrateUp(database.db, {
        dir: migrationsDir(),
        allowDestructive: options.allowDestructive ?? false,
      });
      for (const name of result.applied) print(`applied  ${name}`);
      print(
        result.applied.length === 0
          ? `already at the latest migration (${result.current ?? 'none'})`
          : `now at ${result.current}`,
      );
    }),
  );

migrate
  .command('down')
  .description('Revert the last n applied migrations (default 1), latest first, each in its own transaction')
  .argument('[n]', 'how many migrations to revert', positiveInt, 1)
  .option('--allow-destructive', 'revert migrations whose down() drops tables or columns or narrows types')
  .action((n: number, options: { allowDestructive?: boolean }) =>
    withDatabase(async (database) => {
      const result = await migrateDown(database.db, {
        dir: migrationsDir(),
        steps: n,
        allowDestructive: options.allowDestructive ?? false,
      });
      for (const name of result.reverted) print(`reverted ${name}`);
      if (result.reverted.length === 0) print('no migration to revert');
      print(`now at ${result.current ?? 'no migration (empty schema)'}`);
    }),
  );

migrate
  .command('status')
  .description('List applied and pending migrations, and whether the schema matches the entity definitions')
  .action(() =>
    withDatabase(async (database, config) => {
      const dir = migrationsDir();
      const status = await migrationStatus(database.db, dir);
      print(`database:   ${databaseLocation(config)}`);
      print(`migrations: ${shown(dir)}`);
      if (status.length === 0) print('  (none)');
      for (const m of status) {
        const when = m.executedAt ? `applied  ${m.executedAt.toISOString()}` : `pending  ${' '.repeat(24)}`;
        const flag = m.destructive.length > 0 ? `  [destructive: ${m.destructive.length} step(s)]` : '';
        print(`  ${when}  ${m.name}${flag}`);
      }
      const pending = status.filter((m) => !m.executedAt).length;
      print(`${status.length - pending} applied, ${pending} pending`);
      if (pending > 0) {
        print('run `migrate up` to apply the pending migrations');
        return;
      }
      const drift = await checkDrift(database.db, schema);
      if (drift.length === 0) {
        print('the schema matches the entity definitions');
        return;
      }
      print(`the schema differs from the entity definitions (${drift.length}):`);
      for (const d of drift) print(`  - ${d}`);
      print('run `migrate generate <name>` to write a migration for them');
    }),
  );

migrate
  .command('generate')
  .description(
    'Write a migration for the difference between the entity definitions and the schema the migrations produce\n' +
      '(an in-memory database with every migration applied, unless --against-database)',
  )
  .argument('<name>', 'short name of the change, e.g. add-membership')
  .option(
    '--rename-column <table.old=new>',
    'declare a renamed column (entity or table name; field or column names), repeatable',
    pair(/^([^=\s]+\.[^=\s]+)=([^=\s.]+)$/, 'table.oldColumn=newColumn'),
  )
  .option(
    '--rename-table <old=new>',
    'declare a renamed table (new: entity or table name), repeatable',
    pair(/^([^=\s.]+)=([^=\s.]+)$/, 'oldTable=newTable'),
  )
  .option('--empty', 'write the migration even when nothing differs (for a hand-written change)')
  .option('--against-database', 'compare with the configured database (at its latest migration) instead')
  .addHelpText(
    'after',
    '\nDestructive steps (drop table or column, narrowing a type) are written but flagged in the file;\n`migrate up` applies them only with --allow-destructive.',
  )
  .action(
    async (
      name: string,
      options: {
        renameColumn?: [string, string][];
        renameTable?: [string, string][];
        empty?: boolean;
        againstDatabase?: boolean;
      },
    ) => {
      const dir = migrationsDir();
      const renames: Renames = {
        tables: Object.fromEntries(options.renameTable ?? []),
        columns: Object.fromEntries(options.renameColumn ?? []),
      };
      const run = (db: Database['db']) =>
        generateMigration({ db, schema, dir, name, renames, allowEmpty: options.empty ?? false });
      const result = options.againstDatabase
        ? await withDatabase((database) => run(database.db))
        : await withMigratedScratch(dir, run);
      if (!result.path) {
        const compared = options.againstDatabase ? 'the database' : 'the schema the migrations produce';
        print(`nothing to generate: ${compared} already matches the entity definitions`);
        return;
      }
      print(
        `wrote ${shown(result.path)} (${result.changes.length} change${result.changes.length === 1 ? '' : 's'})`,
      );
      for (const c of result.changes) print(`  ${c.destructive ? '!' : '-'} ${c.description}`);
      const destructive = result.changes.filter((c) => c.destructive);
      if (destructive.length > 0) {
        print(
          `${destructive.length} destructive step(s), marked !: \`migrate up\` applies them only with --allow-destructive`,
        );
      }
      const warned = result.changes.filter((c) => c.warning);
      for (const c of warned) print(`note: ${c.description}: ${c.warning}`);
      print('review the file, then run `migrate up`');
    },
  );

program
  .command('seed')
  .description(
    'Insert the system rows (the first superadmin, ADMIN_EMAIL) and the demo data; running it again changes nothing',
  )
  .option('--no-demo', 'only the system rows (also when SEED_DEMO=false)')
  .action((options: { demo: boolean }) =>
    withDatabase(async (database, config) => {
      const pending = (await migrationStatus(database.db, migrationsDir())).filter((m) => !m.executedAt);
      if (pending.length > 0) {
        throw new MigrationError(
          'PENDING',
          `the database is not at the latest migration (${pending.length} pending); run \`migrate up\` first`,
          null,
        );
      }
      const result = await seedDatabase(database, config, { demo: options.demo && config.SEED_DEMO });
      print(
        result.adminCreated
          ? `created the superadmin ${config.ADMIN_EMAIL}`
          : `superadmin ${config.ADMIN_EMAIL} already exists`,
      );
      if (options.demo && config.SEED_DEMO)
        print(result.demoSeeded ? 'seeded the demo organizations' : 'demo data already present');
    }),
  );

program
  .command('reset')
  .description(
    'Development only: drop every table, apply every migration, seed; refused when NODE_ENV=production',
  )
  .option('--no-seed', 'leave the tables empty')
  .action((options: { seed: boolean }) => {
    if (loadConfig().NODE_ENV === 'production') {
      throw new Error(
        'reset drops every table and is for development only: refused because NODE_ENV=production',
      );
    }
    return withDatabase(async (database, config) => {
      const dropped = await dropAllTables(database.db);
      print(`dropped ${dropped.length} table(s) in ${databaseLocation(config)}`);
      const result = await migrateUp(database.db, { dir: migrationsDir(), allowDestructive: true });
      print(`applied ${result.applied.length} migration(s); now at ${result.current ?? 'none'}`);
      if (!options.seed) return;
      const seeded = await seedDatabase(database, config, { demo: config.SEED_DEMO });
      print(`seeded: superadmin ${config.ADMIN_EMAIL}${seeded.demoSeeded ? ', demo organizations' : ''}`);
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
