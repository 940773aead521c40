import type { AnyEntity, EntityDef } from './entity.js';
import type { AnyField, FieldKind } from './field.js';
import type { AnyRelation } from './relation.js';

/** The entities of a schema, by name. */
export type EntityMap = Record<string, AnyEntity>;

type FieldsOf<E extends AnyEntity> = E['fields'];
type FlagsOf<Fd extends AnyField> = NonNullable<Fd['_flags']>;
type KindOf<Fd extends AnyField> = NonNullable<Fd['_kind']>;

/** The value a field holds when read: its type, or null where it is nullable. */
export type FieldValue<Fd extends AnyField> =
  'null' extends FlagsOf<Fd> ? NonNullable<Fd['_type']> | null : NonNullable<Fd['_type']>;

type KeysWithFlag<E extends AnyEntity, Flag extends string> = {
  [K in keyof FieldsOf<E>]: Flag extends FlagsOf<FieldsOf<E>[K]> ? K : never;
}[keyof FieldsOf<E>] &
  string;

type KeysWithoutFlag<E extends AnyEntity, Flag extends string> = Exclude<
  keyof FieldsOf<E> & string,
  KeysWithFlag<E, Flag>
>;

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

/** A partial update: every writable field optional (at least one is required at run time). */
export type UpdateFields<E extends AnyEntity> = { [K in WritableKeys<E>]?: FieldValue<FieldsOf<E>[K]> };

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
export type HasOneKeys<E extends AnyEntity> = {
  [K in keyof RelationsOf<E>]: RelKind<RelationsOf<E>[K]> extends 'hasOne' ? K : never;
}[keyof RelationsOf<E>] &
  string;

// ---------------------------------------------------------------------------------------------
// Filters

export type StringFilter<T extends string = string> = {
  eq?: T;
  ne?: T;
  in?: T[];
  notIn?: T[];
  lt?: T;
  lte?: T;
  gt?: T;
  gte?: T;
  contains?: string;
  startsWith?: string;
  endsWith?: string;
  /** `insensitive` compares case-insensitively (ILIKE / lower()). */
  mode?: 'default' | 'insensitive';
  isNull?: boolean;
};
export type OrderedFilter<T> = {
  eq?: T;
  ne?: T;
  in?: T[];
  notIn?: T[];
  lt?: T;
  lte?: T;
  gt?: T;
  gte?: T;
  isNull?: boolean;
};
export type EqualityFilter<T> = { eq?: T; ne?: T; in?: T[]; notIn?: T[]; isNull?: boolean };
export type BooleanFilter = { eq?: boolean; ne?: boolean; isNull?: boolean };
/** Filters a jsonb document by a path: `{ path: ['plan'], equals: 'pro' }`. */
export type JsonFilter = { path: string[]; equals?: unknown; isNull?: boolean };

type FilterByKind<K extends FieldKind, T> = K extends 'string' | 'text' | 'email'
  ? StringFilter<T & string>
  : K extends 'int' | 'float' | 'bigint' | 'numeric' | 'timestamp' | 'date'
    ? OrderedFilter<T>
    : K extends 'boolean'
      ? BooleanFilter
      : K extends 'json'
        ? JsonFilter
        : EqualityFilter<T>;

/** What a `where` accepts for one field: a plain value (equality) or its kind's operators. */
export type FieldFilter<Fd extends AnyField> =
  KindOf<Fd> extends 'json'
    ? JsonFilter // no shorthand: a document would read as a filter (the where DTO takes only path filters)
    : FieldValue<Fd> | FilterByKind<KindOf<Fd>, NonNullable<Fd['_type']>>;

export type ToManyFilter<W> = { some?: W; none?: W; every?: W };
export type ToOneFilter<W> = { is?: W | null; isNot?: W | null };

