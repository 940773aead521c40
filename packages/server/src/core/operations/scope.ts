import type {
  AnyEntity,
  AnySchema,
  EntityMap,
  LinkRule,
  Policies,
  Principal,
  ResolvedRelation,
} from '@typecrud/shared';
import type { ReadCache } from '../cache.js';
import type { Caller } from '../context.js';
import type { EntityHooks } from '../hooks.js';
import { defaultMaxResponseRows } from '../query/compile.js';
import type { CursorCodec } from '../query/cursor.js';
import { type ColumnMeta, type EntityMeta, metaOf } from '../query/entity-meta.js';
import { type Guard, guardOf } from '../statements/guard.js';
import type { LinkGovernance } from '../statements/links.js';

/** What every operation of one entity needs, computed once when the manager is built. */
export interface EntityScope {
  readonly schema: AnySchema;
  readonly entity: AnyEntity;
  readonly meta: EntityMeta;
  readonly relations: ReadonlyMap<string, ResolvedRelation>;
  /** Columns a client writes: not system, not hidden. */
  readonly writable: readonly ColumnMeta[];
  /** Fields set on create and never changed. */
  readonly immutable: ReadonlySet<string>;
  /** Reference fields: changing one moves the row, so the create rule is checked on the new row. */
  readonly references: ReadonlySet<string>;
  /** Fields in a unique constraint (alone or with others). */
  readonly uniqueFields: ReadonlySet<string>;
  readonly hooks: EntityHooks<EntityMap, AnyEntity>;
  readonly cache: ReadCache | undefined;
  readonly cursors: CursorCodec;
  /** Most rows one read may embed along an include path (`defaultMaxResponseRows` when unset). */
  readonly maxResponseRows: number;
  readonly fieldRules: ReadonlyMap<string, (p: Principal | null) => boolean>;
  /** The caller's rules for one statement. */
  guard(caller: Caller | null): Guard;
  /** Whose update rules a change of `rel`'s links needs. */
  governance(rel: ResolvedRelation): LinkGovernance;
  /** The scope of another entity of the schema (nested writes go through it). */
  scopeOf(entity: AnyEntity): EntityScope;
}

export interface ScopeOptions {
  cursors: CursorCodec;
  policies?: Policies<EntityMap> | undefined;
  hooks?: EntityHooks<EntityMap, AnyEntity> | undefined;
  cache?: ReadCache | undefined;
  /** Most rows one read may embed along an include path (`defaultMaxResponseRows` when absent). */
  maxResponseRows?: number | undefined;
  /** The scope of another entity (nested writes run its hooks); built on demand when absent. */
  scopeOf?: ((entity: AnyEntity) => EntityScope) | undefined;
}

/** How a side's `links` rule reads from the relation's source, as a LinkRule of the source's. */
const flip = (r: LinkRule): LinkRule => (r === 'self' ? 'other' : r === 'other' ? 'self' : 'both');

export function createScope(schema: AnySchema, entity: AnyEntity, options: ScopeOptions): EntityScope {
  const meta = metaOf(entity);
  const { policies } = options;
  const fieldRules = new Map(
    Object.entries(policies?.[entity.name]?.fields ?? {}).filter(
      (e): e is [string, (p: Principal | null) => boolean] => typeof e[1] === 'function',
    ),
  );
  const governance = (rel: ResolvedRelation): LinkGovernance => {
    if (!policies) return { source: false, target: false };
    const mine = (policies[rel.source.name]?.links as Record<string, LinkRule | undefined> | undefined)?.[
      rel.name
    ];
    const inverse = schema
      .relations(rel.target.name)
      .find((r) => r.kind === 'manyToMany' && r.join?.table === rel.join?.table && r.target === rel.source);
    const theirs = inverse
      ? (policies[rel.target.name]?.links as Record<string, LinkRule | undefined> | undefined)?.[inverse.name]
      : undefined;
    if (mine && theirs && mine !== flip(theirs)) {
      throw new Error(
        `policies: ${rel.source.name}.links.${rel.name} (${mine}) and ${rel.target.name}.links.${inverse!.name} (${theirs}) disagree`,
      );
    }
    const rule = mine ?? (theirs ? flip(theirs) : 'both');
    return { source: rule !== 'other', target: rule !== 'self' };
  };
  const scopes = new Map<AnyEntity, EntityScope>();
  const scope: EntityScope = {
    schema,
    entity,
    meta,
    relations: new Map(schema.relations(entity.name).map((r) => [r.name, r])),
    writable: meta.columns.filter((c) => !c.config.system && !c.config.hidden),
    immutable: new Set(meta.columns.filter((c) => c.config.immutable).map((c) => c.field)),
    references: new Set(meta.columns.filter((c) => c.config.references).map((c) => c.field)),
    uniqueFields: new Set([
      ...meta.columns.filter((c) => c.config.unique).map((c) => c.field),
      ...entity.uniques.flat(),
    ]),
    hooks: options.hooks ?? {},
    cache: options.cache,
    cursors: options.cursors,
    maxResponseRows: options.maxResponseRows ?? defaultMaxResponseRows,
    fieldRules,
    guard: (caller) => guardOf(schema, policies, caller),
    governance,
    scopeOf: (other) => {
      if (other === entity) return scope;
      if (options.scopeOf) return options.scopeOf(other);
      let s = scopes.get(other);
      if (!s) {
        // no registry: a plain scope without hooks (never this entity's hooks)
        s = createScope(schema, other, { ...options, hooks: undefined });
        scopes.set(other, s);
      }
      return s;
    },
  };
  // fail at start-up, not on the first connect
  for (const rel of scope.relations.values()) if (rel.kind === 'manyToMany') governance(rel);
  return scope;
}
