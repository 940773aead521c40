import type { AnyComputed, ComputedOf } from './computed.js';
import type { AnyEntity, EntityDef } from './entity.js';
import type { AnyField, FieldKind, JsonValue } from './field.js';
import type { OperatorFilter } from './operators.js';
import type { AnyRelation } from './relation.js';

/** The entities of a schema, by name. */
export type EntityMap = Record<string, AnyEntity>;

type FieldsOf<E extends AnyEntity> = E['fields'];
type FlagsOf<Fd extends AnyField> = NonNullable<Fd['_flags']>;
type KindOf<Fd extends AnyField> = NonNullable<Fd['_kind']>;

/** The value a field holds when read: its type, or null where it is nullable. */
export type FieldValue<Fd extends AnyField> = 'null' extends FlagsOf<Fd> ? TypeOf<Fd> | null : TypeOf<Fd>;
/** A field's declared type (`& {}` written out rather than `NonNullable`, so editors show `boolean`, not `NonNullable<boolean | undefined>`). */
type TypeOf<Fd extends AnyField> = Fd['_type'] & {};

type KeysWithFlag<E extends AnyEntity, Flag extends string> = {
  [K in keyof FieldsOf<E>]: Flag extends FlagsOf<FieldsOf<E>[K]> ? K : never;
}[keyof FieldsOf<E>] &
  string;

type KeysWithoutFlag<E extends AnyEntity, Flag extends string> = Exclude<
  keyof FieldsOf<E> & string,
  KeysWithFlag<E, Flag>
>;

/** The computed fields of E (declared with `computed`; returned only when a read asks for them). */
export type ComputedKeys<E extends AnyEntity> = keyof ComputedOf<E> & string;
/** The value of a computed field: its kind's type, or null where it may be NULL (min / max over no rows). */
export type ComputedValue<C extends AnyComputed> = Exclude<C['_type'], undefined>;
/** What a `where` accepts for one computed field: a plain value or its kind's operators. */
export type ComputedFilter<C extends AnyComputed> =
  | ComputedValue<C>
  | OperatorFilter<C['kind'], NonNullable<ComputedValue<C>>>;
// a conditional, not an intersection with AnyComputed: its `any` value type would swallow the declared one
type ComputedOfKey<E extends AnyEntity, K> = ComputedOf<E>[K & keyof ComputedOf<E>] extends infer C extends
  AnyComputed
  ? C
  : never;

/** Fields reads return: every field but the hidden ones. */
export type ReadableKeys<E extends AnyEntity> = KeysWithoutFlag<E, 'hidden'>;
/** Fields a client may write: every field but the system and hidden ones. */
export type WritableKeys<E extends AnyEntity> = Exclude<
  KeysWithoutFlag<E, 'system'>,
  KeysWithFlag<E, 'hidden'>
>;
type OptionalOnCreate<E extends AnyEntity> = WritableKeys<E> &
  (KeysWithFlag<E, 'null'> | KeysWithFlag<E, 'default'>);
export type FilterableKeys<E extends AnyEntity> = KeysWithFlag<E, 'filter'>;
export type SortableKeys<E extends AnyEntity> = KeysWithFlag<E, 'sort'>;
export type ListedKeys<E extends AnyEntity> = KeysWithFlag<E, 'list'>;

/** The full read shape of an entity (the `entity` DTO). */
export type Row<E extends AnyEntity> = { -readonly [K in ReadableKeys<E>]: FieldValue<FieldsOf<E>[K]> };

/** The light shape `list` returns when no include or select asks for more: id plus the listed fields. */
export type ListItem<E extends AnyEntity> = { [K in ListedKeys<E> | 'id']: FieldValue<FieldsOf<E>[K]> };

/** The fields of a create, before defaults apply. */
export type CreateFields<E extends AnyEntity> = {
  [K in Exclude<WritableKeys<E>, OptionalOnCreate<E>>]: FieldValue<FieldsOf<E>[K]>;
} & { [K in OptionalOnCreate<E>]?: FieldValue<FieldsOf<E>[K]> };

/** Fields an update may change: the writable ones that are not immutable. */
export type UpdatableKeys<E extends AnyEntity> = Exclude<WritableKeys<E>, KeysWithFlag<E, 'immutable'>>;

