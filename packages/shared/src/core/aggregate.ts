import { z } from 'zod';
import type { AnyEntity, FieldMap } from './entity.js';
import {
  type AnyField,
  bigintRange,
  type FieldConfig,
  type FieldKind,
  numericString,
  storableDate,
  storableString,
} from './field.js';
import type { OperatorFilter } from './operators.js';
import type { EntityMap, FieldValue, FilterableKeys, ReadableKeys, SortSpec, Where } from './types.js';

/**
 * Aggregates: `aggregate` (one row over every row a where matches) and `groupBy` (one row per
 * distinct value of the `by` fields), Prisma-like, under the caller's read rule.
 *
 * Which fields take part:
 * - `_count`, `_min`, `_max`, `_sum`, `_avg` take any readable field (not hidden) of the right
 *   kind: an aggregate reveals nothing a `list` of the same rows would not;
 * - `_sum` / `_avg`: numeric kinds (int, bigint, float, numeric); `_min` / `_max` also dates,
 *   timestamps and strings (string, text, email, enum);
 * - `by` (groupBy): the entity's filterable fields (not json): grouping by a field is filtering by
 *   each of its values, so the fields an entity lets callers filter on are the ones it groups on.
 */

/** The kinds `_sum` and `_avg` take. */
export const numericKinds = ['int', 'bigint', 'float', 'numeric'] as const satisfies readonly FieldKind[];
/** The kinds `_min` and `_max` take. */
export const comparableKinds = [
  ...numericKinds,
  'timestamp',
  'date',
  'string',
  'text',
  'email',
  'enum',
] as const satisfies readonly FieldKind[];

/** Limits of the aggregate queries (beside the entity's own `maxLimit` for a groupBy's `limit`). */
export const aggregateLimits = {
  /** The most fields a groupBy's `by` may name. */
  byFields: 5,
  /** The most terms a groupBy's `orderBy` may name. */
  orderFields: 5,
  /** The most values an `in` / `notIn` of a `having` may carry. */
  listValues: 1000,
} as const;

export type AggregateKey = '_count' | '_sum' | '_avg' | '_min' | '_max';

type FieldsOf<E extends AnyEntity> = E['fields'];
type KindOf<Fd extends AnyField> = NonNullable<Fd['_kind']>;
type KeysOfKind<E extends AnyEntity, K extends FieldKind> = {
  [P in ReadableKeys<E>]: KindOf<FieldsOf<E>[P]> extends K ? P : never;
}[ReadableKeys<E>];

/** Readable fields `_sum` and `_avg` take. */
export type NumericKeys<E extends AnyEntity> = KeysOfKind<E, (typeof numericKinds)[number]>;
/** Readable fields `_min` and `_max` take. */
export type ComparableKeys<E extends AnyEntity> = KeysOfKind<E, (typeof comparableKinds)[number]>;
/** Fields a groupBy's `by` takes: filterable, readable, not json. */
export type GroupableKeys<E extends AnyEntity> = string extends keyof FieldsOf<E>
  ? string // any entity (the generic machinery)
  : Exclude<FilterableKeys<E> & ReadableKeys<E>, KeysOfKind<E, 'json'>>;

type FieldSelect<K extends string> = { [P in K]?: true };

/** `_count: true` counts rows; `{ _all: true, field: true }` counts rows and non-null values of each field. */
export type CountSelect<E extends AnyEntity> = true | ({ _all?: true } & FieldSelect<ReadableKeys<E>>);

/** What an aggregate computes. */
export interface AggregateSelect<E extends AnyEntity> {
  _count?: CountSelect<E>;
  _sum?: FieldSelect<NumericKeys<E>>;
  _avg?: FieldSelect<NumericKeys<E>>;
  _min?: FieldSelect<ComparableKeys<E>>;
  _max?: FieldSelect<ComparableKeys<E>>;
}

/** The input of `aggregate`: a filter (and the read rule) over which the aggregates are computed. */
export interface AggregateQuery<S extends EntityMap, E extends AnyEntity> extends AggregateSelect<E> {
  where?: Where<S, E>;
  withArchived?: boolean;
}

/** A condition on one aggregate of a group: a plain value (equality) or ordered operators. */
export type HavingFilter<T> = T | OperatorFilter<'int', T>;

/** The value `_sum` gives: bigint sums are bigints, numeric sums decimal strings, the others numbers. */
export type SumValue<Fd extends AnyField> =
  KindOf<Fd> extends 'bigint' ? bigint : KindOf<Fd> extends 'numeric' ? string : number;
/** The value `_min` / `_max` give: the field's own type (a Date for timestamps). */
export type MinValue<Fd extends AnyField> = NonNullable<Fd['_type']>;

/** Conditions on a group's aggregates (all must hold): `{ _count: { gt: 2 }, _sum: { size: { gte: 10 } } }`. */
export interface Having<E extends AnyEntity> {
  _count?:
    | HavingFilter<number>
    | ({ _all?: HavingFilter<number> } & { [K in ReadableKeys<E>]?: HavingFilter<number> });
  _sum?: { [K in NumericKeys<E>]?: HavingFilter<SumValue<FieldsOf<E>[K]>> };
  _avg?: { [K in NumericKeys<E>]?: HavingFilter<number> };
  _min?: { [K in ComparableKeys<E>]?: HavingFilter<MinValue<FieldsOf<E>[K]>> };
  _max?: { [K in ComparableKeys<E>]?: HavingFilter<MinValue<FieldsOf<E>[K]>> };
}

