import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type CreateFields,
  defineEntity,
  type EntityMap,
  f,
  type JsonFilter,
  type JsonObject,
  type JsonValue,
  type Row,
  type UpdateFields,
  type Where,
} from '../src/index.js';

const settings = z.object({
  theme: z.enum(['light', 'dark']),
  seats: z.number(),
  tags: z.array(z.string()).optional(),
});
const doc = defineEntity({
  name: 'doc',
  traits: ['properties'],
  fields: { settings: f.json(settings).filterable(), loose: f.json().nullable() },
});
type Doc = typeof doc;
type DocWhere = Where<EntityMap, Doc>;

describe('JSON values', () => {
  it('JsonValue takes JSON and nothing else', () => {
    expectTypeOf<{ a: [1, 'x', null, { b: true }] }>().toExtend<JsonValue>();
    expectTypeOf<bigint>().not.toExtend<JsonValue>();
    expectTypeOf<Date>().not.toExtend<JsonValue>();
    expectTypeOf<{ at: Date }>().not.toExtend<JsonValue>();
    expectTypeOf<{ n: bigint }>().not.toExtend<JsonObject>();
    expectTypeOf<Map<string, string>>().not.toExtend<JsonValue>();
    expectTypeOf<() => void>().not.toExtend<JsonValue>();
    expectTypeOf<undefined>().not.toExtend<JsonValue>();
  });

  it('a typed f.json field has its schema type in rows, creates and updates', () => {
    expectTypeOf<Row<Doc>['settings']>().toEqualTypeOf<z.infer<typeof settings>>();
    expectTypeOf<Row<Doc>['loose']>().toEqualTypeOf<JsonObject | null>();
    expectTypeOf<Row<Doc>['properties']>().toEqualTypeOf<JsonObject | null>();
    const ok: CreateFields<Doc> = {
      settings: { theme: 'dark', seats: 2 },
      properties: { plan: 'pro', n: [1] },
    };
    void ok;
    const bad: CreateFields<Doc> = {
      // @ts-expect-error: not one of the themes
      settings: { theme: 'blue', seats: 2 },
    };
    void bad;
    const update: UpdateFields<Doc> = {
      // @ts-expect-error: seats is a number
      settings: { theme: 'dark', seats: '2' },
    };
    void update;
  });

  it('a bigint or a Date inside a JSON value does not compile', () => {
    // @ts-expect-error: a bigint is not JSON
    const big: CreateFields<Doc> = { settings: { theme: 'dark', seats: 1 }, properties: { n: 5n } };
    // @ts-expect-error: a Date is not JSON
    const date: UpdateFields<Doc> = { properties: { at: new Date() } };
    // @ts-expect-error: nested too
    const deep: UpdateFields<Doc> = { loose: { a: [{ b: 1n }] } };
    // @ts-expect-error: a schema whose type holds a Date cannot type a JSON field
    f.json(z.object({ at: z.date() }));
    void big;
    void date;
    void deep;
  });

  it('JSON filters: path operators, JSON operands, numbers for comparisons', () => {
    const w: DocWhere = {
      settings: { path: ['seats'], gte: 1, lt: 10 },
      properties: { path: ['tags'], array_contains: ['beta'], not: null },
      AND: [
        { properties: { path: ['email'], string_ends_with: '@acme.test', mode: 'insensitive' } },
        { properties: { path: ['s'], string_contains: 'x', string_starts_with: 'a', equals: { a: [1] } } },
      ],
    };
    void w;
    expectTypeOf<JsonFilter['equals']>().toEqualTypeOf<JsonValue | undefined>();
    // @ts-expect-error: equals takes JSON: no bigint
    const big: DocWhere = { properties: { path: ['n'], equals: 5n } };
    // @ts-expect-error: nor a Date
    const date: DocWhere = { properties: { path: ['n'], array_contains: [new Date()] } };
    // @ts-expect-error: numeric comparisons take a number
    const str: DocWhere = { properties: { path: ['n'], gt: '5' } };
    // @ts-expect-error: the string filters take a string
    const num: DocWhere = { properties: { path: ['n'], string_contains: 5 } };
    // @ts-expect-error: a JSON filter needs its path
    const noPath: DocWhere = { properties: { equals: 1 } };
    // @ts-expect-error: no such operator
    const unknownOp: DocWhere = { properties: { path: ['n'], contains: 'x' } };
    void [big, date, str, num, noPath, unknownOp];
  });
});