/** A partial update: every updatable field optional (at least one is required at run time). */
export type UpdateFields<E extends AnyEntity> = { [K in UpdatableKeys<E>]?: FieldValue<FieldsOf<E>[K]> };

// ---------------------------------------------------------------------------------------------
// Unique keys

/** Fields with a unique constraint of their own (`.unique()`). */
export type UniqueFieldKeys<E extends AnyEntity> = KeysWithFlag<E, 'unique'>;
type UniquesOf<E extends AnyEntity> = NonNullable<E['_uniques']>[number];
type KeyOf<E extends AnyEntity, K extends string> = {
  [P in K & keyof FieldsOf<E>]: NonNullable<FieldsOf<E>[P]['_type']>;
};

/**
 * One unique key of E, every field of it given: a `.unique()` field, or the fields of one of
 * the entity's `uniques`. What `upsert` and `connectOrCreate` find a row by.
 *
 * @example
 * { label: 'urgent' }                          // tag.label is unique
 * { organizationId: orgId, name: 'Rocket' }    // project: uniques [['organizationId', 'name']]
 */
export type UniqueWhere<E extends AnyEntity> =
  | { [K in UniqueFieldKeys<E>]: KeyOf<E, K> }[UniqueFieldKeys<E>]
  | (UniquesOf<E> extends infer T
      ? T extends readonly string[]
        ? KeyOf<E, T[number]>
        : T extends { readonly fields: readonly (infer K)[] }
          ? KeyOf<E, K & string>
          : never
      : never);

// ---------------------------------------------------------------------------------------------
// Relations

export type RelationsOf<E extends AnyEntity> = E['relations'];
type RelKind<R extends AnyRelation> = NonNullable<R['_kind']>;
type RelTarget<R extends AnyRelation> = NonNullable<R['_target']>;

/** The entity a relation of E points to, looked up in the schema S. */
export type TargetOf<S extends EntityMap, R extends AnyRelation> = S[RelTarget<R>];

type ToManyKinds = 'hasMany' | 'manyToMany';

/** Relations of E that point to one row (belongsTo, hasOne). */
export type ToOneKeys<E extends AnyEntity> = {
  [K in keyof RelationsOf<E>]: RelKind<RelationsOf<E>[K]> extends ToManyKinds ? never : K;
}[keyof RelationsOf<E>] &
  string;
export type ToManyKeys<E extends AnyEntity> = Exclude<keyof RelationsOf<E> & string, ToOneKeys<E>>;
export type ManyToManyKeys<E extends AnyEntity> = {
  [K in keyof RelationsOf<E>]: RelKind<RelationsOf<E>[K]> extends 'manyToMany' ? K : never;
}[keyof RelationsOf<E>] &
  string;
export type HasManyKeys<E extends AnyEntity> = {
  [K in keyof RelationsOf<E>]: RelKind<RelationsOf<E>[K]> extends 'hasMany' ? K : never;
}[keyof RelationsOf<E>] &
  string;
export type HasOneKeys<E extends AnyEntity> = {
  [K in keyof RelationsOf<E>]: RelKind<RelationsOf<E>[K]> extends 'hasOne' ? K : never;
}[keyof RelationsOf<E>] &
  string;

// ---------------------------------------------------------------------------------------------
// Filters

export type StringFilter<T extends string = string> = OperatorFilter<'string', T>;
export type OrderedFilter<T> = OperatorFilter<'int', T>;
export type EqualityFilter<T> = OperatorFilter<'uuid', T>;
export type BooleanFilter = OperatorFilter<'boolean', boolean>;
/**
 * Filters a jsonb document by the value at a path; every condition given must hold.
 *
 * A condition on a value of another JSON type does not match (`gt: 3` skips `"4"`, a
 * `string_contains` skips numbers), nor does any condition but `not` and `isNull: true` on a
 * document without the path. `not` keeps those rows (IS DISTINCT FROM), like `ne`.
 *
 * @example
 * { path: ['plan'], equals: 'pro' }
 * { path: ['seats'], gte: 5, lt: 50 }                       // numbers only
 * { path: ['owner', 'email'], string_ends_with: '@acme.test', mode: 'insensitive' }
 * { path: ['tags'], array_contains: ['beta'] }              // jsonb @>
 */
