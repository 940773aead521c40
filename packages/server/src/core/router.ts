import type {
  AggregateQuery,
  AggregateResult,
  AnyEntity,
  CountQuery,
  CreateInput,
  CreateManyInput,
  DeleteInput,
  Dto,
  EntityMap,
  GetQuery,
  GroupByQuery,
  GroupByRow,
  IdInput,
  ListQuery,
  ManyToManyKeys,
  Page,
  Row,
  Schema,
  UniqueWhere,
  UpdateInput,
  UpdateManyInput,
  UpsertInput,
  Where,
  WriteIdInput,
} from '@typecrud/shared';
import { z } from 'zod';
import { CrudError } from './errors.js';
import { changes, type OnChangeInput } from './live/subscribe.js';
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
/** What `aggregate` may return, whatever it asks for (the manager's result is exact). */
export type AggregateOutput<S extends EntityMap, E extends AnyEntity> = AggregateResult<
  E,
  AggregateQuery<S, E>
>;
/** The rows `groupBy` may return, whatever it asks for (the manager's result is exact). */
export type GroupByOutput<S extends EntityMap, E extends AnyEntity> = GroupByRow<E, GroupByQuery<S, E>>[];

const previewInput = (max: number) =>
  z.strictObject({
    ids: z.array(z.uuid()).min(1).max(max),
    withArchived: z.boolean().optional(),
  });
const permissionsInput = z.strictObject({ ids: z.array(z.uuid()).max(100).optional() });

const managerContext = (ctx: RequestContext): ManagerContext => ({ db: ctx.db, caller: ctx.caller });

/** `{ where?, ids?, lastEventId? }`: what an `onChange` subscription takes. */
const onChangeInput = <W>(where: z.ZodType<W, W>) =>
  z
    .strictObject({
      where: where.optional(),
      ids: z.array(z.uuid()).min(1).max(1000).optional(),
      lastEventId: z.string().nullish(),
    })
    .optional();

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
  // each generated procedure is one manager call, which is atomic by itself
  const procedure = (options.public ? publicProcedure : authedProcedure).meta({ atomic: true });
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
      .mutation(({ ctx, input }) =>
        m(ctx).createMany(managerContext(ctx), input as CreateInput<S, E>[] | CreateManyInput<S, E>),
      ),
    get: procedure
      .input(dto.get)
      .query(
        ({ ctx, input }) =>
          m(ctx).get(managerContext(ctx), input satisfies GetQuery<S, E> as never) as Promise<
            GetOutput<S, E>
          >,
      ),
    list: procedure
      .input(dto.list.optional())
      .query(
        ({ ctx, input }) =>
          m(ctx).list(managerContext(ctx), (input ?? {}) satisfies ListQuery<S, E> as never) as Promise<
            ListOutput<S, E>
          >,
      ),
    count: procedure
      .input(dto.count.optional())
      .query(({ ctx, input }) => m(ctx).count(managerContext(ctx), (input ?? {}) as CountQuery<S, E>)),
    aggregate: procedure
      .input(dto.aggregate)
      .query(
        ({ ctx, input }) =>
          m(ctx).aggregate(managerContext(ctx), input as never) as Promise<AggregateOutput<S, E>>,
      ),
    groupBy: procedure
      .input(dto.groupBy)
      .query(
        ({ ctx, input }) =>
          m(ctx).groupBy(managerContext(ctx), input as never) as Promise<GroupByOutput<S, E>>,
      ),
    update: procedure
      .input(dto.update)
      .mutation(
        ({ ctx, input }): Promise<Row<E>> => m(ctx).update(managerContext(ctx), input as UpdateInput<E, S>),
      ),
    updateMany: procedure
      .input(dto.updateMany)
      .mutation(({ ctx, input }) => m(ctx).updateMany(managerContext(ctx), input as UpdateManyInput<S, E>)),
    delete: procedure
      .input(dto.deleteOne)
      .mutation(({ ctx, input }) => m(ctx).delete(managerContext(ctx), input as DeleteInput)),
    deleteMany: procedure
      .input(dto.deleteMany)
      .mutation(({ ctx, input }) => m(ctx).deleteMany(managerContext(ctx), input as { where: Where<S, E> })),
    /**
     * Committed changes of this entity's rows, as the caller may read them at delivery (Server-Sent
     * Events); resumable: tRPC sends `lastEventId` when it reconnects, and what was missed is replayed.
     */
    onChange: procedure.input(onChangeInput(dto.where)).subscription(async function* ({
      ctx,
      input,
      signal,
    }) {
      const hub = ctx.services.live;
      if (!hub) throw new CrudError('NOT_IMPLEMENTED', 'change events are turned off on this server');
      yield* changes<S, E>({
        hub,
        manager: m(ctx),
        db: ctx.db,
        caller: ctx.caller,
        input: (input ?? {}) as OnChangeInput<S, E>,
        signal,
      });
    }),
    deletePreview: procedure
      .input(previewInput(schema.entity(name).limits.maxBatch))
      .query(({ ctx, input }) => m(ctx).deletePreview(managerContext(ctx), input)),
    permissions: procedure
      .input(permissionsInput.optional())
      .query(({ ctx, input }) => m(ctx).permissions(managerContext(ctx), input ?? {})),
  };
  const archiving = {
    archive: procedure
      .input(dto.writeId)
      .mutation(
        ({ ctx, input }): Promise<Row<E>> => m(ctx).archive(managerContext(ctx), input as WriteIdInput),
      ),
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
  const upserting = (input: Dto<UpsertInput<E>>) => ({
    upsert: procedure
      .input(input)
      .mutation(({ ctx, input }): Promise<Row<E>> => m(ctx).upsert(managerContext(ctx), input)),
  });
  const entity = schema.entity(name);
  const archivable = entity.traits.has('archive');
  const linkable = schema.relations(name).some((r) => r.kind === 'manyToMany');
  // Procedures that cannot apply do not exist, so calling them does not compile.
  return {
    ...base,
    ...(dto.upsert ? upserting(dto.upsert) : {}),
    ...(archivable ? archiving : {}),
    ...(linkable ? linking : {}),
  } as typeof base &
    ([UniqueWhere<E>] extends [never] ? unknown : ReturnType<typeof upserting>) &
    (Archivable<E> extends true ? typeof archiving : unknown) &
    (ManyToManyKeys<E> extends never ? unknown : typeof linking);
}
