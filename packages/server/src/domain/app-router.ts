import { schema } from '@typecrud/shared';
import { sql } from 'kysely';
import { z } from 'zod';
import { authedProcedure, CrudError, crudProcedures, managersOf, router } from '../core/index.js';
import { authRouter } from './auth.js';

/** A custom procedure beside the generated ones: publish a release (sets status and releasedAt). */
const publish = authedProcedure
  .input(z.strictObject({ id: z.uuid(), expectedVersion: z.number().int().min(1).optional() }))
  .mutation(async ({ ctx, input }) => {
    const releases = managersOf(schema, ctx).release;
    const current = await releases.get(ctx, { id: input.id });
    if (input.expectedVersion !== undefined && current.version !== input.expectedVersion) {
      throw new CrudError(
        'CONFLICT',
        `release ${input.id} was changed by someone else (version ${current.version}, expected ${input.expectedVersion})`,
        {
          fields: ['version'],
          currentVersion: current.version,
        },
      );
    }
    if (current.status === 'published') return current;
    return releases.update(ctx, {
      id: input.id,
      data: { status: 'published', releasedAt: new Date() },
      ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}),
    });
  });

/** Counts per status of one project's releases, with plain SQL beside the generated procedures. */
const stats = authedProcedure.input(z.strictObject({ projectId: z.uuid() })).query(async ({ ctx, input }) => {
  await managersOf(schema, ctx).project.get(ctx, { id: input.projectId });
  const { rows } = await sql<{ status: string; count: number }>`
    select status, count(*)::int as count from release
    where project_id = ${input.projectId} and archived_at is null group by status order by status`.execute(
    ctx.db,
  );
  return rows;
});

const auditReads = crudProcedures(schema, 'auditEntry');

export const appRouter = router({
  auth: authRouter,
  /** The audit log: read-only (its rows are written by the server, in the transaction of each change). */
  audit: router({ get: auditReads.get, list: auditReads.list, count: auditReads.count }),
  organization: router(crudProcedures(schema, 'organization')),
  membership: router(crudProcedures(schema, 'membership')),
  user: router(crudProcedures(schema, 'user')),
  profile: router(crudProcedures(schema, 'profile')),
  project: router(crudProcedures(schema, 'project')),
  tag: router(crudProcedures(schema, 'tag')),
  release: router({ ...crudProcedures(schema, 'release'), publish, stats }),
});

export type AppRouter = typeof appRouter;