export type JsonFilter = {
  /** The keys (or array indexes, as text) leading to the value: `['owner', 'email']`. */
  path: string[];
  /** The value at the path equals this JSON value (`null`: a JSON null is there). */
  equals?: JsonValue;
  /** The value at the path is not this one; a document without the path matches (IS DISTINCT FROM). */
  not?: JsonValue;
  /** `true`: the path is absent (or the column is NULL); `false`: a value, even a JSON null, is there. */
  isNull?: boolean;
  /** The value is a string containing this text (a LIKE, `%` and `_` taken literally). */
  string_contains?: string;
  string_starts_with?: string;
  string_ends_with?: string;
  /** `insensitive`: the string conditions ignore case (ILIKE). */
  mode?: 'default' | 'insensitive';
  /** The value is an array containing these elements (one value or an array of them; jsonb `@>`). */
  array_contains?: JsonValue;
  /** The value is a number below this one (compared as numeric; values of other types do not match). */
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
};

/** A kind's operators, from the one operator table (json fields are filtered by path instead). */
type FilterByKind<K extends FieldKind, T> = K extends 'json' ? JsonFilter : OperatorFilter<K, T>;

/** What a `where` accepts for one field: a plain value (equality) or its kind's operators. */
export type FieldFilter<Fd extends AnyField> =
  KindOf<Fd> extends 'json'
    ? JsonFilter // no shorthand: a document would read as a filter (the where DTO takes only path filters)
    : FieldValue<Fd> | FilterByKind<KindOf<Fd>, NonNullable<Fd['_type']>>;

/**
 * Filters over a to-many relation. `every` holds when no related row fails the condition, and
 * a row whose condition is NULL (a comparison with a NULL column) counts as failing it:
 * `{ releases: { every: { releasedAt: { gt: d } } } }` leaves out a project with an unreleased
 * (NULL) release. A parent without related rows matches `every` and `none`.
 */
export type ToManyFilter<W> = { some?: W; none?: W; every?: W };
export type ToOneFilter<W> = { is?: W | null; isNot?: W | null };

/** The fields E's full-text search covers; never when E declares no `search`. */
export type SearchKeys<E extends AnyEntity> = NonNullable<E['_search']>;

/** `search`: a websearch query (`rocket "launch pad" -draft or moon`), only on entities that declare `search`. */
export type SearchFilter<E extends AnyEntity> = [SearchKeys<E>] extends [never]
  ? unknown
  : {
      /** Rows whose searched fields match this websearch query (quoted phrases, `-exclude`, `or`). */
      search?: string;
    };

/** A filter over E's declared filterable fields, its relations, composed with AND / OR / NOT. */
export type Where<S extends EntityMap, E extends AnyEntity> = SearchFilter<E> & {
  [K in FilterableKeys<E>]?: FieldFilter<FieldsOf<E>[K]>;
} & {
  [K in ComputedKeys<E>]?: ComputedFilter<ComputedOfKey<E, K>>;
} & {
  [K in ToManyKeys<E>]?: ToManyFilter<Where<S, TargetOf<S, RelationsOf<E>[K]>>>;
} & {
  [K in ToOneKeys<E>]?: ToOneFilter<Where<S, TargetOf<S, RelationsOf<E>[K]>>>;
} & {
  AND?: Where<S, E>[];
  OR?: Where<S, E>[];
  /**
   * The complement of the condition: every row it does not match, including rows where it is
   * NULL. `{ NOT: { description: 'plain' } }` keeps rows whose description is NULL (as `ne` does).
   */
  NOT?: Where<S, E>;
};

// ---------------------------------------------------------------------------------------------
// Order

export type SortDirection = 'asc' | 'desc';
export type SortSpec = SortDirection | { dir: SortDirection; nulls?: 'first' | 'last' };

/** Ordering by full-text relevance (ts_rank of the row against `search`), on entities that declare `search`. */
export type RelevanceOrder<E extends AnyEntity> = [SearchKeys<E>] extends [never]
  ? unknown
  : {
      /** Most relevant first by default (`dir: 'desc'`). */
      _relevance?: { search: string; dir?: SortDirection };
    };

/** One level of ordering: sortable fields, or a to-one relation's sortable fields. */
export type OrderBy<S extends EntityMap, E extends AnyEntity> = RelevanceOrder<E> & {
  [K in SortableKeys<E>]?: SortSpec;
} & {
  [K in ComputedKeys<E>]?: SortSpec;
} & {
  [K in ToOneKeys<E>]?: OrderBy<S, TargetOf<S, RelationsOf<E>[K]>>;
};

