import { z } from 'zod';
import type { ComputedMap } from './computed.js';
import {
  type AnyField,
  baseConfig,
  type Field,
  type FieldConfig,
  type FieldFlag,
  type FieldKind,
  type JsonObject,
  makeField,
  storableJson,
  timestampRange,
} from './field.js';
import type { AnyRelation } from './relation.js';

/** Standard fields an entity opts into. `id` (uuid) is always present. */
export type Trait = 'timestamps' | 'version' | 'audit' | 'properties' | 'archive';

export type { JsonObject } from './field.js';

/** The fields each trait adds, as the type system sees them. */
export interface TraitFieldMap {
  timestamps: {
    createdAt: Field<Date, 'timestamp', 'system' | 'default' | 'filter' | 'sort'>;
    updatedAt: Field<Date, 'timestamp', 'system' | 'default' | 'filter' | 'sort'>;
  };
  version: { version: Field<number, 'int', 'system' | 'default' | 'list'> };
  audit: {
    createdBy: Field<string, 'uuid', 'system' | 'null' | 'filter'>;
    updatedBy: Field<string, 'uuid', 'system' | 'null' | 'filter'>;
  };
  properties: { properties: Field<JsonObject, 'json', 'null' | 'filter'> };
  archive: {
    archivedAt: Field<Date, 'timestamp', 'system' | 'null' | 'filter' | 'sort'>;
    /** Which archive call archived the row (hidden): restoring a row restores exactly those archived with it. */
    archiveBatch: Field<string, 'uuid', 'system' | 'null' | 'hidden'>;
  };
}

export interface IdField {
  id: Field<string, 'uuid', 'system' | 'default' | 'filter' | 'sort' | 'list'>;
}

/** The fields a set of traits adds: a flat intersection, one conditional per trait. */
export type TraitFields<Tr extends Trait> = IdField &
  ('timestamps' extends Tr ? TraitFieldMap['timestamps'] : unknown) &
  ('version' extends Tr ? TraitFieldMap['version'] : unknown) &
  ('audit' extends Tr ? TraitFieldMap['audit'] : unknown) &
  ('properties' extends Tr ? TraitFieldMap['properties'] : unknown) &
  ('archive' extends Tr ? TraitFieldMap['archive'] : unknown);

export type FieldMap = Record<string, AnyField>;
export type RelationMap = Record<string, AnyRelation>;

export interface EntityLimits {
  /** Rows returned when a list names no limit. */
  readonly defaultLimit: number;
  /** The largest limit a list may ask for; more is BAD_REQUEST. */
  readonly maxLimit: number;
  /** The most rows one createMany/updateMany may carry. */
  readonly maxBatch: number;
}

/** One entity: its name, table, fields (own and from traits) and relations. */
/** Multi-column unique keys as written: field names, or a key with options. */
export type Uniques = readonly (readonly string[] | UniqueKeyInput)[];

export interface EntityDef<
  N extends string = string,
  F extends FieldMap = FieldMap,
  Tr extends Trait = Trait,
  R extends RelationMap = RelationMap,
  U extends Uniques = Uniques,
  SK extends string = never,
  C extends ComputedMap = Record<never, never>,
> {
  readonly name: N;
  readonly table: string;
  readonly description?: string;
  readonly traits: ReadonlySet<Trait>;
  /** Every field, trait fields first, in column order. */
  readonly fields: F & TraitFields<Tr>;
  readonly relations: R;
  readonly limits: EntityLimits;
  /** Multi-column unique constraints, by field names (those that ignore archived rows included). */
  readonly uniques: readonly (readonly string[])[];
  /** Every unique key with its options (`uniques` lists their fields). */
  readonly uniqueKeys: readonly UniqueKey[];
  /** Phantom: the multi-column uniques as written, for the unique-key types (`upsert`'s where). */
  readonly _uniques?: U;
  /** Whether writes are recorded in the audit log (default true). */
  readonly audited: boolean;
  /** Cache reads of this entity for this long (per caller and query; writes invalidate at once). */
  readonly cache?: { readonly ttlSeconds: number };
  /**
   * The fields full-text search covers, most important first (weights A, B, C, then D): a
   * generated `search_vector` column and a GIN index; `where: { search }` and `_relevance`
   * ordering use them. Empty when the entity declares no search.
   */
  readonly search: readonly string[];
  /** Phantom: the searched fields, for the `search` filter and `_relevance` order types. */
  readonly _search?: SK;
  /** Computed fields (worked out in SQL at read time, never stored); empty when none are declared. */
  readonly computed: Readonly<Record<string, import('./computed.js').AnyComputed>>;
  /** Phantom: the computed fields as declared, for the select / where / orderBy / result types. */
  readonly _computed?: C;
}

