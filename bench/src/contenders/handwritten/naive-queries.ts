import type { Kysely } from 'kysely';
import { reviveRelease } from '../rows.js';
import type { ListWithRelationsInput } from './api.js';
import type { BenchDB } from './db.js';
import {
  kyselyQueries,
  organizationColumns,
  page,
  projectColumns,
  releaseColumns,
  tagColumns,
} from './kysely-queries.js';

/**
 * The naive data layer: the same as the hand-written one, except that includes load each
 * relation of each row with its own query (1 + 3 x N statements for N rows: the N+1 pattern).
 */
export function naiveQueries(db: Kysely<BenchDB>) {
  const base = kyselyQueries(db);
  return {
    ...base,
    async listProjectsWithRelations(input: ListWithRelationsInput) {
      const rows = await db
        .selectFrom('project as p')
        .select(projectColumns)
        .where('p.is_public', '=', input.isPublic)
        .where('p.archived_at', 'is', null)
        .orderBy('p.name')
        .orderBy('p.created_at', 'desc')
        .orderBy('p.id')
        .limit(input.limit + 1)
        .execute();
      const items: Record<string, unknown>[] = [];
      for (const p of rows.slice(0, input.limit)) {
        const organization =
          (await db
            .selectFrom('organization as o')
            .select(organizationColumns)
            .where('o.id', '=', p.organizationId)
            .where('o.archived_at', 'is', null)
            .executeTakeFirst()) ?? null;
        const tags = await db
          .selectFrom('project_tag as pt')
          .innerJoin('tag as t', 't.id', 'pt.tag_id')
          .select(tagColumns)
          .where('pt.project_id', '=', p.id)
          .orderBy('t.created_at', 'desc')
          .orderBy('t.id')
          .execute();
        const releases = await db
          .selectFrom('release as r')
          .select(releaseColumns)
          .where('r.project_id', '=', p.id)
          .where('r.archived_at', 'is', null)
          .orderBy('r.semver', 'desc')
          .orderBy('r.id')
          .limit(input.releasesLimit)
          .execute();
        items.push({ ...p, organization, tags, releases: releases.map(reviveRelease) });
      }
      if (rows.length > input.limit) items.push(rows[input.limit]!);
      return page(items as (typeof rows)[number][], input.limit);
    },
  };
}
