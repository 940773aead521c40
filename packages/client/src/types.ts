import type { TRPCClient, TRPCRequestOptions } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type {
  AggregateQuery,
  AggregateResult,
  AnyEntity,
  EntityMap,
  ExactAggregate,
  ExactShape,
  GetQueryOf,
  GroupByQuery,
  GroupByRow,
  ListQueryOf,
  OmitFields,
  Page,
  Result,
  Select,
} from '@typecrud/shared';

/** `get` and `list` of an entity, with results shaped by the `include` asked for. */
export interface EntityReads<S extends EntityMap, E extends AnyEntity> {
  get: {
    query<
      I = Record<never, never>,
      Sel extends Select<S, E> | undefined = undefined,
      O extends OmitFields<E> | undefined = undefined,
    >(
      input: GetQueryOf<S, E, I> & ExactShape<S, E, Sel, O>,
      opts?: TRPCRequestOptions,
    ): Promise<Result<S, E, I, Sel, O>>;
  };
  list: {
    query<
      I = Record<never, never>,
      Sel extends Select<S, E> | undefined = undefined,
      O extends OmitFields<E> | undefined = undefined,
    >(
      input?: ListQueryOf<S, E, I> & ExactShape<S, E, Sel, O>,
      opts?: TRPCRequestOptions,
    ): Promise<Page<Result<S, E, I, Sel, O>>>;
  };
}

/** `aggregate` and `groupBy` of an entity, with results exactly the aggregates asked for. */
export interface EntityAggregates<S extends EntityMap, E extends AnyEntity> {
  aggregate: {
    query<A extends AggregateQuery<S, E>>(
      input: A & ExactAggregate<E, A>,
      opts?: TRPCRequestOptions,
    ): Promise<AggregateResult<E, A>>;
  };
  groupBy: {
    query<A extends GroupByQuery<S, E>>(
      input: A & ExactAggregate<E, A>,
      opts?: TRPCRequestOptions,
    ): Promise<GroupByRow<E, A>[]>;
  };
}

/** The aggregate procedures the router `C` has, retyped (a read-only router may leave them out). */
type AggregatesOf<C, S extends EntityMap, E extends AnyEntity> = Pick<
  EntityAggregates<S, E>,
  keyof C & keyof EntityAggregates<S, E>
>;

type MarkerOf<O> = O extends { readonly '~entity'?: infer M } ? NonNullable<M> : never;

/** An entity router's client, its reads retyped by the marker the server's generated `get` carries. */
type EntityClientOf<C> = C extends { get: { query: (...args: never[]) => Promise<infer O> } }
  ? MarkerOf<O> extends { schema: infer S extends EntityMap; entity: infer E extends AnyEntity }
    ? Omit<C, 'get' | 'list' | keyof EntityAggregates<S, E>> & EntityReads<S, E> & AggregatesOf<C, S, E>
    : C
  : C;

/** The client of an app router: tRPC's client, with include-aware reads on every entity router. */
export type TypecrudClient<R extends AnyRouter> = {
  [K in keyof TRPCClient<R>]: EntityClientOf<TRPCClient<R>[K]>;
};