/** A filter over E's declared filterable fields, its relations, composed with AND / OR / NOT. */
export type Where<S extends EntityMap, E extends AnyEntity> = {
  [K in FilterableKeys<E>]?: FieldFilter<FieldsOf<E>[K]>;
} & {
  [K in ToManyKeys<E>]?: ToManyFilter<Where<S, TargetOf<S, RelationsOf<E>[K]>>>;
} & {
  [K in ToOneKeys<E>]?: ToOneFilter<Where<S, TargetOf<S, RelationsOf<E>[K]>>>;
} & {
  AND?: Where<S, E>[];
  OR?: Where<S, E>[];
  NOT?: Where<S, E>;
};

// ---------------------------------------------------------------------------------------------
// Order

export type SortDirection = 'asc' | 'desc';
export type SortSpec = SortDirection | { dir: SortDirection; nulls?: 'first' | 'last' };

/** One level of ordering: sortable fields, or a to-one relation's sortable fields. */
export type OrderBy<S extends EntityMap, E extends AnyEntity> = {
  [K in SortableKeys<E>]?: SortSpec;
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
}

/** Relations of E to embed in a result, each `true` or with its own where / orderBy / limit / include. */
export type Include<S extends EntityMap, E extends AnyEntity> = {
  [K in keyof RelationsOf<E> & string]?: boolean | IncludeArgs<S, TargetOf<S, RelationsOf<E>[K]>>;
};

type NestedInclude<A> = A extends { include: infer I } ? I : Record<never, never>;

/**
 * What an include of relation K embeds: an array for to-many relations; for to-one relations
 * the row or null, even for a required reference, since the caller's policy may hide the
 * parent (a public project of an organization the caller cannot read) or a `where` may not match.
 */
type RelationResult<S extends EntityMap, E extends AnyEntity, K extends string, A> =
  RelKind<RelationsOf<E>[K]> extends ToManyKinds
    ? Result<S, TargetOf<S, RelationsOf<E>[K]>, NestedInclude<A>>[]
    : Result<S, TargetOf<S, RelationsOf<E>[K]>, NestedInclude<A>> | null;

/** A row of E with exactly the relations named in the include `I` embedded. */
export type Result<S extends EntityMap, E extends AnyEntity, I> = Row<E> & {
  [K in keyof I & keyof RelationsOf<E> & string as I[K] extends false | undefined
    ? never
    : K]: RelationResult<S, E, K, I[K]>;
};

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
}

export interface GetQuery<S extends EntityMap, E extends AnyEntity> {
  id: string;
  include?: Include<S, E>;
  withArchived?: boolean;
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

/** Nested writes a create accepts beside the fields. */
export type CreateRelations<S extends EntityMap, E extends AnyEntity> = {
  [K in ManyToManyKeys<E>]?: Pick<ManyToManyWrite, 'connect'>;
} & {
  [K in HasOneKeys<E>]?: {
    create: Omit<CreateInput<S, TargetOf<S, RelationsOf<E>[K]>>, RelationFieldOf<E, K>>;
  };
};

type RelationFieldOf<E extends AnyEntity, K extends keyof RelationsOf<E>> = NonNullable<
  RelationsOf<E>[K]['_field']
>;

export type UpdateRelations<E extends AnyEntity> = {
  [K in ManyToManyKeys<E>]?: ManyToManyWrite;
};

export type CreateInput<S extends EntityMap, E extends AnyEntity> = CreateFields<E> & CreateRelations<S, E>;
export type UpdateData<E extends AnyEntity> = UpdateFields<E> & UpdateRelations<E>;

export interface UpdateInput<E extends AnyEntity> {
  id: string;
  data: UpdateData<E>;
  /** The version the caller last read; a different current version is CONFLICT and nothing changes. */
  expectedVersion?: number;
}

export interface UpdateManyInput<S extends EntityMap, E extends AnyEntity> {
  where: Where<S, E>;
  data: UpdateFields<E>;
}

export interface IdInput {
  id: string;
}

/** The names of a schema's entities. */
export type EntityName<S extends EntityMap> = keyof S & string;

export type { EntityDef };