/** One term of a groupBy's order: a `by` field, or an aggregate. */
export type GroupOrderBy<E extends AnyEntity, By extends string = GroupableKeys<E>> = {
  // (no index signature for any entity: it would have to take the aggregate keys too)
  [K in By as string extends K ? never : K]?: SortSpec;
} & {
  _count?: SortSpec | ({ _all?: SortSpec } & { [K in ReadableKeys<E>]?: SortSpec });
  _sum?: { [K in NumericKeys<E>]?: SortSpec };
  _avg?: { [K in NumericKeys<E>]?: SortSpec };
  _min?: { [K in ComparableKeys<E>]?: SortSpec };
  _max?: { [K in ComparableKeys<E>]?: SortSpec };
};

/** The input of `groupBy`. */
export interface GroupByQuery<S extends EntityMap, E extends AnyEntity, By extends string = GroupableKeys<E>>
  extends AggregateQuery<S, E> {
  /** The fields whose distinct values make the groups (at least one). */
  by: readonly By[];
  having?: Having<E>;
  /** By default the groups come ordered by the `by` fields, ascending; they always end so. */
  orderBy?: GroupOrderBy<E, By> | readonly GroupOrderBy<E, By>[];
  /** At most the entity's `maxLimit` groups (the default). */
  limit?: number;
}

type Picked<Sel> = { [K in keyof Sel]-?: Sel[K] extends true ? K : never }[keyof Sel] & string;

type CountResult<C> = C extends true ? number : { -readonly [K in Picked<C>]: number };

type AggregateValue<E extends AnyEntity, K, Sel> = K extends '_count'
  ? CountResult<Sel>
  : K extends '_sum'
    ? { -readonly [F in Picked<Sel> & keyof FieldsOf<E>]: SumValue<FieldsOf<E>[F]> | null }
    : K extends '_avg'
      ? { -readonly [F in Picked<Sel>]: number | null }
      : { -readonly [F in Picked<Sel> & keyof FieldsOf<E>]: MinValue<FieldsOf<E>[F]> | null };

/**
 * What `aggregate` returns for the query `A`: exactly the aggregates asked for.
 *
 * @example
 * aggregate({ _count: true, _sum: { downloads: true } }) // { _count: number; _sum: { downloads: bigint | null } }
 */
export type AggregateResult<E extends AnyEntity, A> = {
  -readonly [K in keyof A as K extends AggregateKey ? K : never]: AggregateValue<E, K, NonNullable<A[K]>>;
};

type ByOf<A> = A extends { by: readonly (infer B)[] } ? B & string : never;

/** One row of `groupBy` for the query `A`: the `by` values and the aggregates asked for. */
export type GroupByRow<E extends AnyEntity, A> = {
  -readonly [K in ByOf<A> & keyof FieldsOf<E>]: FieldValue<FieldsOf<E>[K]>;
} & AggregateResult<E, A>;

type NoExtraKeys<T, Allowed> = { [K in Exclude<keyof T, keyof Allowed>]: never };
type Exactly<T, Allowed> = T extends object ? NoExtraKeys<T, Allowed> : unknown;
type ExactOrder<O, Allowed> = O extends readonly (infer T)[]
  ? readonly Exactly<T, Allowed>[]
  : Exactly<O, Allowed>;

type QueryKey = 'where' | 'withArchived' | 'by' | 'having' | 'limit' | 'orderBy';

/**
 * Refuses, at compile time, what the constraint of an inferred query lets through: unknown keys,
 * a `_sum` over a field that also names one it cannot sum, an `orderBy` on a field not in `by`.
 */
export type ExactAggregate<E extends AnyEntity, A> = {
  [K in keyof A]: K extends '_sum' | '_avg'
    ? Exactly<A[K], FieldSelect<NumericKeys<E>>>
    : K extends '_min' | '_max'
      ? Exactly<A[K], FieldSelect<ComparableKeys<E>>>
      : K extends '_count'
        ? Exactly<A[K], { _all?: true } & FieldSelect<ReadableKeys<E>>>
        : K extends 'orderBy'
          ? ExactOrder<A[K], GroupOrderBy<E, ByOf<A>>>
          : K extends QueryKey
            ? unknown
            : never;
};

// ---------------------------------------------------------------------------------------------
// DTO schemas

const flag = z.literal(true, { error: 'must be true' });
const direction = z.union([
  z.enum(['asc', 'desc']),
  z.strictObject({ dir: z.enum(['asc', 'desc']), nulls: z.enum(['first', 'last']).optional() }),
]);

const isNumeric = (c: FieldConfig) => (numericKinds as readonly string[]).includes(c.kind);
const isComparable = (c: FieldConfig) => (comparableKinds as readonly string[]).includes(c.kind);