// ---------------------------------------------------------------------------------------------
// Include and results

export interface IncludeArgs<S extends EntityMap, E extends AnyEntity> {
  where?: Where<S, E>;
  orderBy?: OrderBy<S, E> | OrderBy<S, E>[];
  limit?: number;
  include?: Include<S, E>;
  withArchived?: boolean;
  /** Only these fields (and relations, and `_count`) of the embedded rows; not with `omit`. */
  select?: Select<S, E>;
  /** Every readable field of the embedded rows but these; not with `select`. */
  omit?: OmitFields<E>;
}

/** The args of a to-one include (belongsTo, hasOne): one row, so no `limit` and no `orderBy`. */
export interface ToOneIncludeArgs<S extends EntityMap, E extends AnyEntity>
  extends Omit<IncludeArgs<S, E>, 'limit' | 'orderBy'> {}

/** The args relation K of E takes in an include: to-one relations take no `limit` / `orderBy`. */
export type IncludeArgsOf<S extends EntityMap, E extends AnyEntity, K extends keyof RelationsOf<E>> =
  K extends ToOneKeys<E>
    ? ToOneIncludeArgs<S, TargetOf<S, RelationsOf<E>[K]>>
    : IncludeArgs<S, TargetOf<S, RelationsOf<E>[K]>>;

/** Relations of E to embed in a result, each `true` or with its own where / orderBy / limit / include. */
export type Include<S extends EntityMap, E extends AnyEntity> = {
  [K in ToManyKeys<E>]?: boolean | IncludeArgs<S, TargetOf<S, RelationsOf<E>[K]>>;
} & {
  [K in ToOneKeys<E>]?: boolean | ToOneIncludeArgs<S, TargetOf<S, RelationsOf<E>[K]>>;
} & { _count?: CountSelect<S, E> } & { [K in ComputedKeys<E>]?: boolean };

/**
 * The include `I` a call was given, as the call checks it: `I` is inferred from the argument for
 * its shape only (which relations, nested how), while every args object is checked against its
 * relation's own (non-generic) args type, so an unknown field in a nested `where`, `orderBy`,
 * `select` or args object is an excess property at any depth, as it is at the top level.
 * Unknown relations are `never`.
 */
export type ExactInclude<S extends EntityMap, E extends AnyEntity, I> = {
  [K in keyof I]: K extends '_count'
    ? NoInfer<CountSelect<S, E>>
    : K extends ComputedKeys<E>
      ? boolean | undefined
      : K extends keyof RelationsOf<E> & string
        ? I[K] extends boolean | undefined
          ? I[K]
          : // NoInfer: `I[K]` is inferred from the argument as it is, never from what it is checked against
            NoInfer<
              Omit<IncludeArgsOf<S, E, K>, 'include'> & {
                include?: ExactInclude<S, TargetOf<S, RelationsOf<E>[K]>, NestedInclude<I[K]>>;
              }
            >
        : never;
};

/** `list`'s input with its include checked exactly (see ExactInclude); `I` is inferred from it. */
export type ListQueryOf<S extends EntityMap, E extends AnyEntity, I> = ListQuery<S, E> & {
  include?: ExactInclude<S, E, I>;
};
/** `get`'s input with its include checked exactly (see ExactInclude); `I` is inferred from it. */
export type GetQueryOf<S extends EntityMap, E extends AnyEntity, I> = GetQuery<S, E> & {
  include?: ExactInclude<S, E, I>;
};

/**
 * The include / select / omit nested in args `A`, read by key: a conditional
 * `A extends { include: infer I }` misses it on inferred args.
 */
type NestedInclude<A> = 'include' extends keyof A
  ? NonNullable<A['include' & keyof A]>
  : Record<never, never>;
type NestedSelect<A> = 'select' extends keyof A ? NonNullable<A['select' & keyof A]> : undefined;
type NestedOmit<A> = 'omit' extends keyof A ? NonNullable<A['omit' & keyof A]> : undefined;

/**
 * What an include of relation K embeds: an array for to-many relations; for to-one relations
 * the row or null, even for a required reference, since the caller's policy may hide the
 * parent (a public project of an organization the caller cannot read) or a `where` may not match.
 */
