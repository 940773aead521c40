import { z } from 'zod';
import { type AggregateQuery, aggregateDtos, type GroupByQuery } from './aggregate.js';
import type { AnyComputed } from './computed.js';
import type { AnyEntity, FieldMap } from './entity.js';
import { bigintRange, type FieldConfig, intRange, jsonValue, storableDate, storableString } from './field.js';
import { kindOperators, type Operator, operators, textKinds } from './operators.js';
import type { RelationKind } from './relation.js';
import type {
  CountQuery,
  CreateFields,
  CreateInput,
  CreateManyInput,
  DeleteInput,
  EntityMap,
  GetQuery,
  IdInput,
  ListItem,
  ListQuery,
  ManyToManyKeys,
  Row,
  UpdateInput,
  UpdateManyInput,
  UpsertInput,
  Where,
  WriteIdInput,
} from './types.js';

/** Limits every query keeps, whatever the entity. */
export const queryLimits = {
  /** How deep `include` may nest (a relation of a relation of a relation). */
  includeDepth: 3,
  /** How deep AND / OR / NOT and relation filters may nest. */
  whereDepth: 5,
  /** The most values an `in` / `notIn` list or a connect may carry. */
  listValues: 1000,
  /** The most fields an `orderBy` may name. */
  orderFields: 5,
  /** The largest offset; deeper pages use the cursor. */
  maxOffset: 100_000,
  /** The longest full-text `search` query (where and `_relevance`), in characters. */
  searchLength: 200,
  /** The most conditions one AND / OR may list. */
  conditions: 50,
} as const;

/** The longest text a `contains` / `startsWith` / `endsWith` (and the JSON string filters) take. */
const patternMax = 1000;
/** The most keys a JSON filter's path may have, and the longest key. */
const jsonPathMax = 10;
const jsonPathKeyMax = 100;

/** A full-text search query: not blank, at most `queryLimits.searchLength` characters. */
export function searchQuery(): z.ZodType<string> {
  return storableString()
    .max(queryLimits.searchLength, {
      error: `search must be at most ${queryLimits.searchLength} characters`,
    })
    .refine((v) => v.trim().length > 0, { error: 'search must not be blank' });
}

/** A relation with both ends resolved to tables and columns. */
export interface ResolvedRelation {
  readonly name: string;
  readonly kind: RelationKind;
  readonly source: AnyEntity;
  readonly target: AnyEntity;
  /** belongsTo: the source's reference field; hasMany/hasOne: the target's field pointing back. */
  readonly field?: string;
  readonly join?: JoinTable;
  /** hasMany / hasOne: archiving the source archives the related rows (and restoring restores them). */
  readonly archive?: 'cascade';
}

/** A many-to-many join table, generated from the two definitions. */
export interface JoinTable {
  readonly table: string;
  /** Column referencing the declaring entity, and that entity. */
  readonly left: { readonly entity: AnyEntity; readonly column: string };
  readonly right: { readonly entity: AnyEntity; readonly column: string };
}

/** A Zod schema whose input and output are both T (what tRPC and forms infer from). */
export type Dto<T> = z.ZodType<T, T>;

/** The DTO schemas of one entity; the same objects validate in the server, the client and the admin forms. */
export interface EntityDtos<S extends EntityMap, E extends AnyEntity> {
  /** A new row: system fields absent, defaults applied, nested many-to-many connects and one-to-one creates. */
  create: Dto<CreateInput<S, E>>;
  /** The rows, or `{ data: rows, skipDuplicates }`. */
  createMany: Dto<CreateInput<S, E>[] | CreateManyInput<S, E>>;
  /** `{ id, data, expectedVersion? }`: every field optional, at least one required. */
  update: Dto<UpdateInput<E, S>>;
  /** `{ where: <one unique key>, create, update }`; absent when the entity has no unique key. */
  upsert: Dto<UpsertInput<E>> | undefined;
  updateMany: Dto<UpdateManyInput<S, E>>;
  /** The full read shape. */
  entity: Dto<Row<E>>;
  /** The light list item. */
  listItem: Dto<ListItem<E>>;
  list: Dto<ListQuery<S, E>>;
  get: Dto<GetQuery<S, E>>;
  count: Dto<CountQuery<S, E>>;
  /** `{ where?, withArchived?, _count?, _sum?, _avg?, _min?, _max? }` (see aggregate.ts). */
  aggregate: Dto<AggregateQuery<S, E>>;
  /** `{ by, where?, having?, orderBy?, limit?, ...aggregates }` (see aggregate.ts). */
  groupBy: Dto<GroupByQuery<S, E>>;
  where: Dto<Where<S, E>>;
  id: Dto<IdInput>;
  /** `{ id, withArchived? }`: archive. */
  writeId: Dto<WriteIdInput>;
  /** `{ id, withArchived?, expectedVersion? }`: delete. */
  deleteOne: Dto<DeleteInput>;
  deleteMany: Dto<{ where: Where<S, E> }>;
  connect: Dto<{ id: string; relation: ManyToManyKeys<E>; ids: string[] }>;
}