/** The readable fields of an entity that pass `test`. */
function fieldsWhere(entity: AnyEntity, test: (c: FieldConfig) => boolean): string[] {
  return Object.entries(entity.fields as FieldMap)
    .filter(([, f]) => !f.config.hidden && test(f.config))
    .map(([name]) => name);
}

/** The value an aggregate of a field compares with in a `having`. */
function havingValue(c: FieldConfig, of: '_sum' | '_min'): z.ZodType {
  switch (c.kind) {
    case 'int':
    case 'float':
      return z.number();
    case 'bigint':
      // a sum of bigints may leave the 64-bit range: only min / max keep to it
      return of === '_sum'
        ? z.bigint()
        : z
            .bigint()
            .min(bigintRange.min, { error: 'is below the 64-bit range' })
            .max(bigintRange.max, { error: 'is above the 64-bit range' });
    case 'numeric':
      return of === '_sum' ? numericString(1000, 0) : c.schema;
    case 'timestamp':
    case 'date':
      return storableDate();
    case 'enum':
      return c.schema;
    default:
      return storableString().max(c.maxLength ?? 4096);
  }
}

/** `value | { eq, ne, in, notIn, isNull, lt, lte, gt, gte }`. */
function havingFilter(v: z.ZodType): z.ZodType {
  const list = z
    .array(v)
    .max(aggregateLimits.listValues, { error: `at most ${aggregateLimits.listValues} values` });
  return z.union([
    v,
    z
      .strictObject({
        eq: v,
        ne: v,
        in: list,
        notIn: list,
        isNull: z.boolean(),
        lt: v,
        lte: v,
        gt: v,
        gte: v,
      })
      .partial(),
  ]);
}

const shapeOf = (names: readonly string[], of: (name: string) => z.ZodType) =>
  z.strictObject(Object.fromEntries(names.map((n) => [n, of(n).optional()])));

/** The `aggregate` and `groupBy` DTOs of an entity, over its `where` schema. */
export function aggregateDtos(
  entity: AnyEntity,
  where: z.ZodType,
): { aggregate: z.ZodType; groupBy: z.ZodType } {
  const fields = entity.fields as FieldMap;
  const readable = fieldsWhere(entity, () => true);
  const numeric = fieldsWhere(entity, isNumeric);
  const comparable = fieldsWhere(entity, isComparable);
  const groupable = fieldsWhere(entity, (c) => c.filterable && c.kind !== 'json');
  const config = (name: string) => fields[name]!.config;

  const select = {
    _count: z.union([flag, shapeOf(['_all', ...readable], () => flag)]).optional(),
    _sum: shapeOf(numeric, () => flag).optional(),
    _avg: shapeOf(numeric, () => flag).optional(),
    _min: shapeOf(comparable, () => flag).optional(),
    _max: shapeOf(comparable, () => flag).optional(),
  };
  const count = havingFilter(z.number());
  const having = z.strictObject({
    _count: z.union([count, shapeOf(['_all', ...readable], () => count)]).optional(),
    _sum: shapeOf(numeric, (n) => havingFilter(havingValue(config(n), '_sum'))).optional(),
    _avg: shapeOf(numeric, () => havingFilter(z.number())).optional(),
    _min: shapeOf(comparable, (n) => havingFilter(havingValue(config(n), '_min'))).optional(),
    _max: shapeOf(comparable, (n) => havingFilter(havingValue(config(n), '_min'))).optional(),
  });
  const order = z.strictObject({
    ...Object.fromEntries(groupable.map((n) => [n, direction.optional()])),
    _count: z.union([direction, shapeOf(['_all', ...readable], () => direction)]).optional(),
    _sum: shapeOf(numeric, () => direction).optional(),
    _avg: shapeOf(numeric, () => direction).optional(),
    _min: shapeOf(comparable, () => direction).optional(),
    _max: shapeOf(comparable, () => direction).optional(),
  });
  const by = z
    .array(
      z.string().refine((f) => groupable.includes(f), {
        error: `must be a filterable field of ${entity.name}: ${groupable.join(', ') || 'none'}`,
      }),
    )
    .min(1, { error: 'at least one field is required' })
    .max(aggregateLimits.byFields, { error: `at most ${aggregateLimits.byFields} fields` })
    .refine((list) => new Set(list).size === list.length, { error: 'names a field twice' });
  const aggregate = z.strictObject({
    where: where.optional(),
    withArchived: z.boolean().optional(),
    ...select,
  });
  const groupBy = z.strictObject({
    by,
    where: where.optional(),
    withArchived: z.boolean().optional(),
    ...select,
    having: having.optional(),
    orderBy: z
      .union([
        order,
        z
          .array(order)
          .max(aggregateLimits.orderFields, { error: `at most ${aggregateLimits.orderFields} order terms` }),
      ])
      .optional(),
    limit: z
      .number()
      .int()
      .min(1, { error: 'limit must be at least 1' })
      .max(entity.limits.maxLimit, { error: `limit must be at most ${entity.limits.maxLimit}` })
      .optional(),
  });
  return { aggregate, groupBy };
}
