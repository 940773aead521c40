import { z } from 'zod';
import {
  type AnyField,
  baseConfig,
  type Field,
  type FieldConfig,
  type FieldFlag,
  type FieldKind,
  makeField,
} from './field.js';
import type { AnyRelation } from './relation.js';

/** Standard fields an entity opts into. `id` (uuid) is always present. */
export type Trait = 'timestamps' | 'version' | 'audit' | 'properties' | 'archive';

export type JsonObject = { [key: string]: unknown };

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
  archive: { archivedAt: Field<Date, 'timestamp', 'system' | 'null' | 'filter' | 'sort'> };
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
export interface EntityDef<
  N extends string = string,
  F extends FieldMap = FieldMap,
  Tr extends Trait = Trait,
  R extends RelationMap = RelationMap,
> {
  readonly name: N;
  readonly table: string;
  readonly description?: string;
  readonly traits: ReadonlySet<Trait>;
  /** Every field, trait fields first, in column order. */
  readonly fields: F & TraitFields<Tr>;
  readonly relations: R;
  readonly limits: EntityLimits;
  /** Multi-column unique constraints, by field names. */
  readonly uniques: readonly (readonly string[])[];
  /** Whether writes are recorded in the audit log (default true). */
  readonly audited: boolean;
  /** Cache reads of this entity for this long (per caller and query; writes invalidate at once). */
  readonly cache?: { readonly ttlSeconds: number };
}

// biome-ignore lint/suspicious/noExplicitAny: the widest entity, used only as a constraint
export type AnyEntity = EntityDef<string, any, any, any>;

export interface EntityInput<N extends string, F extends FieldMap, Tr extends Trait, R extends RelationMap> {
  name: N;
  /** The table name; defaults to the entity name in snake_case. */
  table?: string;
  description?: string;
  traits?: readonly Tr[];
  fields: F;
  relations?: R;
  limits?: Partial<EntityLimits>;
  uniques?: readonly (readonly (keyof F & string)[])[];
  /** Record writes in the audit log (default true). */
  audit?: boolean;
  /** Cache get / list / count results for `ttlSeconds` (per caller and query); off by default. */
  cache?: { ttlSeconds: number };
}

const defaultLimits: EntityLimits = { defaultLimit: 20, maxLimit: 100, maxBatch: 1000 };

function systemField<T, K extends FieldKind, F extends FieldFlag>(
  config: Omit<FieldConfig, keyof typeof baseConfig> & Partial<FieldConfig>,
): Field<T, K, F> {
  return makeField<T, K, F>({ ...baseConfig, system: true, ...config });
}

const timestamp = () => z.date();

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
      schema: z.record(z.string(), z.unknown()),
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
>(input: EntityInput<N, F, Tr, R>): EntityDef<N, F, Tr, R> {
  const traits = new Set<Trait>(input.traits ?? []);
  const standard = traitFields(new Set(['timestamps', 'version', 'audit', 'properties', 'archive']));
  for (const key of Object.keys(input.fields)) {
    if (key in standard) {
      throw new Error(`entity ${input.name}: field '${key}' is a standard field; enable its trait instead`);
    }
  }
  const fields = { ...traitFields(traits), ...input.fields } as F & TraitFields<Tr>;
  return {
    name: input.name,
    table: input.table ?? snakeCase(input.name),
    ...(input.description ? { description: input.description } : {}),
    traits,
    fields,
    relations: (input.relations ?? {}) as R,
    limits: { ...defaultLimits, ...input.limits },
    uniques: input.uniques ?? [],
    audited: input.audit ?? true,
    ...(input.cache ? { cache: input.cache } : {}),
  };
}

/** The config of every field of an entity, by name. */
export function fieldConfigs(entity: AnyEntity): [string, FieldConfig][] {
  return Object.entries(entity.fields as FieldMap).map(([name, field]) => [name, field.config]);
}
