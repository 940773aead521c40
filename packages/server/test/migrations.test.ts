import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { belongsTo, defineEntity, defineSchema, f, hasMany, manyToMany } from '@typecrud/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSchemaTables } from '../src/core/apply-schema.js';
import { openDatabase } from '../src/core/database.js';
import {
  checkDrift,
  dropAllTables,
  generateMigration,
  introspectSchema,
  isNarrowing,
  loadMigrations,
  MigrationError,
  migrateDown,
  migrateUp,
  migrationStatus,
  normalizeCheck,
  normalizeDefault,
} from '../src/core/migrations/index.js';
import { openTestDatabase, type TestDatabase, testEngines } from '../src/testing/index.js';

// ---------------------------------------------------------------------------------------------
// A small schema and the variants a team would make of it, defined with the DSL as a domain is.

const account = defineEntity({
  name: 'account',
  traits: ['timestamps', 'version'],
  fields: {
    email: f.email().unique(),
    name: f.string({ max: 100 }),
    role: f.enum(['owner', 'member'] as const).default('member'),
  },
});

const team = defineEntity({
  name: 'team',
  traits: ['timestamps', 'audit', 'properties', 'archive'],
  fields: { name: f.string({ max: 120 }), slug: f.string({ max: 64 }).unique() },
  relations: { items: hasMany('item', 'teamId') },
});

/** Quotes, a backtick, `${` and a backslash: the generated file must carry them through unchanged. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the point is a literal `${` in the text
const itemDescription = "A team's `item`, ${not a placeholder}, a back\\slash.";

const itemV1 = defineEntity({
  name: 'item',
  description: itemDescription,
  traits: ['timestamps', 'version'],
  fields: {
    teamId: f.ref('team', { onDelete: 'cascade' }),
    title: f.string({ max: 200 }),
    qty: f.int().default(0),
    price: f.numeric(10, 2).nullable(),
  },
  uniques: [['teamId', 'title']],
  relations: { team: belongsTo('team', 'teamId') },
});

const v1 = defineSchema({ account, team, item: itemV1 }, { principal: 'account' });

/** Added column, nullability, default, index, unique, FK onDelete, a new table and a join table. */
const itemV2 = defineEntity({
  name: 'item',
  description: itemDescription,
  traits: ['timestamps', 'version'],
  fields: {
    teamId: f.ref('team', { onDelete: 'restrict' }),
    title: f.string({ max: 200 }).index(),
    qty: f.int().nullable().default(1),
    price: f.numeric(10, 2).nullable(),
    note: f.text().nullable().describe('Free text'),
  },
  uniques: [['teamId', 'title']],
  relations: { team: belongsTo('team', 'teamId'), labels: manyToMany('label') },
});
const label = defineEntity({
  name: 'label',
  traits: ['timestamps'],
  fields: { text: f.string({ max: 40 }).unique(), color: f.enum(['red', 'blue'] as const).default('red') },
  relations: { items: manyToMany('item') },
});
const teamV2 = defineEntity({
  name: 'team',
  traits: ['timestamps', 'audit', 'properties', 'archive'],
  fields: { name: f.string({ max: 120 }).unique(), slug: f.string({ max: 64 }).unique() },
  relations: { items: hasMany('item', 'teamId') },
});
const v2 = defineSchema({ account, team: teamV2, item: itemV2, label }, { principal: 'account' });

/** Destructive: `price` dropped, `title` narrowed from varchar(200) to varchar(50). */
const itemV3 = defineEntity({
  name: 'item',
  description: itemDescription,
  traits: ['timestamps', 'version'],
  fields: {
    teamId: f.ref('team', { onDelete: 'restrict' }),
    title: f.string({ max: 50 }).index(),
    qty: f.int().nullable().default(1),
    note: f.text().nullable().describe('Free text'),
  },
  uniques: [['teamId', 'title']],
  relations: { team: belongsTo('team', 'teamId'), labels: manyToMany('label') },
});
const v3 = defineSchema({ account, team: teamV2, item: itemV3, label }, { principal: 'account' });

/** `title` renamed to `headline` (declared), so its unique and index follow it. */
const itemV4 = defineEntity({
  name: 'item',
  description: itemDescription,
  traits: ['timestamps', 'version'],
  fields: {
    teamId: f.ref('team', { onDelete: 'restrict' }),
    headline: f.string({ max: 50 }).index(),
    qty: f.int().nullable().default(1),
    note: f.text().nullable().describe('Free text'),
  },
  uniques: [['teamId', 'headline']],
  relations: { team: belongsTo('team', 'teamId'), labels: manyToMany('label') },
});
const v4 = defineSchema({ account, team: teamV2, item: itemV4, label }, { principal: 'account' });

