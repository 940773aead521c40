import type { TRPCClient, TRPCRequestOptions } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type {
  AnyEntity,
  EntityMap,
  ExactShape,
  GetQuery,
  Include,
  ListQuery,
  OmitFields,
  Page,
  Result,
  Select,
} from '@typecrud/shared';

/** Rejects keys of `I` that `Allowed` does not have (an unknown relation in `include`). */
type NoExtraKeys<I, Allowed> = I & { [K in Exclude<keyof I, keyof Allowed>]: never };

/** `get` and `list` of an entity, with results shaped by the `include` asked for. */
export interface EntityReads<S extends EntityMap, E extends AnyEntity> {
  get: {
    query<
      I extends Include<S, E> = Record<never, never>,
      Sel extends Select<S, E> | undefined = undefined,
      O extends OmitFields<E> | undefined = undefined,
    >(
      input: GetQuery<S, E> & { include?: NoExtraKeys<I, Include<S, E>> } & ExactShape<S, E, Sel, O>,
      opts?: TRPCRequestOptions,
    ): Promise<Result<S, E, I, Sel, O>>;
  };
  list: {
    query<
      I extends Include<S, E> = Record<never, never>,
      Sel extends Select<S, E> | undefined = undefined,
      O extends OmitFields<E> | undefined = undefined,
    >(
      input?: ListQuery<S, E> & { include?: NoExtraKeys<I, Include<S, E>> } & ExactShape<S, E, Sel, O>,
      opts?: TRPCRequestOptions,
    ): Promise<Page<Result<S, E, I, Sel, O>>>;
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
