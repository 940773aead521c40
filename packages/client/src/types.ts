import type { TRPCClient, TRPCRequestOptions } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { AnyEntity, EntityMap, GetQueryOf, ListQueryOf, Page, Result } from '@typecrud/shared';

/** `get` and `list` of an entity, with results shaped by the `include` asked for. */
export interface EntityReads<S extends EntityMap, E extends AnyEntity> {
  get: {
    query<I = Record<never, never>>(
      input: GetQueryOf<S, E, I>,
      opts?: TRPCRequestOptions,
    ): Promise<Result<S, E, I>>;
  };
  list: {
    query<I = Record<never, never>>(
      input?: ListQueryOf<S, E, I>,
      opts?: TRPCRequestOptions,
    ): Promise<Page<Result<S, E, I>>>;
  };
}

type MarkerOf<O> = O extends { readonly '~entity'?: infer M } ? NonNullable<M> : never;

/** An entity router's client, its reads retyped by the marker the server's generated `get` carries. */
type EntityClientOf<C> = C extends { get: { query: (...args: never[]) => Promise<infer O> } }
  ? MarkerOf<O> extends { schema: infer S extends EntityMap; entity: infer E extends AnyEntity }
    ? Omit<C, 'get' | 'list'> & EntityReads<S, E>
    : C
  : C;

/** The client of an app router: tRPC's client, with include-aware reads on every entity router. */
export type TypecrudClient<R extends AnyRouter> = {
  [K in keyof TRPCClient<R>]: EntityClientOf<TRPCClient<R>[K]>;
};