// ---------------------------------------------------------------------------------------------

const kyselyDir = fileURLToPath(new URL('../node_modules/kysely', import.meta.url));
const tempDirs: string[] = [];

/** A migrations folder outside the repository that still resolves `kysely` (the generated files import it). */
function migrationsDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'typecrud-migrations-'));
  tempDirs.push(root);
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(kyselyDir, join(root, 'node_modules', 'kysely'), 'dir');
  const dir = join(root, 'migrations');
  mkdirSync(dir);
  return dir;
}

afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

const names = (changes: readonly { description: string }[]) => changes.map((c) => c.description);

describe('normalizing what PostgreSQL reports', () => {
  it('reads defaults and checks in the form the definitions write them', () => {
    expect(normalizeDefault("'member'::text", 'text')).toBe("'member'");
    expect(normalizeDefault("'UTC'::character varying", 'varchar(64)')).toBe("'UTC'");
    expect(normalizeDefault("'-3'::integer", 'bigint')).toBe('-3');
    expect(normalizeDefault("'it''s'::text", 'text')).toBe("'it''s'");
    expect(normalizeDefault('now()', 'timestamptz')).toBe('now()');
    expect(normalizeCheck("CHECK ((role = ANY (ARRAY['admin'::text, 'member'::text])))")).toBe(
      `"role" in ('admin', 'member')`,
    );
    expect(normalizeCheck(`"role" in ('admin', 'member')`)).toBe(`"role" in ('admin', 'member')`);
  });

  it('knows which type changes can lose values', () => {
    expect(isNarrowing('varchar(200)', 'varchar(50)')).toBe(true);
    expect(isNarrowing('varchar(50)', 'varchar(200)')).toBe(false);
    expect(isNarrowing('varchar(50)', 'text')).toBe(false);
    expect(isNarrowing('text', 'varchar(50)')).toBe(true);
    expect(isNarrowing('integer', 'bigint')).toBe(false);
    expect(isNarrowing('bigint', 'integer')).toBe(true);
    expect(isNarrowing('numeric(10,2)', 'numeric(12,2)')).toBe(false);
    expect(isNarrowing('numeric(12,2)', 'numeric(12,4)')).toBe(true);
    expect(isNarrowing('text', 'jsonb')).toBe(true);
  });
});

