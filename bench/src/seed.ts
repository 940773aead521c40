import { schema } from '@typecrud/demo';
import { createSchemaTables, type Executor, openDatabase } from '@typecrud/server';
import { sql } from 'kysely';
import pg from 'pg';
import { adminUrl, benchNote, type SeedSize } from './config.js';

/** The seed as SQL: deterministic ids (md5 of a name) so every engine serves the same rows. */
export function seedSql(size: SeedSize): string[] {
  const { organizations: o, projects: p, tags: t, releasesPerProject: r } = size;
  const ts = (expr: string) => `timestamptz '2026-01-01 00:00:00+00' + (${expr}) * interval '1 minute'`;
  return [
    // md5 of a name, shaped as an RFC 4122 version-4 uuid (validators check the version and variant)
    `create or replace function bench_id(name text) returns uuid language sql immutable as $$
       select (substr(h, 1, 12) || '4' || substr(h, 14, 3) || '8' || substr(h, 18, 15))::uuid from md5(name) as h
     $$`,
    `insert into app_user (id, email, display_name) values (bench_id('user-1'), 'bench@bench.test', 'Bench User')`,
    `insert into organization (id, name, slug, properties, created_at, updated_at)
     select bench_id('org-' || i), 'Organization ' || i, 'org-' || i, jsonb_build_object('plan', 'team'), ${ts('i')}, ${ts('i')}
     from generate_series(1, ${o}) i`,
    `insert into tag (id, label, color, created_at, updated_at)
     select bench_id('tag-' || i), 'tag-' || i, '#' || substr(md5('color-' || i), 1, 6), ${ts('i')}, ${ts('i')}
     from generate_series(1, ${t}) i`,
    `insert into project (id, organization_id, name, description, is_public, properties, created_by, updated_by, created_at, updated_at)
     select bench_id('project-' || i), bench_id('org-' || ((i - 1) % ${o} + 1)), 'Project ' || lpad(i::text, 5, '0'),
       'Project number ' || i || ', a realistic sentence or two of description text for the list page.',
       i % 2 = 0, jsonb_build_object('tier', case when i % 3 = 0 then 'gold' else 'silver' end, 'score', i % 97),
       bench_id('user-1'), bench_id('user-1'), ${ts('i')}, ${ts('i')}
     from generate_series(1, ${p}) i`,
    // one to three tags per project
    `insert into project_tag (project_id, tag_id)
     select distinct bench_id('project-' || i), bench_id('tag-' || ((i + k) % ${t} + 1))
     from generate_series(1, ${p}) i, (values (0), (3), (7)) as v(k)
     where k = 0 or (k = 3 and i % 2 = 0) or (k = 7 and i % 3 = 0)`,
    `insert into release (id, project_id, semver, status, notes, released_at, downloads, created_by, updated_by, created_at, updated_at)
     select bench_id('release-' || i || '-' || k), bench_id('project-' || i), '1.' || k || '.0',
       (array['draft', 'scheduled', 'published', 'withdrawn'])[k % 4 + 1],
       'Release ' || k || ' of project ' || i || ': fixes, features and a changelog of moderate length.',
       case when k % 4 = 2 then ${ts('i * 10 + k')} end, (i * 37 + k * 1009)::bigint * 1000,
       bench_id('user-1'), bench_id('user-1'), ${ts('i * 10 + k')}, ${ts('i * 10 + k')}
     from generate_series(1, ${p}) i, generate_series(0, ${r - 1}) k`,
  ];
}

/** Drops and recreates `database` on the PostgreSQL server, with typecrud's own DDL and the seed. */
export async function recreatePostgres(database: string, size: SeedSize): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const db = await openDatabase({ url: adminUrl.replace(/\/[^/]*$/, `/${database}`), poolSize: 1 });
  try {
    await seedDatabase(db.db, size);
    await sql`analyze`.execute(db.db);
  } finally {
    await db.close();
  }
}

/** Creates typecrud's tables (the one schema every contender serves) and loads the seed. */
export async function seedDatabase(db: Executor, size: SeedSize): Promise<void> {
  await createSchemaTables(db, schema as never);
  for (const statement of seedSql(size)) await sql.raw(statement).execute(db);
}

/** Removes what the write scenarios added, so every cell starts from the same data. */
export async function cleanWrites(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('delete from release where notes = $1', [benchNote]);
    await client.query('vacuum analyze release');
  } finally {
    await client.end();
  }
}

/** Seeded ids the load generator addresses, and the projects' current versions (for update-with-version). */
export interface Fixtures {
  projectIds: string[];
  versions: Record<string, number>;
}

export async function readFixtures(url: string): Promise<Fixtures> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; version: number }>(
      'select id, version from project order by name',
    );
    return {
      projectIds: rows.map((r) => r.id),
      versions: Object.fromEntries(rows.map((r) => [r.id, r.version])),
    };
  } finally {
    await client.end();
  }
}
