import type { AnyEntity, EntityMap, Policies, Schema } from '@typecrud/shared';
import type { TokenService } from './auth/tokens.js';
import { type CacheStore, createReadCache, type ReadCache } from './cache.js';
import type { Caller } from './context.js';
import type { Database } from './database.js';
import type { Hooks } from './hooks.js';
import { LiveHub, type LiveOptions } from './live/hub.js';
import { type Manager, managerOf } from './manager.js';
import { createScope, type EntityScope } from './operations/scope.js';
import { type CursorCodec, createCursorCodec } from './query/cursor.js';
import { type ConstraintInfo, constraintIndex } from './table-model.js';
import type { Executor } from './transaction.js';

/** What every request context holds, whatever its schema. */
export interface ServicesBase {
  readonly schema: object;
  readonly database: Database;
  readonly managers: object;
  readonly constraints: ReadonlyMap<string, ConstraintInfo>;
  readonly cursors: CursorCodec;
  readonly production: boolean;
  /** Issues and verifies bearer tokens, when the app signs users in. */
  readonly tokens?: TokenService | undefined;
  /** The read cache, when configured: custom procedures' raw SQL writes reach it through the triggers. */
  readonly cache?: ReadCache | undefined;
  /** Change events: the outbox reader behind every `onChange` subscription (absent when turned off). */
  readonly live?: LiveHub | undefined;
}

/** Everything a request needs, built once at start-up. */
export interface Services<S extends EntityMap = EntityMap> extends ServicesBase {
  readonly schema: Schema<S>;
  readonly database: Database;
  readonly managers: { readonly [N in keyof S & string]: Manager<S, S[N]> };
  readonly constraints: ReadonlyMap<string, ConstraintInfo>;
  readonly cursors: CursorCodec;
  /** Hide internal error messages and stacks from clients. */
  readonly production: boolean;
}

export interface ServicesOptions<S extends EntityMap> {
  /**
   * Who may do what, for every entity. Required: an app states its rules, or says
   * `'unrestricted'` in so many words (tests of the data layer, trusted scripts).
   */
  policies: Policies<S> | 'unrestricted';
  hooks?: Hooks<S> | undefined;
  /** Signs keyset cursors; a random one per process when absent (cursors then die with it). */
  cursorSecret?: string | undefined;
  production?: boolean | undefined;
  tokens?: TokenService | undefined;
  /** Caches reads of entities that declare a TTL (a memory store, or Redis shared by instances). */
  cache?: CacheStore | undefined;
  /** Most rows one read may return, embedded ones counted (10,000 by default); more is BAD_REQUEST. */
  maxResponseRows?: number | undefined;
  /** Change events (retention, subscription limits); `false` turns `onChange` off. */
  live?: LiveOptions | false | undefined;
}

export function createServices<S extends EntityMap>(
  schema: Schema<S>,
  database: Database,
  options: ServicesOptions<S>,
): Services<S> {
  if (!options?.policies)
    throw new Error("createServices: policies are required (pass 'unrestricted' to allow every call)");
  const cursors = createCursorCodec(options.cursorSecret ?? crypto.randomUUID());
  const policies =
    options.policies === 'unrestricted' ? undefined : (options.policies as unknown as Policies<EntityMap>);
  if (policies) {
    for (const name of Object.keys(schema.entities)) {
      if (!policies[name]) throw new Error(`createServices: entity ${name} has no policy`);
    }
  }
  const managers: Record<string, Manager<EntityMap, AnyEntity>> = {};
  const scopes = new Map<string, EntityScope>();
  const scopeOf = (entity: AnyEntity) => scopes.get(entity.name)!;
  const cache = options.cache ? createReadCache(schema, options.cache) : undefined;
  for (const entity of Object.values(schema.entities)) {
    const scope = createScope(schema, entity, {
      cursors,
      policies,
      hooks: options.hooks?.[entity.name as keyof S & string] as never,
      cache,
      scopeOf,
      maxResponseRows: options.maxResponseRows,
    });
    scopes.set(entity.name, scope);
    managers[entity.name] = managerOf(scope);
  }
  return {
    schema,
    database,
    managers: managers as unknown as Services<S>['managers'],
    constraints: constraintIndex(schema),
    cursors,
    production: options.production ?? false,
    tokens: options.tokens,
    cache,
    live: options.live === false ? undefined : new LiveHub(database, options.cache, options.live ?? {}),
  };
}

/** The context of one tRPC call. */
export interface RequestContext {
  readonly services: ServicesBase;
  /** The database, or the mutation's transaction. */
  readonly db: Executor;
  readonly caller: Caller | null;
}

/** The managers of `schema`, typed, from a request's context (custom procedures use this). */
export function managersOf<S extends EntityMap>(
  schema: Schema<S>,
  ctx: RequestContext,
): Services<S>['managers'] {
  if (ctx.services.schema !== (schema as unknown)) throw new Error('the context serves another schema');
  return ctx.services.managers as unknown as Services<S>['managers'];
}