describe.each(testEngines())('migrations on %s', (engine) => {
  // One database per engine (opening PGlite is the slow part); each test starts from an empty schema.
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

  it('generates the initial migration, and after a changed definition the difference; applied, no drift', async () => {
    const dir = migrationsDir();
    const db = database.db;
    const first = await generateMigration({ db, schema: v1, dir, name: 'initial' });
    expect(first.path).toMatch(/\d{14}_initial\.ts$/);
    expect(await checkDrift(db, v1)).not.toEqual([]);
    expect(await migrateUp(db, { dir })).toMatchObject({ applied: [first.name], wasEmpty: true });
    expect(await checkDrift(db, v1)).toEqual([]);

    // Nothing differs: no file.
    expect(await generateMigration({ db, schema: v1, dir, name: 'noop' })).toMatchObject({
      path: null,
      changes: [],
    });

    const second = await generateMigration({ db, schema: v2, dir, name: 'labels and notes' });
    expect(second.name).toMatch(/_labels_and_notes$/);
    expect(names(second.changes)).toEqual(
      expect.arrayContaining([
        'item: add column "note" text',
        'team: add unique team_name_key (name)',
        'item: make "qty" nullable',
        'item: set the default of "qty" to 1',
        'item: add index item_title_idx (title)',
        'item: drop foreign key item_team_id_fkey (team_id -> team, on delete cascade)',
        'item: add foreign key item_team_id_fkey (team_id -> team, on delete restrict)',
        'label: create table',
        'item_label: create table',
        'item_label: add foreign key item_label_item_id_fkey (item_id -> item, on delete cascade)',
      ]),
    );
    const source = readFileSync(second.path!, 'utf8');
    expect(source).toContain('export const destructive: string[] = [];');
    expect(source).toContain(`comment on column "item"."note" is 'Free text'`);
    const drift = await checkDrift(db, v2);
    expect(drift).toContain('label: create table');

    expect((await migrateUp(db, { dir })).applied).toEqual([second.name]);
    expect(await checkDrift(db, v2)).toEqual([]);
    const status = await migrationStatus(db, dir);
    expect(status.map((m) => [m.name, m.executedAt instanceof Date])).toEqual([
      [first.name, true],
      [second.name, true],
    ]);
  });

  it('up then down returns to the same schema, compared by introspection', async () => {
    const dir = migrationsDir();
    const db = database.db;
    await generateMigration({ db, schema: v1, dir, name: 'initial' });
    await migrateUp(db, { dir });
    const before = await introspectSchema(db);
    await generateMigration({ db, schema: v2, dir, name: 'v2' });
    await migrateUp(db, { dir });
    expect(await introspectSchema(db)).not.toEqual(before);

    // Reverting drops the tables v2 created: refused without the flag, and nothing is reverted.
    const refused = await migrateDown(db, { dir }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MigrationError);
    expect((refused as MigrationError).code).toBe('DESTRUCTIVE');
    expect(await checkDrift(db, v2)).toEqual([]);

    await migrateDown(db, { dir, allowDestructive: true });
    expect(await introspectSchema(db)).toEqual(before);
    expect(await checkDrift(db, v1)).toEqual([]);

    const all = await migrateDown(db, { dir, steps: 5, allowDestructive: true });
    expect(all.current).toBeNull();
    expect(await introspectSchema(db)).toEqual([]);
    await migrateUp(db, { dir });
    expect(await checkDrift(db, v2)).toEqual([]);
  });

  it('flags dropping and narrowing as destructive and refuses them without the flag', async () => {
    const dir = migrationsDir();
    const db = database.db;
    await generateMigration({ db, schema: v2, dir, name: 'initial' });
    await migrateUp(db, { dir });
    const team = await sql<{
      id: string;
    }>`insert into team (name, slug) values ('T', 't') returning id`.execute(db);
    await sql`insert into item (team_id, title, price) values (${team.rows[0]!.id}, 'short', 9.5)`.execute(
      db,
    );

    const gen = await generateMigration({ db, schema: v3, dir, name: 'drop price' });
    const source = readFileSync(gen.path!, 'utf8');
    expect(source).toContain('// DESTRUCTIVE: drop column "item"."price" (its data is lost)');
    expect(source).toContain('narrow "item"."title" from varchar(200) to varchar(50)');
    const before = await introspectSchema(db);

    const refused = await migrateUp(db, { dir }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MigrationError);
    expect((refused as MigrationError).code).toBe('DESTRUCTIVE');
    expect((refused as Error).message).toContain('drop column "item"."price"');
    expect((refused as Error).message).toContain('narrow "item"."title" from varchar(200) to varchar(50)');
    expect(await introspectSchema(db)).toEqual(before);
    expect((await migrationStatus(db, dir)).at(-1)?.executedAt).toBeUndefined();

    await migrateUp(db, { dir, allowDestructive: true });
    expect(await checkDrift(db, v3)).toEqual([]);
    const rows = await sql<{ title: string }>`select title from item`.execute(db);
    expect(rows.rows).toEqual([{ title: 'short' }]);

    // A new database has no data to lose: it migrates straight through without the flag.
    await dropAllTables(db);
    expect((await migrateUp(db, { dir })).applied).toHaveLength(2);
    expect(await checkDrift(db, v3)).toEqual([]);
  });

  it('turns a declared rename into RENAME and keeps the data', async () => {
    const dir = migrationsDir();
    const db = database.db;
    await generateMigration({ db, schema: v3, dir, name: 'initial' });
    await migrateUp(db, { dir });
    const team = await sql<{
      id: string;
    }>`insert into team (name, slug) values ('T', 't') returning id`.execute(db);
    await sql`insert into item (team_id, title) values (${team.rows[0]!.id}, 'kept')`.execute(db);

    const undeclared = await generateMigration({ db, schema: v4, dir, name: 'undeclared' });
    expect(names(undeclared.changes)).toContain('item: drop column "title"');
    rmSync(undeclared.path!);
    await expect(
      generateMigration({
        db,
        schema: v4,
        dir,
        name: 'bad',
        renames: { columns: { 'item.nope': 'headline' } },
      }),
    ).rejects.toThrow('the database table "item" has no column "nope"');

    const gen = await generateMigration({
      db,
      schema: v4,
      dir,
      name: 'headline',
      renames: { columns: { 'item.title': 'headline' } },
    });
    expect(names(gen.changes)).toEqual([
      'item: rename column "title" to "headline"',
      'item: rename unique item_team_id_title_key to item_team_id_headline_key',
      'item: rename index item_title_idx to item_headline_idx',
    ]);
    expect(gen.changes.some((c) => c.destructive)).toBe(false);
    await migrateUp(db, { dir });
    expect(await checkDrift(db, v4)).toEqual([]);
    expect((await sql<{ headline: string }>`select headline from item`.execute(db)).rows).toEqual([
      { headline: 'kept' },
    ]);
    await migrateDown(db, { dir });
    expect(await checkDrift(db, v3)).toEqual([]);
  });

  it('a migration that fails halfway leaves nothing of it applied; the history stays at the last good one', async () => {
    const dir = migrationsDir();
    const db = database.db;
    const first = await generateMigration({ db, schema: v1, dir, name: 'initial' });
    writeFileSync(
      join(dir, `29990101000000_good.ts`),
      `import { type Kysely, sql } from 'kysely';
export async function up(db: Kysely<unknown>) { await sql\`create table good_one (id int primary key)\`.execute(db); }
export async function down(db: Kysely<unknown>) { await sql\`drop table good_one\`.execute(db); }
`,
    );
    writeFileSync(
      join(dir, `29990102000000_bad.ts`),
      `import { type Kysely, sql } from 'kysely';
export async function up(db: Kysely<unknown>) {
  await sql\`create table half_done (id int primary key)\`.execute(db);
  await sql\`alter table item add column extra text\`.execute(db);
  await sql\`select 1 / 0\`.execute(db);
}
export async function down(db: Kysely<unknown>) { await sql\`drop table half_done\`.execute(db); }
`,
    );
    const error = await migrateUp(db, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('FAILED');
    expect((error as MigrationError).current).toBe('29990101000000_good');
    expect((error as Error).message).toContain(
      'applying migration 29990102000000_bad failed: division by zero',
    );
    expect((error as Error).message).toContain('the schema is at 29990101000000_good');

    const tables = (await introspectSchema(db)).map((t) => t.name);
    expect(tables).toContain('good_one');
    expect(tables).not.toContain('half_done');
    expect(
      (await introspectSchema(db)).find((t) => t.name === 'item')?.columns.map((c) => c.name),
    ).not.toContain('extra');
    const status = await migrationStatus(db, dir);
    expect(status.map((m) => [m.name, Boolean(m.executedAt)])).toEqual([
      [first.name, true],
      ['29990101000000_good', true],
      ['29990102000000_bad', false],
    ]);
  });

  it.skipIf(engine !== 'postgres')(
    'two instances starting at once: one migrates and seeds, the other waits',
    async () => {
      const dir = migrationsDir();
      await generateMigration({ db: database.db, schema: v1, dir, name: 'initial' });
      await migrateUp(database.db, { dir });
      await generateMigration({ db: database.db, schema: v2, dir, name: 'v2' });
      await dropAllTables(database.db);
      const a = await openDatabase({ url: database.url! });
      const b = await openDatabase({ url: database.url! });
      try {
        const results = await Promise.all([migrateUp(a.db, { dir }), migrateUp(b.db, { dir })]);
        expect(results.filter((r) => r.wasEmpty)).toHaveLength(1);
        expect(results.flatMap((r) => r.applied).sort()).toEqual(
          (await loadMigrations(dir)).map((m) => m.name),
        );
        expect(await checkDrift(database.db, v2)).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );

  it('refuses to generate on a database behind its migrations, and to migrate tables it did not create', async () => {
    const dir = migrationsDir();
    const other = await openTestDatabase(engine);
    try {
      await generateMigration({ db: other.db, schema: v1, dir, name: 'initial' });
      const behind = await generateMigration({ db: database.db, schema: v2, dir, name: 'next' }).catch(
        (e: unknown) => e,
      );
      expect((behind as MigrationError).code).toBe('PENDING');

      await createSchemaTables(database.db, v1);
      const untracked = await migrateUp(database.db, { dir }).catch((e: unknown) => e);
      expect((untracked as MigrationError).code).toBe('UNTRACKED_TABLES');
      expect((untracked as Error).message).toContain('no migration history');
    } finally {
      await other.dispose();
    }
  });
});