type RelationResult<S extends EntityMap, E extends AnyEntity, K extends string, A> =
  RelKind<RelationsOf<E>[K]> extends ToManyKinds
    ? Result<S, TargetOf<S, RelationsOf<E>[K]>, NestedInclude<A>, NestedSelect<A>, NestedOmit<A>>[]
    : Result<S, TargetOf<S, RelationsOf<E>[K]>, NestedInclude<A>, NestedSelect<A>, NestedOmit<A>> | null;

/** Flattens an intersection into one object type, so editors show its fields instead of its alias. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** An include value that always embeds: `true` or an args object (not `boolean`, `false`, `undefined`). */
type Embeds<V> = [V] extends [false | undefined]
  ? false
  : false extends V
    ? false
    : undefined extends V
      ? false
      : true;
/** An include value that may embed or not: a `boolean` variable, or args that may be undefined. */
type MayEmbed<V> = [V] extends [false | undefined] ? false : Embeds<V> extends true ? false : true;

/**
 * The relations named in `I` (an include or a select) embedded: present for `true` or args,
 * optional for a `boolean` that may be false, absent for `false`.
 */
type Embedded<S extends EntityMap, E extends AnyEntity, I> = {
  [K in keyof I & keyof RelationsOf<E> & string as Embeds<I[K]> extends true ? K : never]: RelationResult<
    S,
    E,
    K,
    I[K]
  >;
} & {
  [K in keyof I & keyof RelationsOf<E> & string as MayEmbed<I[K]> extends true ? K : never]?: RelationResult<
    S,
    E,
    K,
    I[K]
  >;
};

/** Keys of `T` whose value is not `false` / `undefined` (what a select or count picks). */
type Picked<T> = { [K in keyof T]-?: T[K] extends false | undefined ? never : K }[keyof T];

/** The fields a select picks, or every readable field but those an omit names (`true`), or the full row. */
type FieldsPart<E extends AnyEntity, Sel, O> = undefined extends Sel
  ? undefined extends O
    ? Row<E>
    : {
        -readonly [K in Exclude<
          ReadableKeys<E>,
          { [P in keyof O]: O[P] extends true ? P : never }[keyof O]
        >]: FieldValue<FieldsOf<E>[K]>;
      }
  : { -readonly [K in Picked<Sel> & ReadableKeys<E>]: FieldValue<FieldsOf<E>[K]> };

/** The computed fields the include or the select asks for (`true`), with their values. */
type ComputedPart<E extends AnyEntity, I, Sel> = {
  -readonly [K in (Picked<I> | (undefined extends Sel ? never : Picked<Sel>)) &
    ComputedKeys<E>]: ComputedValue<ComputedOfKey<E, K>>;
};

type CountOf<A> = '_count' extends keyof A ? NonNullable<A['_count' & keyof A]> : undefined;
/** `{ _count: { releases: number } }` for the relations a `_count` (of the include or the select) names. */
type CountPart<I, Sel> = [CountOf<I> | (undefined extends Sel ? undefined : CountOf<Sel>)] extends [undefined]
  ? unknown
  : { _count: { [K in Picked<Exclude<CountOf<I> | CountOf<Sel>, undefined>> & string]: number } };

/**
 * A row of E with exactly the relations named in the include `I` embedded (present for `true`
 * or args, optional for a `boolean` that may be false); with a select `Sel`, only the fields
 * (and relations) it picks; with an omit `O`, every readable field but those.
 */
export type Result<S extends EntityMap, E extends AnyEntity, I, Sel = undefined, O = undefined> = Simplify<
  FieldsPart<E, Sel, O> &
    ComputedPart<E, I, Sel> &
    Embedded<S, E, I> &
    (undefined extends Sel ? unknown : Embedded<S, E, Sel>) &
    CountPart<I, Sel>
>;

/** Relation counts: `{ releases: true }` or `{ releases: { where: { status: 'published' } } }` (to-many relations). */
export type CountSelect<S extends EntityMap, E extends AnyEntity> = {
  [K in ToManyKeys<E>]?:
    | boolean
    | { where?: Where<S, TargetOf<S, RelationsOf<E>[K]>>; withArchived?: boolean };
} & {
  /** to-one relations have nothing to count */
  [K in ToOneKeys<E>]?: never;
};

