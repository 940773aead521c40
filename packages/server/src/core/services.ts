import type { EntityMap, Schema } from '@typecrud/shared';
import type { Database } from './database.js';
import { type Caller, createManager, type Manager, type PolicyFn } from './manager.js';
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

export interface ServicesOptions {
  /** Signs keyset cursors; a random one per process when absent (cursors then die with it). */
  cursorSecret?: string | undefined;
  policy?: PolicyFn | undefined;
  production?: boolean | undefined;
}

export function createServices<S extends EntityMap>(schema: Schema<S>, database: Database, options: ServicesOptions = {}): Services<S> {
  const cursors = createCursorCodec(options.cursorSecret ?? crypto.randomUUID());
  const managers: Record<string, Manager<S, S[keyof S]>> = {};
  for (const entity of Object.values(schema.entities)) {
    managers[entity.name] = createManager(schema, entity as S[keyof S], { cursors, policy: options.policy });
  }
  return {
    schema,
    database,
    managers: managers as unknown as Services<S>['managers'],
    constraints: constraintIndex(schema as unknown as Schema<EntityMap>),
    cursors,
    production: options.production ?? false,
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
export function managersOf<S extends EntityMap>(schema: Schema<S>, ctx: RequestContext): Services<S>['managers'] {
  if (ctx.services.schema !== (schema as unknown)) throw new Error('the context serves another schema');
  return ctx.services.managers as unknown as Services<S>['managers'];
}
