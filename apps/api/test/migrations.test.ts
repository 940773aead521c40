import { schema } from '@typecrud/demo';
import {
  checkDrift,
  dropAllTables,
  introspectSchema,
  loadMigrations,
  migrateDown,
  migrateUp,
  migrationStatus,
} from '@typecrud/server';
import { openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { defaultMigrationsDir as dir, prepareDatabase, seedDatabase } from '../src/prepare-database.js';

const config = loadConfig({
  NODE_ENV: 'test',
  ADMIN_EMAIL: 'root@acme.test',
  ADMIN_PASSWORD: 'root-password',
});

/** Every row of every table, in primary key order: equal snapshots mean nothing changed. */
async function snapshot(database: TestDatabase): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const t of await introspectSchema(database.db)) {
    const order = sql.join(t.primaryKey.columns.map((c) => sql.ref(c)));
    const { rows } = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(t.name)} order by ${order}`.execute(database.db);
    out[t.name] = rows;
  }
  return JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

describe.each(testEngines())('committed migrations on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
  });
  beforeEach(async () => {
    await dropAllTables(database.db);
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it('produce exactly the schema the entity definitions describe (drift check)', async () => {
    const result = await migrateUp(database.db, { dir });
    expect(result.applied.length).toBeGreaterThan(0);
    const drift = await checkDrift(database.db, schema);
    expect(
      drift,
      `the entity definitions and the migrated schema differ; run \`pnpm migrate generate <name>\` and commit the file:\n  ${drift.join('\n  ')}`,
    ).toEqual([]);
  });

  it('all revert: down to an empty schema, then up again to the same schema', async () => {
    await migrateUp(database.db, { dir });
    const migrated = await introspectSchema(database.db);
    const all = (await loadMigrations(dir)).length;
    const down = await migrateDown(database.db, { dir, steps: all, allowDestructive: true });
    expect(down.reverted).toHaveLength(all);
    expect(down.current).toBeNull();
    expect(await introspectSchema(database.db)).toEqual([]);
    await migrateUp(database.db, { dir });
    expect(await introspectSchema(database.db)).toEqual(migrated);
  });

  it('the latest migration reverts and re-applies over seeded data', async () => {
    await prepareDatabase(database, config);
    const before = await introspectSchema(database.db);
    const status = await migrationStatus(database.db, dir);
    await migrateDown(database.db, { dir, allowDestructive: true });
    expect((await migrationStatus(database.db, dir)).filter((m) => m.executedAt)).toHaveLength(
      status.length - 1,
    );
    await migrateUp(database.db, { dir, allowDestructive: true });
    expect(await introspectSchema(database.db)).toEqual(before);
    expect(await checkDrift(database.db, schema)).toEqual([]);
  });

  it('prepare (what serve does) migrates and seeds a new database once; seeding again changes nothing', async () => {
    const first = await prepareDatabase(database, config);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.seeded).toEqual({ adminCreated: true, demoSeeded: true });
    const { rows } = await sql<{
      role: string;
    }>`select role from app_user where email = 'root@acme.test'`.execute(database.db);
    expect(rows).toEqual([{ role: 'superadmin' }]);

    const seeded = await snapshot(database);
    expect(await seedDatabase(database, config, { demo: true })).toEqual({
      adminCreated: false,
      demoSeeded: false,
    });
    expect(await snapshot(database)).toBe(seeded);

    const again = await prepareDatabase(database, config);
    expect(again).toMatchObject({ applied: [], seeded: null });
    expect(await snapshot(database)).toBe(seeded);
  });
});