// The widest entity, used only as a constraint. The second member admits an entity without traits
// (its trait parameter is `never`, which `any` does not accept in that position).
// biome-ignore lint/suspicious/noExplicitAny: see above
type Wide = any;
export type AnyEntity =
  | EntityDef<string, Wide, Wide, Wide, Wide, Wide, Wide>
  | EntityDef<string, Wide, never, Wide, Wide, Wide, Wide>;

export interface EntityInput<
  N extends string,
  F extends FieldMap,
  Tr extends Trait,
  R extends RelationMap,
  U extends Uniques = Uniques,
  SK extends string = never,
  C extends ComputedMap = Record<never, never>,
> {
  name: N;
  /** The table name; defaults to the entity name in snake_case. */
  table?: string;
  description?: string;
  traits?: readonly Tr[];
  fields: F;
  relations?: R;
  limits?: Partial<EntityLimits>;
  /**
   * Multi-column unique keys by field names: `[['organizationId', 'name']]`, or
   * `{ fields, ignoreArchived: true }` for a key that archived rows leave free (a partial unique index).
   */
  uniques?: U & readonly (readonly (keyof F & string)[] | UniqueKeyInput<keyof F & string>)[];
  /** Record writes in the audit log (default true). */
  audit?: boolean;
  /** Cache get / list / count results for `ttlSeconds` (per caller and query); off by default. */
  cache?: { ttlSeconds: number };
  /**
   * Full-text search over these text fields (string / text / email, not hidden), most important
   * first: `search: ['name', 'description']`. Adds a generated `search_vector` column (never read
   * or written by clients) with a GIN index; `where: { search: 'rocket -draft' }` filters by it.
   */
  search?: readonly SK[];
  /**
   * Computed fields, worked out in SQL when a read asks for them (never stored):
   * `computed: { releaseCount: computed.count('releases'), latestReleaseAt: computed.max('timestamp', 'releases', 'createdAt') }`.
   * Each aggregates a to-many relation's rows the caller may read (archived rows left out).
   */
  computed?: C;
}

/** Fields full-text search may cover: text-like and not hidden. */
export type SearchableKeys<F extends FieldMap> = {
  [K in keyof F]: NonNullable<F[K]['_kind']> extends SearchableKind
    ? 'hidden' extends NonNullable<F[K]['_flags']>
      ? never
      : K
    : never;
}[keyof F] &
  string;

/** The field kinds full-text search may cover. */
export const searchableKinds = ['string', 'text', 'email'] as const satisfies readonly FieldKind[];
type SearchableKind = (typeof searchableKinds)[number];

/** A unique key with options. */
export interface UniqueKeyInput<K extends string = string> {
  readonly fields: readonly K[];
  /** Archived rows do not count (the entity must have the archive trait): a name can be reused after archiving. */
  readonly ignoreArchived?: boolean;
}

export interface UniqueKey {
  readonly fields: readonly string[];
  readonly ignoreArchived: boolean;
}

const defaultLimits: EntityLimits = { defaultLimit: 20, maxLimit: 100, maxBatch: 1000 };

function systemField<T, K extends FieldKind, F extends FieldFlag>(
  config: Omit<FieldConfig, keyof typeof baseConfig> & Partial<FieldConfig>,
): Field<T, K, F> {
  return makeField<T, K, F>({ ...baseConfig, system: true, ...config });
}

const timestamp = () => z.date().min(timestampRange.min).max(timestampRange.max);

/** The runtime fields of each trait. */
function traitFields(traits: ReadonlySet<Trait>): FieldMap {
  const out: FieldMap = {
    id: systemField({
      kind: 'uuid',
      schema: z.uuid(),
      hasDefault: true,
      sqlDefault: 'gen_random_uuid()',
      filterable: true,
      sortable: true,
      listed: true,
    }),
  };
  if (traits.has('timestamps')) {
    out.createdAt = systemField({
      kind: 'timestamp',
      schema: timestamp(),
      hasDefault: true,
      sqlDefault: 'now()',
      filterable: true,
      sortable: true,
    });
    out.updatedAt = systemField({
      kind: 'timestamp',
      schema: timestamp(),
      hasDefault: true,
      sqlDefault: 'now()',
      filterable: true,
      sortable: true,
    });
  }
  if (traits.has('version')) {
    out.version = systemField({
      kind: 'int',
      schema: z.number().int(),
      hasDefault: true,
      sqlDefault: '1',
      listed: true,
    });
  }
  if (traits.has('audit')) {
    out.createdBy = systemField({ kind: 'uuid', schema: z.uuid(), nullable: true, filterable: true });
    out.updatedBy = systemField({ kind: 'uuid', schema: z.uuid(), nullable: true, filterable: true });
  }
  if (traits.has('properties')) {
    out.properties = makeField({
      ...baseConfig,
      kind: 'json',
      schema: storableJson(z.record(z.string(), z.unknown())),
      nullable: true,
      filterable: true,
    });
  }
  if (traits.has('archive')) {
    out.archivedAt = systemField({
      kind: 'timestamp',
      schema: timestamp(),
      nullable: true,
      filterable: true,
      sortable: true,
    });
    out.archiveBatch = systemField({ kind: 'uuid', schema: z.uuid(), nullable: true, hidden: true });
  }
  return out;
}