/**
 * The read shape to return: readable fields (`true`), relations (`true` or include args, as in
 * `include`) and `_count`. Only what it names is read (and returned).
 */
export type Select<S extends EntityMap, E extends AnyEntity> = {
  [K in ReadableKeys<E> | ComputedKeys<E>]?: boolean;
} & {
  [K in ToManyKeys<E>]?: boolean | IncludeArgs<S, TargetOf<S, RelationsOf<E>[K]>>;
} & {
  [K in ToOneKeys<E>]?: boolean | ToOneIncludeArgs<S, TargetOf<S, RelationsOf<E>[K]>>;
} & { _count?: CountSelect<S, E> };

/** Readable fields to leave out of the result (`true`). */
export type OmitFields<E extends AnyEntity> = { [K in ReadableKeys<E>]?: boolean };

/**
 * A select checked key by key, nested selects included: an unknown or hidden field is `never`
 * (so a call naming one does not compile), as is a nested select beside an omit.
 */
export type ExactSelect<S extends EntityMap, E extends AnyEntity, Sel> = Sel extends object
  ? ExactSelectObject<S, E, Sel>
  : Sel;
type ExactSelectObject<S extends EntityMap, E extends AnyEntity, Sel> = Sel & {
  [K in Exclude<
    keyof Sel,
    ReadableKeys<E> | ComputedKeys<E> | (keyof RelationsOf<E> & string) | '_count'
  >]: never;
} & {
  [K in keyof Sel & keyof RelationsOf<E> & string]: Sel[K] extends object
    ? ExactShape<S, TargetOf<S, RelationsOf<E>[K]>, NestedSelect<Sel[K]>, NestedOmit<Sel[K]>>
    : unknown;
} & {
  [K in keyof Sel & '_count']: Sel[K] & { [C in Exclude<keyof Sel[K], ToManyKeys<E>>]: never };
};

/** An omit naming only readable fields. */
export type ExactOmit<E extends AnyEntity, O> = O extends object
  ? O & { [K in Exclude<keyof O, ReadableKeys<E>>]: never }
  : O;

/** `select` and `omit` as a call takes them: each exact, and never both. */
export type ExactShape<S extends EntityMap, E extends AnyEntity, Sel, O> = {
  select?: ExactSelect<S, E, Sel>;
  omit?: ExactOmit<E, O>;
} & ([Sel] extends [undefined]
  ? unknown
  : [O] extends [undefined]
    ? unknown
    : { select: never; omit: never });

// ---------------------------------------------------------------------------------------------
// Query inputs

/** The input of `list`: filter, order, page, include. */
export interface ListQuery<S extends EntityMap, E extends AnyEntity> {
  where?: Where<S, E>;
  orderBy?: OrderBy<S, E> | OrderBy<S, E>[];
  limit?: number;
  offset?: number;
  /** The opaque `nextCursor` of the previous page; the query must be the same. */
  cursor?: string;
  /** Also count every row the filter matches. */
  withTotal?: boolean;
  include?: Include<S, E>;
  withArchived?: boolean;
  /** Only these fields (relations, `_count`) in each item; not with `omit`. */
  select?: Select<S, E>;
  /** Every readable field but these; not with `select`. */
  omit?: OmitFields<E>;
  /**
   * One row per distinct combination of these sortable fields (PostgreSQL `DISTINCT ON`): they
   * lead the order, `orderBy` then decides which row of each group is kept.
   */
  distinct?: SortableKeys<E>[];
}

export interface GetQuery<S extends EntityMap, E extends AnyEntity> {
  id: string;
  include?: Include<S, E>;
  withArchived?: boolean;
  /** Only these fields (relations, `_count`); not with `omit`. */
  select?: Select<S, E>;
  /** Every readable field but these; not with `select`. */
  omit?: OmitFields<E>;
}

export interface CountQuery<S extends EntityMap, E extends AnyEntity> {
  where?: Where<S, E>;
  withArchived?: boolean;
}

/** One page of a list. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to read the next page; null on the last page. */
  nextCursor: string | null;
  /** Present when `withTotal` was asked for. */
  total?: number;
}

/** Writes to a many-to-many relation inside a create or update. */
export interface ManyToManyWrite {
  connect?: string[];
  disconnect?: string[];
  set?: string[];
}