export interface SchemaOptions {
  /** The entity whose ids `createdBy` / `updatedBy` reference (foreign keys, on delete set null). */
  principal?: string;
  /**
   * The entity that receives the audit trail (fields entity, entityId, action, actorId, changes):
   * every other entity with `audit` on (the default) gets database triggers that record each change
   * there, whoever makes it — generated procedures, cascades, raw SQL — in the same transaction.
   */
  auditLog?: string;
  /** The entity rows belong to (an organization): change events carry the tenant of the row they name. */
  tenant?: string;
}

/** A set of entities whose relations resolve against each other. */
export interface Schema<S extends EntityMap> {
  readonly entities: S;
  readonly options: SchemaOptions;
  /** Entities in dependency order: every entity after those it references. */
  readonly ordered: readonly AnyEntity[];
  readonly joinTables: readonly JoinTable[];
  entity<N extends keyof S & string>(name: N): S[N];
  relation(entity: string, name: string): ResolvedRelation;
  relations(entity: string): readonly ResolvedRelation[];
  dto<N extends keyof S & string>(name: N): EntityDtos<S, S[N]>;
}

/**
 * A schema whatever its entities: what the generic machinery (tables, migrations, the query
 * compiler, the cache) takes. Every `Schema<S>` is one, without a cast.
 */
export interface AnySchema {
  readonly entities: EntityMap;
  readonly options: SchemaOptions;
  readonly ordered: readonly AnyEntity[];
  readonly joinTables: readonly JoinTable[];
  entity(name: string): AnyEntity;
  relation(entity: string, name: string): ResolvedRelation;
  relations(entity: string): readonly ResolvedRelation[];
  dto(name: string): EntityDtos<EntityMap, AnyEntity>;
}

/**
 * Resolves the relations of a set of entities and derives their DTO schemas.
 * Throws at start-up on a relation whose target or field does not exist.
 */
