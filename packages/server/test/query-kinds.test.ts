import { belongsTo, defineEntity, defineSchema, f, hasMany } from '@typecrud/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Manager, type ManagerContext, toApiError } from '../src/core/index.js';
import { expectError, openTestDatabase, type TestDatabase, testEngines } from '../src/testing/index.js';

// The kinds the demo domain does not filter on: int, float and numeric, with a child to embed them.
const gadget = defineEntity({
  name: 'gadget',
  traits: ['timestamps'],
  fields: {
    name: f.string({ max: 50 }).filterable().sortable().list(),
    stock: f.int({ min: 0 }).filterable().sortable().list(),
    weight: f.float().nullable().filterable().sortable().list(),
    price: f.numeric(10, 2).filterable().sortable().list(),
  },
  relations: { parts: hasMany('part', 'gadgetId') },
});
const part = defineEntity({
  name: 'part',
  traits: ['timestamps'],
  fields: {
    gadgetId: f.ref('gadget', { onDelete: 'cascade' }).list(),
    label: f.string().filterable().sortable().list(),
    cost: f.numeric(12, 4).filterable().sortable().list(),
    serial: f.bigint().filterable().sortable().list(),
    grams: f.float().filterable().list(),
  },
  relations: { gadget: belongsTo('gadget', 'gadgetId') },
});
const shop = defineSchema({ gadget, part });
type Shop = typeof shop.entities;

describe.each(testEngines())('int, float and numeric on %s', (engine) => {
  const state = {} as {
    database: TestDatabase;
    gadgets: Manager<Shop, Shop['gadget']>;
    parts: Manager<Shop, Shop['part']>;
    ctx: ManagerContext;
  };
  const names = async (where: Record<string, unknown>) =>
    (
      await state.gadgets.list(state.ctx, { where: where as never, orderBy: { name: 'asc' }, limit: 100 })
    ).items.map((g) => g.name);

  beforeAll(async () => {
    state.database = await openTestDatabase(engine, shop as never);
    const services = createServices(shop, state.database, { policies: 'unrestricted' });
    state.ctx = { db: state.database.db, caller: null };
    state.gadgets = services.managers.gadget;
    state.parts = services.managers.part;
    const { ids } = await state.gadgets.createMany(state.ctx, [
      { name: 'a', stock: 0, weight: 1.5, price: '9.99' },
      { name: 'b', stock: 5, weight: null, price: '10' },
      { name: 'c', stock: 5, weight: 0.25, price: '10.01' },
      { name: 'd', stock: 12, weight: 3, price: '1234.5' },
    ]);
    await state.parts.createMany(state.ctx, [
      { gadgetId: ids[0]!, label: 'p1', cost: '0.0001', serial: 9_007_199_254_740_993n, grams: 2.5 },
      { gadgetId: ids[0]!, label: 'p2', cost: '99999999.9999', serial: 1n, grams: 0.1 },
    ]);
  });
  afterAll(async () => {
    await state.database?.dispose();
  });

  it('int: every operator', async () => {
    expect(await names({ stock: 5 })).toEqual(['b', 'c']);
    expect(await names({ stock: { ne: 5 } })).toEqual(['a', 'd']);
    expect(await names({ stock: { in: [0, 12] } })).toEqual(['a', 'd']);
    expect(await names({ stock: { notIn: [0, 12] } })).toEqual(['b', 'c']);
    expect(await names({ stock: { lt: 5 } })).toEqual(['a']);
    expect(await names({ stock: { lte: 5 } })).toEqual(['a', 'b', 'c']);
    expect(await names({ stock: { gt: 5 } })).toEqual(['d']);
    expect(await names({ stock: { gte: 5, lt: 12 } })).toEqual(['b', 'c']);
  });

  it('float: operators and NULL', async () => {
    expect(await names({ weight: 1.5 })).toEqual(['a']);
    expect(await names({ weight: { lt: 1.5 } })).toEqual(['c']);
    expect(await names({ weight: { gte: 1.5 } })).toEqual(['a', 'd']);
    expect(await names({ weight: null })).toEqual(['b']);
    expect(await names({ weight: { ne: 3 } })).toEqual(['a', 'b', 'c']);
    expect(await names({ NOT: { weight: { gt: 1 } } })).toEqual(['b', 'c']);
  });

  it('numeric: exact decimal comparisons on strings', async () => {
    expect(await names({ price: '10.00' })).toEqual(['b']);
    expect(await names({ price: { gt: '10' } })).toEqual(['c', 'd']);
    expect(await names({ price: { lte: '10.01' } })).toEqual(['a', 'b', 'c']);
    expect(await names({ price: { in: ['9.99', '1234.50'] } })).toEqual(['a', 'd']);
    const d = await state.gadgets.list(state.ctx, { where: { name: 'd' } });
    expect(d.items[0]!.price).toBe('1234.50');
  });

  it('numeric, bigint and float keep their types inside includes', async () => {
    const g = await state.gadgets.list(state.ctx, {
      where: { name: 'a' },
      include: { parts: { orderBy: { cost: 'asc' } } },
    });
    const parts = g.items[0]!.parts;
    expect(parts.map((p) => p.cost)).toEqual(['0.0001', '99999999.9999']);
    expect(parts.map((p) => p.serial)).toEqual([9_007_199_254_740_993n, 1n]);
    expect(parts.map((p) => p.grams)).toEqual([2.5, 0.1]);
    const back = await state.parts.list(state.ctx, { where: { label: 'p1' }, include: { gadget: true } });
    expect(back.items[0]!.gadget!.price).toBe('9.99');
    expect(back.items[0]!.gadget!.weight).toBe(1.5);
    expect(back.items[0]!.gadget!.createdAt).toBeInstanceOf(Date);
  });

  it.each([
    ['int', { stock: 'desc' }],
    ['float with nulls', { weight: { dir: 'asc', nulls: 'first' } }],
    ['numeric', { price: 'desc' }],
  ])('pages through by %s with a cursor', async (_name, orderBy) => {
    const all = (await state.gadgets.list(state.ctx, { orderBy: orderBy as never, limit: 100 })).items.map(
      (g) => g.name,
    );
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await state.gadgets.list(state.ctx, {
        orderBy: orderBy as never,
        limit: 1,
        ...(cursor ? { cursor } : {}),
      });
      paged.push(...page.items.map((g) => g.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all);
    expect(paged).toHaveLength(4);
  });

  it('values of the wrong kind are BAD_REQUEST', async () => {
    const dto = shop.dto('gadget');
    expect(dto.create.safeParse({ name: 'x', stock: 1.5, price: '1' }).success).toBe(false);
    expect(dto.create.safeParse({ name: 'x', stock: -1, price: '1' }).success).toBe(false);
    expect(dto.create.safeParse({ name: 'x', stock: 1, price: '1,5' }).success).toBe(false);
    expect(dto.list.safeParse({ where: { stock: { contains: '1' } } }).success).toBe(false);
    expect(dto.list.safeParse({ where: { price: { gt: 5 } } }).success).toBe(false);
    // a value past the column's precision is refused by the database and mapped
    const huge = state.gadgets
      .create(state.ctx, { name: 'huge', stock: 1, price: '123456789012' })
      .catch((e: unknown) => {
        throw toApiError(e, 'gadget');
      });
    const e = await expectError(huge, 'BAD_REQUEST');
    expect(e.message).toBe('a number is out of range');
    expect(await state.gadgets.count(state.ctx, { where: { name: 'huge' } })).toBe(0);
  });
});