/** snake_case of a camelCase name: `organizationId` -> `organization_id`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Defines an entity once: its fields, the standard fields it takes from traits, and its relations.
 *
 * @example
 * const tag = defineEntity({
 *   name: 'tag',
 *   traits: ['timestamps'],
 *   fields: { label: f.string({ max: 50 }).unique().filterable().sortable().list() },
 * });
 */
export function defineEntity<
  const N extends string,
  F extends FieldMap,
  const Tr extends Trait = never,
  R extends RelationMap = Record<never, never>,
  const U extends Uniques = [],
  SK extends SearchableKeys<F> = never,
  C extends ComputedMap = Record<never, never>,
>(input: EntityInput<N, F, Tr, R, U, SK, C>): EntityDef<N, F, Tr, R, U, SK, C> {
  const traits = new Set<Trait>(input.traits ?? []);
  const standard = traitFields(new Set(['timestamps', 'version', 'audit', 'properties', 'archive']));
  for (const key of Object.keys(input.fields)) {
    if (key in standard) {
      throw new Error(`entity ${input.name}: field '${key}' is a standard field; enable its trait instead`);
    }
  }
  const fields = { ...traitFields(traits), ...input.fields } as F & TraitFields<Tr>;
  const uniqueKeys: UniqueKey[] = (input.uniques ?? []).map((u) =>
    'fields' in u
      ? { fields: [...(u as UniqueKeyInput).fields], ignoreArchived: u.ignoreArchived === true }
      : { fields: [...(u as readonly string[])], ignoreArchived: false },
  );
  for (const u of uniqueKeys) {
    if (u.ignoreArchived && !traits.has('archive'))
      throw new Error(
        `entity ${input.name}: a unique key that ignores archived rows needs the archive trait`,
      );
  }
  const search = checkSearch(input.name, input.fields, input.search ?? []);
  return {
    name: input.name,
    table: input.table ?? snakeCase(input.name),
    ...(input.description ? { description: input.description } : {}),
    traits,
    fields,
    relations: (input.relations ?? {}) as R,
    limits: { ...defaultLimits, ...input.limits },
    uniques: uniqueKeys.map((u) => u.fields),
    uniqueKeys,
    audited: input.audit ?? true,
    ...(input.cache ? { cache: input.cache } : {}),
    search,
    computed: checkComputed(input.name, fields, input.relations ?? {}, input.computed ?? {}),
  };
}

/** Start-up checks of `computed` that need no other entity (the schema checks relations and fields). */
function checkComputed(
  entity: string,
  fields: FieldMap,
  relations: RelationMap,
  computed: ComputedMap,
): ComputedMap {
  for (const name of Object.keys(computed)) {
    const at = `entity ${entity}, computed ${name}`;
    if (name in fields || name in relations) throw new Error(`${at}: a field or relation has the same name`);
    if (name.startsWith('_') || ['AND', 'OR', 'NOT', 'search'].includes(name))
      throw new Error(`${at}: the name is reserved`);
  }
  return { ...computed };
}

/** The column full-text search reads: generated from the searched fields, never a field itself. */
export const searchColumn = 'search_vector';

/** Start-up checks of `search`: known, text-like, visible fields, each once, and no clash with its names. */
function checkSearch(entity: string, fields: FieldMap, search: readonly string[]): string[] {
  if (search.length === 0) return [];
  const where = `entity ${entity}, search`;
  const seen = new Set<string>();
  for (const name of search) {
    const field = fields[name];
    if (!field) throw new Error(`${where}: '${name}' is not a field of ${entity}`);
    const { kind, hidden } = field.config;
    if (!(searchableKinds as readonly string[]).includes(kind))
      throw new Error(
        `${where}: '${name}' is a ${kind} field; search covers text fields only (${searchableKinds.join(', ')})`,
      );
    if (hidden) throw new Error(`${where}: '${name}' is hidden; searching it would reveal its content`);
    if (seen.has(name)) throw new Error(`${where}: '${name}' is listed twice`);
    seen.add(name);
  }
  for (const name of Object.keys(fields)) {
    if (name === 'search' || snakeCase(name) === searchColumn)
      throw new Error(`${where}: field '${name}' clashes with the search filter or its column`);
  }
  return [...search];
}