export function defineSchema<const S extends EntityMap>(entities: S, options: SchemaOptions = {}): Schema<S> {
  const byName = new Map<string, AnyEntity>(Object.values(entities).map((e) => [e.name, e]));
  for (const [key, e] of Object.entries(entities)) {
    if (key !== e.name)
      throw new Error(`schema: key '${key}' holds entity '${e.name}'; use its name as the key`);
  }
  const get = (name: string): AnyEntity => {
    const e = byName.get(name);
    if (!e) throw new Error(`schema: unknown entity '${name}'`);
    return e;
  };
  if (options.principal) get(options.principal);
  if (options.auditLog) get(options.auditLog);
  if (options.tenant) get(options.tenant);

  const joinTables = new Map<string, JoinTable>();
  const resolved = new Map<string, Map<string, ResolvedRelation>>();
  for (const source of byName.values()) {
    const rels = new Map<string, ResolvedRelation>();
    for (const [name, rel] of Object.entries(
      source.relations as Record<string, { config: import('./relation.js').RelationConfig }>,
    )) {
      const cfg = rel.config;
      const where = `entity ${source.name}, relation ${name}`;
      const target = byName.get(cfg.target);
      if (!target) throw new Error(`${where}: unknown target entity '${cfg.target}'`);
      if (name in source.fields) throw new Error(`${where}: a field has the same name`);
      if (cfg.kind === 'belongsTo') {
        const fk = fieldOf(source, cfg.field, where);
        if (fk.references?.entity !== target.name) {
          throw new Error(`${where}: field '${cfg.field}' must be f.ref('${target.name}')`);
        }
        rels.set(name, { name, kind: cfg.kind, source, target, field: cfg.field! });
      } else if (cfg.kind === 'hasMany' || cfg.kind === 'hasOne') {
        const fk = fieldOf(target, cfg.field, where);
        if (fk.references?.entity !== source.name) {
          throw new Error(`${where}: ${target.name}.${cfg.field} must be f.ref('${source.name}')`);
        }
        if (cfg.kind === 'hasOne' && !fk.unique) {
          throw new Error(`${where}: ${target.name}.${cfg.field} must be unique for a one-to-one relation`);
        }
        if (cfg.archive && !(source.traits.has('archive') && target.traits.has('archive'))) {
          throw new Error(
            `${where}: archive: 'cascade' needs the archive trait on ${source.name} and ${target.name}`,
          );
        }
        rels.set(name, {
          name,
          kind: cfg.kind,
          source,
          target,
          field: cfg.field!,
          ...(cfg.archive ? { archive: cfg.archive } : {}),
        });
      } else {
        const tables = [source.table, target.table].sort();
        const table = cfg.through ?? `${tables[0]}_${tables[1]}`;
        let join = joinTables.get(table);
        if (!join) {
          join = {
            table,
            left: { entity: source, column: `${source.table}_id` },
            right: { entity: target, column: `${target.table}_id` },
          };
          if (join.left.column === join.right.column)
            throw new Error(`${where}: self many-to-many is not supported`);
          joinTables.set(table, join);
        } else if (
          !(join.left.entity === target && join.right.entity === source) &&
          !(join.left.entity === source && join.right.entity === target)
        ) {
          throw new Error(`${where}: join table '${table}' already joins other entities`);
        }
        rels.set(name, { name, kind: cfg.kind, source, target, join });
      }
    }
    resolved.set(source.name, rels);
  }

  for (const source of byName.values()) checkComputed(source, resolved.get(source.name)!);

  const ordered = topologicalOrder([...byName.values()]);
  const dtoCache = new Map<string, EntityDtos<EntityMap, AnyEntity>>();

  const schema: Schema<S> = {
    entities,
    options,
    ordered,
    joinTables: [...joinTables.values()],
    entity: (name) => get(name) as S[typeof name],
    relation(entity, name) {
      const rel = resolved.get(entity)?.get(name);
      if (!rel) throw new Error(`entity ${entity} has no relation '${name}'`);
      return rel;
    },
    relations: (entity) => [...(resolved.get(entity)?.values() ?? [])],
    dto(name) {
      let dtos = dtoCache.get(name);
      if (!dtos) {
        dtos = buildDtos(schema as unknown as Schema<EntityMap>, get(name));
        dtoCache.set(name, dtos);
      }
      return dtos as unknown as EntityDtos<S, S[typeof name]>;
    },
  };
  return schema;
}

/** Start-up checks of an entity's computed fields: a to-many relation, a readable field of the kind declared. */
function checkComputed(entity: AnyEntity, rels: Map<string, ResolvedRelation>): void {
  for (const [name, c] of Object.entries(entity.computed ?? {})) {
    const at = `entity ${entity.name}, computed ${name}`;
    const rel = rels.get(c.relation);
    if (!rel || (rel.kind !== 'hasMany' && rel.kind !== 'manyToMany'))
      throw new Error(`${at}: '${c.relation}' is not a to-many relation of ${entity.name}`);
    if (c.aggregate !== 'count') {
      const f = (rel.target.fields as FieldMap)[c.field ?? ''];
      if (!f) throw new Error(`${at}: ${rel.target.name} has no field '${c.field}'`);
      if (f.config.hidden) throw new Error(`${at}: ${rel.target.name}.${c.field} is hidden`);
      if (f.config.kind !== c.kind)
        throw new Error(`${at}: ${rel.target.name}.${c.field} is a ${f.config.kind} field, not ${c.kind}`);
      if (c.aggregate === 'sum' && c.kind !== 'int' && c.kind !== 'float')
        throw new Error(`${at}: sum needs an int or float field`);
    }
    for (const key of Object.keys(c.where ?? {})) {
      const known =
        key in rel.target.fields ||
        ['AND', 'OR', 'NOT', 'search'].includes(key) ||
        (rel.target.relations as Record<string, unknown>)[key] !== undefined;
      if (!known) throw new Error(`${at}: where names '${key}', not a field of ${rel.target.name}`);
    }
  }
}

/** The `where` schema of a computed field: its kind's operators (a kind's value, or null when nullable). */
function computedFilter(c: AnyComputed): z.ZodType {
  return fieldFilter({ kind: c.kind, nullable: c.nullable, schema: z.unknown() } as unknown as FieldConfig);
}

