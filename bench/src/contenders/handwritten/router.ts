import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import {
  idInput,
  listInput,
  listWithRelationsInput,
  projectUpdateInput,
  type Queries,
  releaseCreateInput,
  releaseCreateManyInput,
  releaseStatsInput,
} from './api.js';

const t = initTRPC.create({ transformer: superjson });

/** The hand-written tRPC router: one procedure per scenario, over any data layer. */
export function handwrittenRouter<P, PR, R>(q: Queries<P, PR, R>) {
  return t.router({
    project: t.router({
      get: t.procedure.input(idInput).query(async ({ input }) => {
        const row = await q.getProject(input.id);
        if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `project ${input.id} not found` });
        return row;
      }),
      list: t.procedure.input(listInput).query(({ input }) => q.listProjects(input)),
      listWithRelations: t.procedure
        .input(listWithRelationsInput)
        .query(({ input }) => q.listProjectsWithRelations(input)),
      update: t.procedure.input(projectUpdateInput).mutation(async ({ input }) => {
        const row = await q.updateProject(input);
        if (row === 'conflict')
          throw new TRPCError({
            code: 'CONFLICT',
            message: `project ${input.id} was changed by someone else`,
          });
        if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `project ${input.id} not found` });
        return row;
      }),
    }),
    release: t.router({
      create: t.procedure.input(releaseCreateInput).mutation(({ input }) => q.createRelease(input)),
      createMany: t.procedure.input(releaseCreateManyInput).mutation(({ input }) => q.createReleases(input)),
      groupBy: t.procedure.input(releaseStatsInput).query(({ input }) => {
        if (!q.releaseGroups) throw new TRPCError({ code: 'NOT_IMPLEMENTED', message: 'no groupBy here' });
        return q.releaseGroups(input);
      }),
      aggregate: t.procedure.input(releaseStatsInput).query(({ input }) => {
        if (!q.releaseTotals) throw new TRPCError({ code: 'NOT_IMPLEMENTED', message: 'no aggregate here' });
        return q.releaseTotals(input);
      }),
    }),
  });
}
