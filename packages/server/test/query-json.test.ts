import { defineEntity, defineSchema, f } from '@typecrud/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCallerFactory,
  createServices,
  crudProcedures,
  describeError,
  type Manager,
  type ManagerContext,
  router,
} from '../src/core/index.js';
import { expectError, openTestDatabase, type TestDatabase, testEngines } from '../src/testing/index.js';

// A typed document (f.json with a schema) beside the untyped `properties` of the trait.
const settings = z.object({
  theme: z.enum(['light', 'dark']),
  seats: z.number().int().min(1),
  tags: z.array(z.string()).optional(),
  owner: z.object({ email: z.string() }).optional(),
});
const doc = defineEntity({
  name: 'doc',
  traits: ['properties'],
  fields: {
    name: f.string({ max: 50 }).filterable().sortable().list(),
    settings: f.json(settings).filterable(),
  },
});
const docs = defineSchema({ doc });
type Docs = typeof docs.entities;
const appRouter = router({ doc: router(crudProcedures(docs, 'doc', { public: true })) });
const createCaller = createCallerFactory(appRouter);

const rows = [
  {
    name: 'a',
    settings: { theme: 'light', seats: 3, tags: ['beta', 'x'] },
    properties: { n: 5, s: 'Hello_World' },
  },
  {
    name: 'b',
    settings: { theme: 'dark', seats: 10, owner: { email: 'Ada@Acme.test' } },
    properties: { n: '7', s: '50%' },
  },
  { name: 'c', settings: { theme: 'dark', seats: 1, tags: [] }, properties: { n: 12.5, s: 5, a: [1, 2] } },
  {
    name: 'd',
    settings: { theme: 'light', seats: 7, tags: ['x'] },
    properties: { n: null, a: [{ k: 1 }, 2] },
  },
  { name: 'e', settings: { theme: 'light', seats: 2 }, properties: null },
] as const;