function fieldOf(entity: AnyEntity, field: string | undefined, where: string): FieldConfig {
  const f = field ? (entity.fields as FieldMap)[field] : undefined;
  if (!f) throw new Error(`${where}: ${entity.name} has no field '${field}'`);
  return f.config;
}

/** Orders entities so each comes after the ones its reference fields point to (self references allowed). */
function topologicalOrder(entities: AnyEntity[]): AnyEntity[] {
  const byName = new Map(entities.map((e) => [e.name, e]));
  const out: AnyEntity[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (e: AnyEntity, path: string[]) => {
    const s = state.get(e.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`schema: reference cycle ${[...path, e.name].join(' -> ')}`);
    state.set(e.name, 'visiting');
    for (const field of Object.values(e.fields as FieldMap)) {
      const ref = field.config.references?.entity;
      if (ref && ref !== e.name) visit(byName.get(ref)!, [...path, e.name]);
    }
    state.set(e.name, 'done');
    out.push(e);
  };
  for (const e of entities) visit(e, []);
  return out;
}

// ---------------------------------------------------------------------------------------------
// DTO schemas

const uuid = () => z.uuid({ error: 'must be a uuid' });

/** The value schema used in filters: the field's type without its write-time rules (a filter may be ''). */
function filterValue(cfg: FieldConfig): z.ZodType {
  switch (cfg.kind) {
    case 'string':
    case 'text':
      return storableString().max(cfg.maxLength ?? 4096, {
        error: `must be at most ${cfg.maxLength ?? 4096} characters`,
      });
    case 'email':
      // stored lower-cased (see f.email), so a filter compares lower-cased too
      return storableString()
        .max(cfg.maxLength ?? 4096, { error: `must be at most ${cfg.maxLength ?? 4096} characters` })
        .toLowerCase();
    case 'uuid':
      return uuid();
    case 'int':
      return z
        .number()
        .int()
        .min(intRange.min, { error: `must be at least ${intRange.min}` })
        .max(intRange.max, { error: `must be at most ${intRange.max}` });
    case 'float':
      return z.number();
    case 'bigint':
      return z
        .bigint()
        .min(bigintRange.min, { error: 'is below the 64-bit range' })
        .max(bigintRange.max, { error: 'is above the 64-bit range' });
    case 'numeric':
      return cfg.schema;
    case 'boolean':
      return z.boolean();
    case 'enum':
      return cfg.schema;
    case 'timestamp':
    case 'date':
      return storableDate();
    case 'json':
      return jsonValue();
  }
}

/** A field's `where` schema: a plain value (equality) or its kind's operators from the operator table. */
function fieldFilter(cfg: FieldConfig): z.ZodType {
  const v = filterValue(cfg);
  const pattern = storableString().max(patternMax, { error: `must be at most ${patternMax} characters` });
  if (cfg.kind === 'json') {
    const number = z.number({ error: 'must be a number' });
    return z.strictObject({
      path: z
        .array(
          storableString()
            .min(1, { error: 'must not be empty' })
            .max(jsonPathKeyMax, { error: `must be at most ${jsonPathKeyMax} characters` }),
        )
        .min(1, { error: 'must name at least one key' })
        .max(jsonPathMax, { error: `at most ${jsonPathMax} keys` }),
      equals: jsonValue().optional(),
      not: jsonValue().optional(),
      isNull: z.boolean().optional(),
      string_contains: pattern.optional(),
      string_starts_with: pattern.optional(),
      string_ends_with: pattern.optional(),
      mode: z.enum(['default', 'insensitive']).optional(),
      array_contains: jsonValue().optional(),
      lt: number.optional(),
      lte: number.optional(),
      gt: number.optional(),
      gte: number.optional(),
    });
  }
  const operand = {
    value: v,
    list: z.array(v).max(queryLimits.listValues, { error: `at most ${queryLimits.listValues} values` }),
    // stored lower-cased (see f.email), so an email pattern compares lower-cased too
    pattern: cfg.kind === 'email' ? pattern.toLowerCase() : pattern,
    flag: z.boolean(),
  };
  const shape: Record<string, z.ZodType> = {};
  for (const op of kindOperators[cfg.kind] as readonly Operator[]) shape[op] = operand[operators[op].operand];
  if ((textKinds as readonly string[]).includes(cfg.kind)) shape.mode = z.enum(['default', 'insensitive']);
  const shorthand = cfg.nullable ? v.nullable() : v;
  return z.union([shorthand, z.strictObject(shape).partial()]);
}

const tooDeep = (what: string, depth: number) =>
  z.unknown().superRefine((_v, ctx) => {
    ctx.addIssue({ code: 'custom', message: `${what} nests deeper than ${depth} levels` });
  });

/** An include arg a to-one relation refuses (present at all is the error, whatever its value). */
const notToOne = (what: string, relation: string) =>
  z
    .unknown()
    .superRefine((v, ctx) => {
      if (v !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} does not apply to ${relation}: a to-one relation embeds one row`,
        });
      }
    })
    .optional();

interface QuerySchemas {
  where(entity: AnyEntity, depth: number): z.ZodType;
  orderBy(entity: AnyEntity, depth: number): z.ZodType;
  include(entity: AnyEntity, depth: number): z.ZodType;
  /** `select` at an include depth: readable fields, relations (as include args), `_count`. */
  select(entity: AnyEntity, depth: number): z.ZodType;
  /** `omit`: readable fields. */
  omit(entity: AnyEntity): z.ZodType;
  /** `_count`: to-many relations, each `true` or `{ where, withArchived }`. */
  count(entity: AnyEntity): z.ZodType;
}

/** select and omit exclude each other: both given is refused at the select. */
const notBoth = (v: unknown) => {
  const o = v as { select?: unknown; omit?: unknown } | null;
  return !(o && typeof o === 'object' && o.select !== undefined && o.omit !== undefined);
};
const notBothError = { error: 'use either select or omit, not both', path: ['select'] };

/** Query schemas per entity and depth, built on first use and shared by every entity of the schema. */
function querySchemas(schema: Schema<EntityMap>): QuerySchemas {
  const cache = new Map<string, z.ZodType>();
  const memo = (key: string, build: () => z.ZodType) => {
    let s = cache.get(key);
    if (!s) {
      s = build();
      cache.set(key, s);
    }
    return s;
  };
  const qs: QuerySchemas = {
    where: (entity, depth) =>
      memo(`w:${entity.name}:${depth}`, () => {
        if (depth <= 0) return tooDeep('where', queryLimits.whereDepth);
        const shape: Record<string, z.ZodType> = {};
        for (const [name, field] of Object.entries(entity.fields as FieldMap)) {
          if (field.config.filterable) shape[name] = fieldFilter(field.config).optional();
        }
        for (const [name, c] of Object.entries(entity.computed ?? {}))
          shape[name] = computedFilter(c).optional();
        for (const rel of schema.relations(entity.name)) {
          const inner = z.lazy(() => qs.where(rel.target, depth - 1));
          shape[rel.name] = (
            rel.kind === 'hasMany' || rel.kind === 'manyToMany'
              ? z.strictObject({ some: inner, none: inner, every: inner }).partial()
              : z.strictObject({ is: inner.nullable(), isNot: inner.nullable() }).partial()
          ).optional();
        }
        if (entity.search.length > 0) shape.search = searchQuery().optional();
        const self = z.lazy(() => qs.where(entity, depth - 1));
        const conditions = z
          .array(self)
          .max(queryLimits.conditions, { error: `at most ${queryLimits.conditions} conditions` });
        shape.AND = conditions.optional();
        shape.OR = conditions.optional();
        shape.NOT = self.optional();
        return z.strictObject(shape);
      }),
    orderBy: (entity, depth) =>
      memo(`o:${entity.name}:${depth}`, () => {
        if (depth <= 0) return tooDeep('orderBy', 2);
        const spec = z.union([
          z.enum(['asc', 'desc']),
          z.strictObject({ dir: z.enum(['asc', 'desc']), nulls: z.enum(['first', 'last']).optional() }),
        ]);
        const shape: Record<string, z.ZodType> = {};
        for (const [name, field] of Object.entries(entity.fields as FieldMap)) {
          if (field.config.sortable) shape[name] = spec.optional();
        }
        for (const name of Object.keys(entity.computed ?? {})) shape[name] = spec.optional();
        if (entity.search.length > 0)
          shape._relevance = z
            .strictObject({ search: searchQuery(), dir: z.enum(['asc', 'desc']).optional() })
            .optional();
        for (const rel of schema.relations(entity.name)) {
          if (rel.kind === 'belongsTo' || rel.kind === 'hasOne') {
            shape[rel.name] = z.lazy(() => qs.orderBy(rel.target, depth - 1)).optional();
          }
        }
        return z.strictObject(shape);
      }),
    include: (entity, depth) =>
      memo(`i:${entity.name}:${depth}`, () => {
        if (depth <= 0) return tooDeep('include', queryLimits.includeDepth);
        const shape: Record<string, z.ZodType> = {};
        for (const rel of schema.relations(entity.name)) shape[rel.name] = relationArgs(rel, depth);
        shape._count = qs.count(entity).optional();
        for (const name of Object.keys(entity.computed ?? {})) shape[name] = z.boolean().optional();
        return z.strictObject(shape);
      }),
    select: (entity, depth) =>
      memo(`s:${entity.name}:${depth}`, () => {
        if (depth <= 0) return tooDeep('include', queryLimits.includeDepth);
        const shape: Record<string, z.ZodType> = {};
        for (const [name, field] of Object.entries(entity.fields as FieldMap)) {
          if (!field.config.hidden) shape[name] = z.boolean().optional();
        }
        for (const rel of schema.relations(entity.name)) shape[rel.name] = relationArgs(rel, depth);
        shape._count = qs.count(entity).optional();
        for (const name of Object.keys(entity.computed ?? {})) shape[name] = z.boolean().optional();
        return z
          .strictObject(shape)
          .refine((v) => Object.values(v).some((x) => x !== undefined && x !== false), {
            error: 'select must pick at least one field',
          });
      }),
    omit: (entity) =>
      memo(`m:${entity.name}`, () => {
        const shape: Record<string, z.ZodType> = {};
        for (const [name, field] of Object.entries(entity.fields as FieldMap)) {
          if (!field.config.hidden) shape[name] = z.boolean().optional();
        }
        return z.strictObject(shape);
      }),
    count: (entity) =>
      memo(`c:${entity.name}`, () => {
        const shape: Record<string, z.ZodType> = {};
        for (const rel of schema.relations(entity.name)) {
          if (rel.kind !== 'hasMany' && rel.kind !== 'manyToMany') continue;
          const t = rel.target;
          const args = z.strictObject({
            where: z.lazy(() => qs.where(t, queryLimits.whereDepth)).optional(),
            withArchived: z.boolean().optional(),
          });
          shape[rel.name] = z.union([z.boolean(), args]).optional();
        }
        return z.strictObject(shape);
      }),
  };
  /** What an include (or a select) takes for one relation: a boolean, or its own args. */
  const relationArgs = (rel: ResolvedRelation, depth: number) => {
    const t = rel.target;
    const toMany = rel.kind === 'hasMany' || rel.kind === 'manyToMany';
    const args = z
      .strictObject({
        where: z.lazy(() => qs.where(t, queryLimits.whereDepth)).optional(),
        // a to-one include embeds one row: a limit or order would be silently meaningless
        orderBy: toMany ? z.lazy(() => orderByList(qs, t)).optional() : notToOne('orderBy', rel.name),
        limit: toMany ? limitSchema(t).optional() : notToOne('limit', rel.name),
        include: z.lazy(() => qs.include(t, depth - 1)).optional(),
        withArchived: z.boolean().optional(),
        select: z.lazy(() => qs.select(t, depth - 1)).optional(),
        omit: z.lazy(() => qs.omit(t)).optional(),
      })
      .refine(notBoth, notBothError);
    return z.union([z.boolean(), args]).optional();
  };
  return qs;
}

function orderByList(qs: QuerySchemas, entity: AnyEntity): z.ZodType {
  const one = qs.orderBy(entity, 2);
  return z.union([
    one,
    z.array(one).max(queryLimits.orderFields, { error: `at most ${queryLimits.orderFields} sort fields` }),
  ]);
}

function limitSchema(entity: AnyEntity) {
  return z
    .number()
    .int()
    .min(1, { error: 'limit must be at least 1' })
    .max(entity.limits.maxLimit, { error: `limit must be at most ${entity.limits.maxLimit}` });
}

const schemaQueries = new WeakMap<object, QuerySchemas>();

/** What nested writes read from another entity's DTOs (beside the public ones). */
interface DtoParts {
  uniqueWhere: z.ZodType | undefined;
  createFields: z.ZodType<CreateFields<AnyEntity>>;
  updateData: z.ZodType;
}

/**
 * One of the entity's unique keys, every field of it given: a union of one strict object per
 * key (`.unique()` fields, then `uniques`); undefined when the entity has none.
 */
function uniqueWhereOf(entity: AnyEntity): z.ZodType | undefined {
  const fields = entity.fields as FieldMap;
  // the value as a create would store it (trimmed, lower-cased email), so the key compares alike
  const keyValue = (name: string) => fields[name]!.config.schema;
  const keys: string[][] = [
    ...Object.entries(fields)
      .filter(([, f]) => f.config.unique && !f.config.hidden && !f.config.system)
      .map(([name]) => [name]),
    ...entity.uniques.map((u) => [...u]),
  ];
  if (!keys.length) return undefined;
  const shapes = keys.map((k) => z.strictObject(Object.fromEntries(k.map((f) => [f, keyValue(f)]))));
  return shapes.length === 1 ? shapes[0]! : z.union(shapes as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
}

function buildDtos(schema: Schema<EntityMap>, entity: AnyEntity): EntityDtos<EntityMap, AnyEntity> {
  let qs = schemaQueries.get(schema);
  if (!qs) {
    qs = querySchemas(schema);
    schemaQueries.set(schema, qs);
  }
  const fields = Object.entries(entity.fields as FieldMap).map(([name, f]) => [name, f.config] as const);
  const writable = fields.filter(([, c]) => !c.system && !c.hidden);
  const readable = fields.filter(([, c]) => !c.hidden);
  const rels = schema.relations(entity.name);
  const manyToManyNames = rels.filter((r) => r.kind === 'manyToMany').map((r) => r.name);
  const ids = z.array(uuid()).max(entity.limits.maxBatch, { error: `at most ${entity.limits.maxBatch} ids` });

  const createShape: Record<string, z.ZodType> = {};
  for (const [name, c] of writable) {
    let s: z.ZodType = c.nullable ? c.schema.nullable() : c.schema;
    if (c.hasDefault) s = s.default(c.defaultValue as never);
    else if (c.nullable) s = s.optional();
    createShape[name] = s;
  }
  const createFields = z.strictObject({ ...createShape });
  const rows = (of: z.ZodType) =>
    z.array(of).max(entity.limits.maxBatch, { error: `at most ${entity.limits.maxBatch} rows` });
  // a child's create without its reference to the parent (the server sets it); lazy: children may nest
  const childCreate = (rel: ResolvedRelation) =>
    z.lazy(() => {
      const child = schema.dto(rel.target.name as never).create as unknown as z.ZodObject;
      return child.omit({ [rel.field!]: true } as never);
    });
  const connectOrCreate = (rel: ResolvedRelation) =>
    rows(
      z.lazy(() => {
        const target = schema.dto(rel.target.name as never) as unknown as DtoParts;
        if (!target.uniqueWhere) return tooDeep(`connectOrCreate (${rel.target.name} has no unique key)`, 0);
        return z.strictObject({ where: target.uniqueWhere, create: target.createFields });
      }),
    );
  for (const rel of rels) {
    if (rel.kind === 'manyToMany')
      createShape[rel.name] = z
        .strictObject({ connect: ids.optional(), connectOrCreate: connectOrCreate(rel).optional() })
        .optional();
    if (rel.kind === 'hasMany')
      createShape[rel.name] = z.strictObject({ create: rows(childCreate(rel)) }).optional();
    if (rel.kind === 'hasOne') {
      const childShape: Record<string, z.ZodType> = {};
      const child = schema.dto(rel.target.name as never).create as unknown as z.ZodObject;
      for (const [k, v] of Object.entries(child.shape)) if (k !== rel.field) childShape[k] = v as z.ZodType;
      createShape[rel.name] = z.strictObject({ create: z.strictObject(childShape) }).optional();
    }
  }
  const create = z.strictObject(createShape);

  const updateShape: Record<string, z.ZodType> = {};
  for (const [name, c] of writable)
    updateShape[name] = c.immutable
      ? // not part of the update type; sent anyway, it is refused by name
        z.undefined({ error: 'cannot be changed once created' }).optional()
      : (c.nullable ? c.schema.nullable() : c.schema).optional();
  const fieldsOnly = z.strictObject(updateShape).refine((d) => Object.keys(d).length > 0, {
    error: 'at least one field to change is required',
  });
  for (const rel of rels) {
    if (rel.kind === 'manyToMany') {
      updateShape[rel.name] = z
        .strictObject({ connect: ids, disconnect: ids, set: ids, connectOrCreate: connectOrCreate(rel) })
        .partial()
        .optional();
    }
    if (rel.kind === 'hasMany') {
      const childData = z.lazy(
        () => (schema.dto(rel.target.name as never) as unknown as DtoParts).updateData,
      );
      updateShape[rel.name] = z
        .strictObject({
          create: rows(childCreate(rel)),
          update: rows(z.strictObject({ id: uuid(), data: childData })),
        })
        .partial()
        .optional();
    }
  }
  const data = z.strictObject(updateShape).refine((d) => Object.keys(d).length > 0, {
    error: 'at least one field to change is required',
  });
  const update = z.strictObject({
    id: uuid(),
    data,
    expectedVersion: z.number().int().min(1).optional(),
    withArchived: z.boolean().optional(),
  });

  const readShape: Record<string, z.ZodType> = {};
  for (const [name, c] of readable) readShape[name] = c.nullable ? c.schema.nullable() : c.schema;
  const listShape: Record<string, z.ZodType> = {};
  for (const [name, c] of readable) if (c.listed || name === 'id') listShape[name] = readShape[name]!;

  const where = qs.where(entity, queryLimits.whereDepth);
  const withArchived = z.boolean().optional();
  const include = qs.include(entity, queryLimits.includeDepth).optional();
  const select = qs.select(entity, queryLimits.includeDepth).optional();
  const omit = qs.omit(entity).optional();
  const sortable = fields.filter(([, c]) => c.sortable).map(([name]) => name);
  const list = z
    .strictObject({
      where: where.optional(),
      orderBy: orderByList(qs, entity).optional(),
      limit: limitSchema(entity).optional(),
      offset: z
        .number()
        .int()
        .min(0)
        .max(queryLimits.maxOffset, {
          error: `offset must be at most ${queryLimits.maxOffset}; use the cursor`,
        })
        .optional(),
      cursor: z.string().max(4096, { error: 'must be at most 4096 characters' }).optional(),
      withTotal: z.boolean().optional(),
      include,
      withArchived,
      select,
      omit,
      distinct: z
        .array(sortable.length ? z.enum(sortable as [string, ...string[]]) : z.never())
        .min(1, { error: 'distinct needs at least one field' })
        .max(queryLimits.orderFields, { error: `at most ${queryLimits.orderFields} distinct fields` })
        .optional(),
    })
    .refine((q) => q.cursor === undefined || q.offset === undefined, {
      error: 'use either cursor or offset, not both',
      path: ['cursor'],
    })
    .refine(notBoth, notBothError);

  const manyRows = z
    .array(create)
    .min(1, { error: 'at least one row is required' })
    .max(entity.limits.maxBatch, { error: `at most ${entity.limits.maxBatch} rows per call` });
  const uniqueWhere = uniqueWhereOf(entity);
  const dtos = {
    create,
    createMany: z.union(
      [manyRows, z.strictObject({ data: manyRows, skipDuplicates: z.boolean().optional() })],
      // neither a list nor an object: wrong as a whole, said the way a list input says it
      {
        error: (iss) =>
          `Invalid input: expected array, received ${iss.input === null ? 'null' : typeof iss.input}`,
      },
    ),
    update,
    upsert: uniqueWhere
      ? z.strictObject({
          where: uniqueWhere,
          create: createFields,
          update: fieldsOnly,
          expectedVersion: z.number().int().min(1).optional(),
          withArchived: z.boolean().optional(),
        })
      : undefined,
    uniqueWhere,
    createFields,
    updateData: data,
    updateMany: z.strictObject({ where, data: fieldsOnly }),
    entity: z.object(readShape),
    listItem: z.object(listShape),
    list,
    get: z.strictObject({ id: uuid(), include, withArchived, select, omit }).refine(notBoth, notBothError),
    count: z.strictObject({ where: where.optional(), withArchived }),
    ...aggregateDtos(entity, where),
    where,
    id: z.strictObject({ id: uuid() }),
    writeId: z.strictObject({ id: uuid(), withArchived }),
    deleteOne: z.strictObject({
      id: uuid(),
      withArchived,
      expectedVersion: z.number().int().min(1).optional(),
    }),
    deleteMany: z.strictObject({ where }),
    connect: z.strictObject({
      id: uuid(),
      relation: z.string().refine((r) => manyToManyNames.includes(r), {
        error: `must be a many-to-many relation of ${entity.name}: ${manyToManyNames.join(', ') || 'none'}`,
      }),
      ids: ids.min(1, { error: 'at least one id is required' }),
    }),
  };
  return dtos as unknown as EntityDtos<EntityMap, AnyEntity>;
}
