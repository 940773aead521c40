import type { FieldKind } from './field.js';

/**
 * The query grammar's operators, stated once. The `where` types, the where DTOs (Zod) and the
 * SQL compiler (packages/server, `operatorSql`) all read this table, so a new operator is one
 * entry here, its kinds below, and its SQL there.
 *
 * An operand is the value an operator takes: the field's own value, a list of them, a text
 * pattern (`contains` and friends), or a flag (`isNull: true`).
 *
 * NULL: `ne` and `notIn` keep rows whose column is NULL (`ne` is IS DISTINCT FROM; `notIn` adds
 * `or col is null`), so `{ description: { ne: 'plain' } }` matches a NULL description, as
 * `NOT: { description: 'plain' }` does. Every other comparison (`eq`, `in`, `lt`, `contains`, ...)
 * never matches NULL; test for it with `isNull` or the `null` shorthand.
 */
export const operators = {
  eq: { operand: 'value' },
  ne: { operand: 'value' },
  in: { operand: 'list' },
  notIn: { operand: 'list' },
  lt: { operand: 'value' },
  lte: { operand: 'value' },
  gt: { operand: 'value' },
  gte: { operand: 'value' },
  contains: { operand: 'pattern' },
  startsWith: { operand: 'pattern' },
  endsWith: { operand: 'pattern' },
  isNull: { operand: 'flag' },
} as const satisfies Record<string, { operand: 'value' | 'list' | 'pattern' | 'flag' }>;

export type Operator = keyof typeof operators;

const equality = ['eq', 'ne', 'in', 'notIn', 'isNull'] as const;
const ordered = [...equality, 'lt', 'lte', 'gt', 'gte'] as const;
const text = [...ordered, 'contains', 'startsWith', 'endsWith'] as const;

/**
 * The operators each kind of field takes. Text kinds also take `mode: 'insensitive'`; json fields
 * are filtered by path instead (`{ path, equals, isNull }`), so they list none here.
 */
export const kindOperators = {
  string: text,
  text,
  email: text,
  uuid: equality,
  int: ordered,
  bigint: ordered,
  float: ordered,
  numeric: ordered,
  timestamp: ordered,
  date: ordered,
  boolean: ['eq', 'ne', 'isNull'],
  enum: equality,
  json: [],
} as const satisfies Record<FieldKind, readonly Operator[]>;

/** The kinds whose filters take a case `mode` (the pattern operators and comparisons of text). */
export const textKinds = ['string', 'text', 'email'] as const satisfies readonly FieldKind[];

export type OperatorsOf<K extends FieldKind> = (typeof kindOperators)[K][number];

/** The operand an operator takes for a field whose values are `T`. */
export type OperandOf<Op extends Operator, T> = {
  value: T;
  list: T[];
  pattern: string;
  flag: boolean;
}[(typeof operators)[Op]['operand']];

/**
 * The operators object of a kind of field: `{ gte?: Date; lt?: Date; ... }`. All given must hold.
 * `ne` / `notIn` match rows whose column is NULL (IS DISTINCT FROM); the others never do.
 *
 * @example
 * { description: { ne: 'plain' } }       // 'fancy' and NULL, not 'plain'
 * { status: { notIn: ['draft'] } }        // every status but draft, and NULL where nullable
 */
export type OperatorFilter<K extends FieldKind, T> = {
  [Op in OperatorsOf<K>]?: OperandOf<Op, T>;
} & (K extends (typeof textKinds)[number]
  ? {
      /** `insensitive` compares case-insensitively (ILIKE / lower()). */
      mode?: 'default' | 'insensitive';
    }
  : unknown);
