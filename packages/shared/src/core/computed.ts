/**
 * Computed fields: values the database works out at read time from related rows, never stored.
 * Declared on an entity (`computed: { releaseCount: computed.count('releases') }`), returned only
 * when a read asks for them (`select` or `include: { releaseCount: true }`), filterable in `where`
 * and sortable in `orderBy` with their kind's operators. Each is one correlated subquery over the
 * related rows the caller may read (their read rule applies; archived rows never count).
 */

/** The kinds a computed value can have (the value type and the `where` operators follow them). */
export type ComputedKind = 'int' | 'float' | 'timestamp' | 'string' | 'text';

/** The TypeScript type of a computed kind's value. */
export type ComputedValueOf<K extends ComputedKind> = K extends 'int' | 'float'
  ? number
  : K extends 'timestamp'
    ? Date
    : string;

export type ComputedAggregate = 'count' | 'min' | 'max' | 'sum';

/** One computed field: an aggregate over a to-many relation's rows (optionally filtered). */
export interface ComputedDef<T = unknown, K extends ComputedKind = ComputedKind> {
  /** Phantom: the value type (null included when the aggregate may have no rows). */
  readonly _type?: T;
  readonly kind: K;
  readonly aggregate: ComputedAggregate;
  /** The to-many relation (hasMany / manyToMany) of this entity whose rows are aggregated. */
  readonly relation: string;
  /** The related entity's field aggregated (absent for `count`). */
  readonly field?: string;
  /** Only related rows matching this (trusted: any field of the related entity may be used). */
  readonly where?: Record<string, unknown>;
  /** Whether the value may be NULL (min / max over no rows). */
  readonly nullable: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest computed definition, used only as a constraint
export type AnyComputed = ComputedDef<any, ComputedKind>;
export type ComputedMap = Record<string, AnyComputed>;

export interface ComputedOptions {
  /** Only related rows matching this `where` over the related entity. */
  where?: Record<string, unknown>;
}

function def<T, K extends ComputedKind>(
  kind: K,
  aggregate: ComputedAggregate,
  relation: string,
  field: string | undefined,
  options: ComputedOptions | undefined,
  nullable: boolean,
): ComputedDef<T, K> {
  return {
    kind,
    aggregate,
    relation,
    ...(field !== undefined ? { field } : {}),
    ...(options?.where ? { where: options.where } : {}),
    nullable,
  };
}

/**
 * Builders of computed fields.
 *
 * @example
 * computed: {
 *   releaseCount: computed.count('releases'),
 *   publishedCount: computed.count('releases', { where: { status: 'published' } }),
 *   latestReleaseAt: computed.max('timestamp', 'releases', 'createdAt'),
 * }
 */
export const computed = {
  /** How many related rows (0 when none): an `int`. */
  count: (relation: string, options?: ComputedOptions): ComputedDef<number, 'int'> =>
    def('int', 'count', relation, undefined, options, false),
  /** The smallest value of a related field, NULL when no row has one; `kind` must be the field's kind. */
  min: <K extends ComputedKind>(
    kind: K,
    relation: string,
    field: string,
    options?: ComputedOptions,
  ): ComputedDef<ComputedValueOf<K> | null, K> => def(kind, 'min', relation, field, options, true),
  /** The largest value of a related field, NULL when no row has one; `kind` must be the field's kind. */
  max: <K extends ComputedKind>(
    kind: K,
    relation: string,
    field: string,
    options?: ComputedOptions,
  ): ComputedDef<ComputedValueOf<K> | null, K> => def(kind, 'max', relation, field, options, true),
  /** The sum of a related numeric field (0 when none); `kind` must be the field's kind (int or float). */
  sum: <K extends 'int' | 'float'>(
    kind: K,
    relation: string,
    field: string,
    options?: ComputedOptions,
  ): ComputedDef<number, K> => def(kind, 'sum', relation, field, options, false),
};

/** The computed fields of an entity as the types see them. */
export type ComputedOf<E> = E extends { readonly _computed?: infer C }
  ? NonNullable<C>
  : Record<never, never>;
