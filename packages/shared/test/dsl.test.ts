import { describe, expect, it } from 'vitest';
import {
  belongsTo,
  defineEntity,
  defineSchema,
  f,
  hasMany,
  kindOperators,
  type Operator,
  operators,
} from '../src/index.js';

// A small domain of the library's own: the DSL is tested without any app's entities.
const author = defineEntity({
  name: 'author',
  traits: ['timestamps', 'version'],
  fields: {
    name: f.string({ max: 20 }).filterable().sortable().list(),
    email: f.email().unique(),
    rating: f.int({ min: 0, max: 5 }).nullable(),
  },
  relations: { books: hasMany('book', 'authorId') },
});
const book = defineEntity({
  name: 'book',
  fields: {
    authorId: f.ref('author', { onDelete: 'cascade' }),
    title: f.string({ max: 100 }).filterable(),
  },
  relations: { author: belongsTo('author', 'authorId') },
});
const schema = defineSchema({ author, book });

describe('DTOs derived from a definition', () => {
  const dto = schema.dto('author');

  it('create trims strings, applies limits and refuses system fields', () => {
    expect(dto.create.parse({ name: '  Ann ', email: 'Ann@Example.test' })).toMatchObject({ name: 'Ann' });
    const tooLong = dto.create.safeParse({ name: 'x'.repeat(21), email: 'a@b.test' });
    expect(tooLong.success).toBe(false);
    expect(tooLong.error?.issues[0]?.path).toEqual(['name']);
    expect(dto.create.safeParse({ name: 'Ann', email: 'a@b.test', version: 3 }).success).toBe(false);
    expect(dto.create.safeParse({ name: 'Ann', email: 'not an email' }).error?.issues[0]?.path).toEqual([
      'email',
    ]);
  });

  it('update needs at least one field; where accepts only filterable fields', () => {
    expect(dto.update.safeParse({ id: '00000000-0000-4000-8000-000000000000', data: {} }).success).toBe(
      false,
    );
    expect(dto.where.safeParse({ name: { contains: 'a' } }).success).toBe(true);
    expect(dto.where.safeParse({ email: { contains: 'a' } }).success).toBe(false);
  });

  it('resolves relations across entities', () => {
    const [toAuthor] = schema.relations('book');
    expect(toAuthor).toMatchObject({ name: 'author', kind: 'belongsTo', field: 'authorId' });
    expect(toAuthor?.target.name).toBe('author');
    expect(schema.relations('author').map((r) => [r.name, r.kind, r.field])).toEqual([
      ['books', 'hasMany', 'authorId'],
    ]);
  });
});

describe('the operator table', () => {
  const kinds = defineEntity({
    name: 'kinds',
    fields: {
      s: f.string({ max: 10 }).filterable(),
      n: f.int().filterable(),
      b: f.boolean().filterable(),
      u: f.uuid().filterable(),
    },
  });
  const where = defineSchema({ kinds }).dto('kinds').where;
  const sample = { value: { s: 'a', n: 1, b: true, u: '00000000-0000-4000-8000-000000000000' } } as const;

  it.each([
    ['s', 'string'],
    ['n', 'int'],
    ['b', 'boolean'],
    ['u', 'uuid'],
  ] as const)('the where DTO of %s takes exactly the operators of kind %s', (field, kind) => {
    const value = sample.value[field];
    const operand = (op: Operator) =>
      ({ value, list: [value], pattern: 'a', flag: true })[operators[op].operand];
    for (const op of Object.keys(operators) as Operator[]) {
      const accepted = where.safeParse({ [field]: { [op]: operand(op) } }).success;
      expect([op, accepted]).toEqual([op, (kindOperators[kind] as readonly Operator[]).includes(op)]);
    }
  });
});