/** A row of a many-to-many target found by one of its unique keys, or created (then linked either way). */
export interface ConnectOrCreate<T extends AnyEntity> {
  where: UniqueWhere<T>;
  /** The row to create when none matches; its key fields must agree with `where`. */
  create: CreateFields<T>;
}

/** A child row created under its parent: the reference to the parent is set by the server. */
export type NestedCreate<S extends EntityMap, E extends AnyEntity, K extends keyof RelationsOf<E>> = Omit<
  CreateInput<S, TargetOf<S, RelationsOf<E>[K]>>,
  RelationFieldOf<E, K>
>;

/** Nested writes a create accepts beside the fields. */
export type CreateRelations<S extends EntityMap, E extends AnyEntity> = {
  [K in ManyToManyKeys<E>]?: {
    connect?: string[];
    connectOrCreate?: ConnectOrCreate<TargetOf<S, RelationsOf<E>[K]>>[];
  };
} & {
  [K in HasOneKeys<E>]?: { create: NestedCreate<S, E, K> };
} & {
  [K in HasManyKeys<E>]?: { create: NestedCreate<S, E, K>[] };
};

type RelationFieldOf<E extends AnyEntity, K extends keyof RelationsOf<E>> = NonNullable<
  RelationsOf<E>[K]['_field']
>;

/** A child of the row changed by id (it must belong to the row), with its own rules before and after. */
export interface NestedUpdate<D> {
  id: string;
  data: D;
}

/** Nested writes an update accepts beside the fields (`S` types the children; wide by default). */
export type UpdateRelations<E extends AnyEntity, S extends EntityMap = EntityMap> = {
  [K in ManyToManyKeys<E>]?: ManyToManyWrite & {
    connectOrCreate?: ConnectOrCreate<TargetOf<S, RelationsOf<E>[K]>>[];
  };
} & {
  [K in HasManyKeys<E>]?: {
    create?: NestedCreate<S, E, K>[];
    update?: NestedUpdate<UpdateData<TargetOf<S, RelationsOf<E>[K]>, S>>[];
  };
};

export type CreateInput<S extends EntityMap, E extends AnyEntity> = CreateFields<E> & CreateRelations<S, E>;
export type UpdateData<E extends AnyEntity, S extends EntityMap = EntityMap> = UpdateFields<E> &
  UpdateRelations<E, S>;

/**
 * One row found by a unique key: updated when it exists, created when not, in one statement.
 * The create branch passes the caller's create rule; the update branch the update rule before
 * and after; `update` sends fields only.
 */
export interface UpsertInput<E extends AnyEntity> {
  where: UniqueWhere<E>;
  /** The row to create when none matches `where`; its key fields must agree with `where`. */
  create: CreateFields<E>;
  update: UpdateFields<E>;
  /** On the update branch: the version the caller last read (a different one is CONFLICT). */
  expectedVersion?: number;
  /** Let the update branch change an archived row (without it, one is NOT_FOUND). */
  withArchived?: boolean;
}

/** createMany's object form: `skipDuplicates` leaves out rows whose unique key is taken (ON CONFLICT DO NOTHING). */
export interface CreateManyInput<S extends EntityMap, E extends AnyEntity> {
  data: CreateInput<S, E>[];
  skipDuplicates?: boolean;
}

export interface UpdateInput<E extends AnyEntity, S extends EntityMap = EntityMap> {
  id: string;
  data: UpdateData<E, S>;
  /** The version the caller last read; a different current version is CONFLICT and nothing changes. */
  expectedVersion?: number;
  /** Allow the row to be archived (without it, an archived row is NOT_FOUND, as for `get`). */
  withArchived?: boolean;
}

export interface UpdateManyInput<S extends EntityMap, E extends AnyEntity> {
  where: Where<S, E>;
  data: UpdateFields<E>;
}

export interface IdInput {
  id: string;
}

/** The input of delete / archive: one row by id; an archived row is NOT_FOUND unless `withArchived`. */
export interface WriteIdInput {
  id: string;
  withArchived?: boolean;
}

/** The input of delete: one row by id; with `expectedVersion`, a row at another version is CONFLICT and stays. */
export interface DeleteInput extends WriteIdInput {
  /** The version the caller last read; checked in the delete's own statement. */
  expectedVersion?: number;
}

export type { EntityDef };
