import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { poolSize } from '../../config.js';
import type { ContenderOptions, RunningContender } from '../contender.js';
import type {
  ListInput,
  ListWithRelationsInput,
  ProjectUpdate,
  Queries,
  ReleaseCreate,
} from '../handwritten/api.js';
import { page } from '../handwritten/kysely-queries.js';
import { handwrittenRouter } from '../handwritten/router.js';
import { serveTrpc } from '../trpc-host.js';
import * as schema from './schema.js';

/** Drizzle's relational queries (db.query...findMany with `with`) behind the same hand-written tRPC router. */
export async function startDrizzle(options: ContenderOptions): Promise<RunningContender> {
  const pool = new pg.Pool({ connectionString: options.url, max: poolSize });
  const db = drizzle({ client: pool, schema });
  const { project, release } = schema;
  const listWhere = (input: ListInput) =>
    and(eq(project.isPublic, input.isPublic), isNull(project.archivedAt));
  const listOrder = [asc(project.name), desc(project.createdAt), asc(project.id)];

  const queries = {
    getProject: (id: string) =>
      db.query.project.findFirst({ where: and(eq(project.id, id), isNull(project.archivedAt)) }),

    async listProjects(input: ListInput) {
      return page(
        await db.query.project.findMany({
          where: listWhere(input),
          orderBy: listOrder,
          limit: input.limit + 1,
        }),
        input.limit,
      );
    },

    async listProjectsWithRelations(input: ListWithRelationsInput) {
      const rows = await db.query.project.findMany({
        where: listWhere(input),
        orderBy: listOrder,
        limit: input.limit + 1,
        with: {
          organization: true,
          projectTags: { with: { tag: true } },
          releases: {
            where: isNull(release.archivedAt),
            orderBy: [desc(release.semver), asc(release.id)],
            limit: input.releasesLimit,
          },
        },
      });
      const items = rows.map(({ projectTags, ...p }) => ({
        ...p,
        // Drizzle's relational API orders a many-to-many by the junction only; by tag here
        tags: projectTags
          .map((pt) => pt.tag)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1)),
      }));
      return page(items, input.limit);
    },

    async createRelease(input: ReleaseCreate) {
      const [row] = await db
        .insert(release)
        .values({
          projectId: input.projectId,
          semver: input.semver,
          status: input.status,
          notes: input.notes ?? null,
        })
        .returning();
      return row!;
    },

    async createReleases(input: ReleaseCreate[]) {
      if (input.length === 0) return { count: 0, ids: [] };
      const rows = await db
        .insert(release)
        .values(
          input.map((r) => ({
            projectId: r.projectId,
            semver: r.semver,
            status: r.status,
            notes: r.notes ?? null,
          })),
        )
        .returning({ id: release.id });
      return { count: rows.length, ids: rows.map((r) => r.id) };
    },

    async updateProject(input: ProjectUpdate) {
      const [row] = await db
        .update(project)
        .set({ ...input.data, version: sql`${project.version} + 1`, updatedAt: sql`now()`, updatedBy: null })
        .where(and(eq(project.id, input.id), eq(project.version, input.expectedVersion)))
        .returning();
      if (row) return row;
      const current = await db
        .select({ version: project.version })
        .from(project)
        .where(eq(project.id, input.id));
      return current[0] ? ('conflict' as const) : undefined;
    },
  } satisfies Queries<unknown, unknown, unknown>;

  return serveTrpc(handwrittenRouter(queries), options.port, () => pool.end());
}