describe.each(testEngines())('JSON filters and JSON values on %s', (engine) => {
  const state = {} as {
    database: TestDatabase;
    docs: Manager<Docs, Docs['doc']>;
    ctx: ManagerContext;
    api: ReturnType<typeof createCaller>;
  };
  type DocWhere = NonNullable<Parameters<Manager<Docs, Docs['doc']>['list']>[1]>['where'];
  const names = async (where: DocWhere) =>
    (await state.docs.list(state.ctx, { where, orderBy: { name: 'asc' }, limit: 100 })).items.map(
      (d) => d.name,
    );
  /** The same condition in hand-written SQL, to compare against. */
  const bySql = async (condition: string) =>
    (
      await sql<{ name: string }>`select name from doc where ${sql.raw(condition)} order by name`.execute(
        state.database.db,
      )
    ).rows.map((r) => r.name);

  beforeAll(async () => {
    state.database = await openTestDatabase(engine, docs as never);
    const services = createServices(docs, state.database, { policies: 'unrestricted' });
    state.ctx = { db: state.database.db, caller: null };
    state.docs = services.managers.doc;
    state.api = createCaller({ services, db: state.database.db, caller: null });
    await state.docs.createMany(state.ctx, rows.map((r) => ({ ...r })) as never);
  });
  afterAll(async () => {
    await state.database?.dispose();
  });

  it('equals, not (keeps documents without the path) and isNull', async () => {
    expect(await names({ properties: { path: ['n'], equals: 5 } })).toEqual(['a']);
    expect(await names({ properties: { path: ['n'], equals: null } })).toEqual(['d']);
    // not is IS DISTINCT FROM: a NULL column and a missing key are "not 5"
    expect(await names({ properties: { path: ['n'], not: 5 } })).toEqual(['b', 'c', 'd', 'e']);
    expect(await names({ properties: { path: ['n'], not: 5 } })).toEqual(
      await bySql(`(properties #> '{n}') is distinct from '5'::jsonb`),
    );
    expect(await names({ properties: { path: ['a'], isNull: true } })).toEqual(['a', 'b', 'e']);
    // NOT keeps the rows where the condition is NULL, as `not` does
    expect(await names({ NOT: { properties: { path: ['n'], equals: 5 } } })).toEqual(['b', 'c', 'd', 'e']);
  });

  it('string_contains / starts_with / ends_with: strings only, LIKE characters literal, mode', async () => {
    expect(await names({ properties: { path: ['s'], string_contains: 'o_W' } })).toEqual(['a']);
    // `_` and `%` are literal, not wildcards
    expect(await names({ properties: { path: ['s'], string_contains: '_' } })).toEqual(['a']);
    expect(await names({ properties: { path: ['s'], string_ends_with: '%' } })).toEqual(['b']);
    expect(await names({ properties: { path: ['s'], string_starts_with: 'hello' } })).toEqual([]);
    expect(
      await names({ properties: { path: ['s'], string_starts_with: 'hello', mode: 'insensitive' } }),
    ).toEqual(['a']);
    // the number 5 is not the string "5"
    expect(await names({ properties: { path: ['s'], string_contains: '5' } })).toEqual(['b']);
    expect(
      await names({
        settings: { path: ['owner', 'email'], string_ends_with: '@acme.test', mode: 'insensitive' },
      }),
    ).toEqual(['b']);
    expect(await names({ properties: { path: ['s'], string_contains: '5' } })).toEqual(
      await bySql(`jsonb_typeof(properties #> '{s}') = 'string' and (properties #>> '{s}') like '%5%'`),
    );
  });

  it('array_contains: jsonb @> on arrays, one value or several', async () => {
    expect(await names({ settings: { path: ['tags'], array_contains: 'beta' } })).toEqual(['a']);
    expect(await names({ settings: { path: ['tags'], array_contains: ['x'] } })).toEqual(['a', 'd']);
    expect(await names({ settings: { path: ['tags'], array_contains: ['x', 'beta'] } })).toEqual(['a']);
    expect(await names({ settings: { path: ['tags'], array_contains: [] } })).toEqual(['a', 'c', 'd']);
    expect(await names({ properties: { path: ['a'], array_contains: { k: 1 } } })).toEqual(['d']);
    // a string is not an array that contains it
    expect(await names({ properties: { path: ['s'], array_contains: 'Hello_World' } })).toEqual([]);
    expect(await names({ settings: { path: ['tags'], array_contains: ['x'] } })).toEqual(
      await bySql(
        `jsonb_typeof(settings #> '{tags}') = 'array' and (settings #> '{tags}') @> '["x"]'::jsonb`,
      ),
    );
  });

  it('lt / lte / gt / gte compare numbers only, never cast a string', async () => {
    // "7" (a string) and null never compare; 12.5 does
    expect(await names({ properties: { path: ['n'], gt: 4 } })).toEqual(['a', 'c']);
    expect(await names({ properties: { path: ['n'], gte: 5, lt: 12.5 } })).toEqual(['a']);
    expect(await names({ properties: { path: ['n'], lte: 12.5 } })).toEqual(['a', 'c']);
    expect(await names({ settings: { path: ['seats'], gte: 3 } })).toEqual(['a', 'b', 'd']);
    // a path holding strings in some rows and numbers in others is no error
    expect(await names({ properties: { path: ['s'], lt: 100 } })).toEqual(['c']);
    expect(await names({ properties: { path: ['n'], gt: 4 } })).toEqual(
      // jsonpath compares a string with a number as unknown (no match), never an error
      await bySql(
        `coalesce(jsonb_path_exists(properties, 'strict $.n ? (@.type() == "number" && @ > 4)'), false)`,
      ),
    );
    // every condition of one filter must hold; NOT of a numeric filter keeps the others
    expect(await names({ NOT: { properties: { path: ['n'], gt: 4 } } })).toEqual(['b', 'd', 'e']);
  });

  it('the same filters through the generated procedures', async () => {
    const page = await state.api.doc.list({
      where: { settings: { path: ['theme'], equals: 'dark' }, properties: { path: ['n'], gte: 10 } },
    });
    expect(page.items.map((d) => d.name)).toEqual(['c']);
    // the typed field reads back with its type
    const a = await state.api.doc.list({ where: { name: 'a' } });
    const got = await state.api.doc.get({ id: a.items[0]!.id });
    expect(got.settings).toEqual({ theme: 'light', seats: 3, tags: ['beta', 'x'] });
  });

  it('a typed document is validated by its schema on create and update, naming the path inside it', async () => {
    const bad = await expectError(
      state.api.doc.create({ name: 'x', settings: { theme: 'blue', seats: 1 } as never }),
      'BAD_REQUEST',
      'settings.theme',
    );
    expect(describeError(bad).message).toContain('settings.theme');
    await expectError(
      state.api.doc.create({ name: 'x', settings: { theme: 'dark', seats: 0 } }),
      'BAD_REQUEST',
      'settings.seats',
    );
    await expectError(
      state.api.doc.create({
        name: 'x',
        settings: { theme: 'dark', seats: 1, owner: { email: 5 } } as never,
      }),
      'BAD_REQUEST',
      'settings.owner.email',
    );
    const id = (await state.api.doc.list({ where: { name: 'e' } })).items[0]!.id;
    await expectError(
      state.api.doc.update({ id, data: { settings: { theme: 'dark', seats: 'many' } as never } }),
      'BAD_REQUEST',
      'data.settings.seats',
    );
    await expectError(
      state.api.doc.update({ id, data: { settings: { theme: 'dark', seats: 2, tags: [1] } as never } }),
      'BAD_REQUEST',
      'data.settings.tags.0',
    );
    expect((await state.api.doc.get({ id })).settings).toEqual({ theme: 'light', seats: 2 });
  });

  describe('a bigint, a Date or NaN inside a JSON value is BAD_REQUEST naming its path', () => {
    const created = { name: 'z', settings: { theme: 'dark' as const, seats: 1 } };
    it('through the procedures: writes and filters', async () => {
      await expectError(
        state.api.doc.create({ ...created, properties: { n: 5n } as never }),
        'BAD_REQUEST',
        'properties.n',
      );
      await expectError(
        state.api.doc.create({ ...created, properties: { deep: [1, { at: new Date() }] } as never }),
        'BAD_REQUEST',
        'properties.deep.1.at',
      );
      await expectError(
        state.api.doc.createMany([created, { ...created, properties: { n: 5n } as never }]),
        'BAD_REQUEST',
        '1.properties.n',
      );
      const id = (await state.api.doc.list({ where: { name: 'e' } })).items[0]!.id;
      await expectError(
        state.api.doc.update({ id, data: { properties: { n: Number.NaN } } }),
        'BAD_REQUEST',
        'data.properties.n',
      );
      await expectError(
        state.api.doc.list({ where: { properties: { path: ['n'], equals: 5n as never } } }),
        'BAD_REQUEST',
        'where.properties.equals',
      );
      await expectError(
        state.api.doc.list({ where: { properties: { path: ['n'], array_contains: [new Date()] as never } } }),
        'BAD_REQUEST',
        'where.properties.array_contains.0',
      );
      const e = await expectError(
        state.api.doc.count({ where: { properties: { path: ['n'], not: { big: 1n } as never } } }),
        'BAD_REQUEST',
        'where.properties.not.big',
      );
      expect(describeError(e).message).toContain('bigint');
    });

    it('through the manager (server code that skips the DTOs)', async () => {
      await expectError(
        state.docs.create(state.ctx, { ...created, properties: { n: 5n } as never }),
        'BAD_REQUEST',
        'properties.n',
      );
      await expectError(
        state.docs.createMany(state.ctx, [created, { ...created, properties: { d: new Date() } as never }]),
        'BAD_REQUEST',
        '1.properties.d',
      );
      const id = (await state.docs.list(state.ctx, { where: { name: 'e' } })).items[0]!.id;
      const e = await expectError(
        state.docs.update(state.ctx, { id, data: { properties: { n: [1n] } as never } }),
        'BAD_REQUEST',
        'data.properties.n.0',
      );
      expect(e.message).toContain('bigint');
      await expectError(
        state.docs.list(state.ctx, { where: { properties: { path: ['n'], equals: 5n as never } } }),
        'BAD_REQUEST',
        'where.properties.equals',
      );
      await expectError(
        state.docs.count(state.ctx, { where: { properties: { path: ['n'], gt: Number.POSITIVE_INFINITY } } }),
        'BAD_REQUEST',
        'where.properties.gt',
      );
      // a document where a filter was expected, or no path: BAD_REQUEST, not a crash
      await expectError(
        state.docs.count(state.ctx, { where: { properties: null as never } }),
        'BAD_REQUEST',
        'where.properties',
      );
      await expectError(
        state.docs.count(state.ctx, { where: { properties: { plan: 'pro' } as never } }),
        'BAD_REQUEST',
        'where.properties.path',
      );
      // nothing was written by any of the refused calls
      expect(await names({})).toEqual(['a', 'b', 'c', 'd', 'e']);
    });
  });
});
