import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { encodeCursor, projectDates, reviveDates, reviveRelease, tagDates } from '../rows.js';
import type {
  ListInput,
  ListWithRelationsInput,
  ProjectUpdate,
  Queries,
  ReleaseCreate,
  ReleaseStatsInput,
} from './api.js';
import type { BenchDB } from './db.js';

export const projectColumns = [
  'p.id',
  'p.created_at as createdAt',
  'p.updated_at as updatedAt',
  'p.version',
  'p.created_by as createdBy',
  'p.updated_by as updatedBy',
  'p.properties',
  'p.archived_at as archivedAt',
  'p.organization_id as organizationId',
  'p.name',
  'p.description',
  'p.is_public as isPublic',
] as const;

export const organizationColumns = [
  'o.id',
  'o.created_at as createdAt',
  'o.updated_at as updatedAt',
  'o.version',
  'o.created_by as createdBy',
  'o.updated_by as updatedBy',
  'o.properties',
  'o.archived_at as archivedAt',
  'o.name',
  'o.slug',
] as const;

export const tagColumns = [
  't.id',
  't.created_at as createdAt',
  't.updated_at as updatedAt',
  't.label',
  't.color',
] as const;

export const releaseColumns = [
  'r.id',
  'r.created_at as createdAt',
  'r.updated_at as updatedAt',
  'r.version',
  'r.created_by as createdBy',
  'r.updated_by as updatedBy',
  'r.properties',
  'r.archived_at as archivedAt',
  'r.project_id as projectId',
  'r.semver',
  'r.status',
  'r.notes',
  'r.released_at as releasedAt',
  'r.downloads',
] as const;

const releaseReturning = [
  'id',
  'created_at as createdAt',
  'updated_at as updatedAt',
  'version',
  'created_by as createdBy',
  'updated_by as updatedBy',
  'properties',
  'archived_at as archivedAt',
  'project_id as projectId',
  'semver',
  'status',
  'notes',
  'released_at as releasedAt',
  'downloads',
] as const;

/** The page of the list scenarios: limit + 1 rows tell whether another page follows. */
export function page<T extends { name: string; createdAt: Date; id: string }>(rows: T[], limit: number) {
  const more = rows.length > limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return {
    items: rows,
    nextCursor: more && last ? encodeCursor([last.name, last.createdAt, last.id]) : null,
  };
}

/** The hand-written data layer: Kysely's typed builder, one statement per read (the floor). */
export function kyselyQueries(db: Kysely<BenchDB>) {
  const publicProjects = (input: ListInput) =>
    db
      .selectFrom('project as p')
      .where('p.is_public', '=', input.isPublic)
      .where('p.archived_at', 'is', null)
      .orderBy('p.name')
      .orderBy('p.created_at', 'desc')
      .orderBy('p.id')
      .limit(input.limit + 1);

  const relations = (releasesLimit: number) => (eb: ExpressionBuilder<BenchDB, 'project'>) => [
    jsonObjectFrom(
      eb
        .selectFrom('organization as o')
        .select(organizationColumns)
        .whereRef('o.id', '=', sql.ref('p.organization_id'))
        .where('o.archived_at', 'is', null),
    ).as('organization'),
    jsonArrayFrom(
      eb
        .selectFrom('project_tag as pt')
        .innerJoin('tag as t', 't.id', 'pt.tag_id')
        .select(tagColumns)
        .whereRef('pt.project_id', '=', sql.ref('p.id'))
        .orderBy('t.created_at', 'desc')
        .orderBy('t.id'),
    ).as('tags'),
    jsonArrayFrom(
      eb
        .selectFrom('release as r')
        .select(releaseColumns)
        .whereRef('r.project_id', '=', sql.ref('p.id'))
        .where('r.archived_at', 'is', null)
        .orderBy('r.semver', 'desc')
        .orderBy('r.id')
        .limit(releasesLimit),
    ).as('releases'),
  ];

  // releases (not archived) of projects (not archived) that are public or not
  const releasesOf = (input: ReleaseStatsInput) =>
    db
      .selectFrom('release as r')
      .innerJoin('project as p', 'p.id', 'r.project_id')
      .where('p.is_public', '=', input.isPublic)
      .where('p.archived_at', 'is', null)
      .where('r.archived_at', 'is', null);

  return {
    async getProject(id: string) {
      return db
        .selectFrom('project as p')
        .select(projectColumns)
        .where('p.id', '=', id)
        .where('p.archived_at', 'is', null)
        .executeTakeFirst();
    },

    async listProjects(input: ListInput) {
      return page(await publicProjects(input).select(projectColumns).execute(), input.limit);
    },

    async listProjectsWithRelations(input: ListWithRelationsInput) {
      const rows = await publicProjects(input)
        .select(projectColumns)
        .select((eb) => relations(input.releasesLimit)(eb as never))
        .execute();
      for (const row of rows) {
        if (row.organization) reviveDates(row.organization, projectDates);
        for (const tag of row.tags) reviveDates(tag, tagDates);
        for (const release of row.releases) reviveRelease(release);
      }
      return page(rows, input.limit);
    },

    async createRelease(input: ReleaseCreate) {
      return db
        .insertInto('release')
        .values({
          project_id: input.projectId,
          semver: input.semver,
          status: input.status,
          notes: input.notes ?? null,
          created_by: null,
          updated_by: null,
        })
        .returning(releaseReturning)
        .executeTakeFirstOrThrow();
    },

    async createReleases(input: ReleaseCreate[]) {
      if (input.length === 0) return { count: 0, ids: [] };
      const rows = await db
        .insertInto('release')
        .values(
          input.map((r) => ({
            project_id: r.projectId,
            semver: r.semver,
            status: r.status,
            notes: r.notes ?? null,
            created_by: null,
            updated_by: null,
          })),
        )
        .returning('id')
        .execute();
      return { count: rows.length, ids: rows.map((r) => r.id) };
    },

    async updateProject(input: ProjectUpdate) {
      const row = await db
        .updateTable('project as p')
        .set({ ...input.data, version: sql`p.version + 1`, updated_at: sql`now()`, updated_by: null })
        .where('p.id', '=', input.id)
        .where('p.version', '=', input.expectedVersion)
        .returning(projectColumns)
        .executeTakeFirst();
      if (row) return row;
      const current = await db
        .selectFrom('project')
        .select('version')
        .where('id', '=', input.id)
        .executeTakeFirst();
      return current ? ('conflict' as const) : undefined;
    },

    async releaseGroups(input: ReleaseStatsInput) {
      const rows = await releasesOf(input)
        .select([
          'r.status',
          sql<number>`count(*)::int`.as('count'),
          sql<Date | null>`max(r.created_at)`.as('latest'),
        ])
        .groupBy('r.status')
        .orderBy('r.status')
        .execute();
      return rows.map((r) => ({ status: r.status, _count: r.count, _max: { createdAt: r.latest } }));
    },

    async releaseTotals(input: ReleaseStatsInput) {
      const row = await releasesOf(input)
        .where('r.status', '=', 'published')
        .select([
          sql<number>`count(*)::int`.as('count'),
          sql<bigint | null>`sum(r.downloads)::bigint`.as('downloads'),
          sql<Date | null>`max(r.released_at)`.as('latest'),
        ])
        .executeTakeFirstOrThrow();
      return { _count: row.count, _sum: { downloads: row.downloads }, _max: { releasedAt: row.latest } };
    },
  } satisfies Queries<unknown, unknown, unknown>;
}
