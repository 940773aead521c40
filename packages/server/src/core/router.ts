import type {
  AnyEntity,
  CountQuery,
  CreateInput,
  EntityMap,
  GetQuery,
  IdInput,
  ListQuery,
  ManyToManyKeys,
  Page,
  Row,
  Schema,
  UpdateInput,
  UpdateManyInput,
  Where,
} from '@typecrud/shared';
import type { Manager, ManagerContext } from './manager.js';
import type { RequestContext } from './services.js';
import { authedProcedure, procedure as publicProcedure } from './trpc.js';

/** Whether E has the archive trait (an `archivedAt` field). */
type Archivable<E extends AnyEntity> = 'archivedAt' extends keyof E['fields'] ? true : false;

/**
 * A type-only marker on generated read outputs: it tells the typed client which schema and
 * entity a procedure serves, so `include` can shape the result type. Never present at run time.
 */
export interface EntityMarker<S extends EntityMap, E extends AnyEntity> {
  readonly '~entity'?: { schema: S; entity: E };
}

export type GetOutput<S extends EntityMap, E extends AnyEntity> = Row<E> & EntityMarker<S, E>;
export type ListOutput<S extends EntityMap, E extends AnyEntity> = Page<Row<E>> & EntityMarker<S, E>;

const managerContext = (ctx: RequestContext): ManagerContext => ({ db: ctx.db, caller: ctx.caller });

/**
 * The generated procedures of one entity: reads are queries, writes mutations; every input
 * is parsed by the entity's DTO schema. Spread them into a router beside custom procedures:
 *
 * @example
 * release: router({ ...crudProcedures(schema, 'release'), publish: procedure.input(...).mutation(...) })
 */
export function crudProcedures<S extends EntityMap, N extends keyof S & string>(
  schema: Schema<S>,
  name: N,
  options: {
    /** Let signed-out callers in (their policies still decide); default: UNAUTHORIZED. */ public?: boolean;
  } = {},
) {
  type E = S[N];
  const procedure = options.public ? publicProcedure : authedProcedure;
  const dto = schema.dto(name);
  const m = (ctx: RequestContext) =>
    (ctx.services.managers as Record<string, unknown>)[name] as Manager<S, E>;
  const base = {
    create: procedure
      .input(dto.create)
      .mutation(
        ({ ctx, input }): Promise<Row<E>> => m(ctx).create(managerContext(ctx), input as CreateInput<S, E>),
      ),
    createMany: procedure
      .input(dto.createMany)
      .mutation(({ ctx, input }) => m(ctx).createMany(managerContext(ctx), input as CreateInput<S, E>[])),
    get: procedure
      .input(dto.get)
      .query(
        ({ ctx, input }) =>
          m(ctx).get(managerContext(ctx), input as GetQuery<S, E>) as Promise<GetOutput<S, E>>,
      ),
    list: procedure
      .input(dto.list.optional())
      .query(
        ({ ctx, input }) =>
          m(ctx).list(managerContext(ctx), (input ?? {}) as ListQuery<S, E>) as Promise<ListOutput<S, E>>,
      ),
    count: procedure
      .input(dto.count.optional())
      .query(({ ctx, input }) => m(ctx).count(managerContext(ctx), (input ?? {}) as CountQuery<S, E>)),
    update: procedure
      .input(dto.update)
      .mutation(
        ({ ctx, input }): Promise<Row<E>> => m(ctx).update(managerContext(ctx), input as UpdateInput<E>),
      ),
    updateMany: procedure
      .input(dto.updateMany)
      .mutation(({ ctx, input }) => m(ctx).updateMany(managerContext(ctx), input as UpdateManyInput<S, E>)),
    delete: procedure
      .input(dto.id)
      .mutation(({ ctx, input }) => m(ctx).delete(managerContext(ctx), input as IdInput)),
    deleteMany: procedure
      .input(dto.deleteMany)
      .mutation(({ ctx, input }) => m(ctx).deleteMany(managerContext(ctx), input as { where: Where<S, E> })),
  };
  const archiving = {
    archive: procedure
      .input(dto.id)
      .mutation(({ ctx, input }): Promise<Row<E>> => m(ctx).archive(managerContext(ctx), input as IdInput)),
    restore: procedure
      .input(dto.id)
      .mutation(({ ctx, input }): Promise<Row<E>> => m(ctx).restore(managerContext(ctx), input as IdInput)),
  };
  const linking = {
    connect: procedure
      .input(dto.connect)
      .mutation(({ ctx, input }) => m(ctx).connect(managerContext(ctx), input)),
    disconnect: procedure
      .input(dto.connect)
      .mutation(({ ctx, input }) => m(ctx).disconnect(managerContext(ctx), input)),
  };
  const entity = schema.entity(name);
  const archivable = entity.traits.has('archive');
  const linkable = schema.relations(name).some((r) => r.kind === 'manyToMany');
  // Procedures that cannot apply do not exist, so calling them does not compile.
  return { ...base, ...(archivable ? archiving : {}), ...(linkable ? linking : {}) } as typeof base &
    (Archivable<E> extends true ? typeof archiving : unknown) &
    (ManyToManyKeys<E> extends never ? unknown : typeof linking);
}
