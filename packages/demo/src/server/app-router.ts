import { authedProcedure, crudProcedures, managersOf, router, staleVersion } from '@typecrud/server';
import { z } from 'zod';
import { schema } from '../index.js';
import { acceptInvitation, authRouter } from './auth.js';

/** A custom procedure beside the generated ones: publish a release (sets status and releasedAt). */
const publish = authedProcedure
  .input(z.strictObject({ id: z.uuid(), expectedVersion: z.number().int().min(1).optional() }))
  .mutation(async ({ ctx, input }) => {
    const releases = managersOf(schema, ctx).release;
    const current = await releases.get(ctx, { id: input.id });
    if (input.expectedVersion !== undefined && current.version !== input.expectedVersion) {
      throw staleVersion('release', input.id, current.version, input.expectedVersion);
    }
    if (current.status === 'published') return current;
    return releases.update(ctx, {
      id: input.id,
      data: { status: 'published', releasedAt: new Date() },
      ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}),
    });
  });

/** Counts per status of one project's releases (a groupBy: the caller's release read rule applies). */
const stats = authedProcedure.input(z.strictObject({ projectId: z.uuid() })).query(async ({ ctx, input }) => {
  const managers = managersOf(schema, ctx);
  // NOT_FOUND for a project the caller cannot read, as before
  await managers.project.get(ctx, { id: input.projectId });
  const groups = await managers.release.groupBy(ctx, {
    by: ['status'],
    where: { projectId: input.projectId },
    _count: true,
    orderBy: { status: 'asc' },
  });
  return groups.map((g) => ({ status: g.status, count: g._count }));
});

const auditReads = crudProcedures(schema, 'auditEntry');
const sessionReads = crudProcedures(schema, 'session');

export const appRouter = router({
  auth: authRouter,
  /** The audit log: read-only (its rows are written by the server, in the transaction of each change). */
  audit: router({ get: auditReads.get, list: auditReads.list, count: auditReads.count }),
  organization: router(crudProcedures(schema, 'organization')),
  /** Adding a member invites them; `accept` is the invited user's consent. */
  membership: router({ ...crudProcedures(schema, 'membership'), accept: acceptInvitation }),
  /** The caller's sessions, read-only (the auth procedures write them). */
  session: router({ get: sessionReads.get, list: sessionReads.list, count: sessionReads.count }),
  user: router(crudProcedures(schema, 'user')),
  profile: router(crudProcedures(schema, 'profile')),
  project: router(crudProcedures(schema, 'project')),
  tag: router(crudProcedures(schema, 'tag')),
  release: router({ ...crudProcedures(schema, 'release'), publish, stats }),
});

export type AppRouter = typeof appRouter;
