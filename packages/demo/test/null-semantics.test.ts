import { testEngines } from '@typecrud/server/testing';
import type { Where } from '@typecrud/shared';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSchema } from '../src/index.js';
import { useApp } from './fixtures.js';

type ProjectWhere = Where<AppSchema, AppSchema['project']>;

/**
 * The NULL rules the README states, pinned: `ne`, `notIn` and `NOT` keep rows whose column is
 * NULL (IS DISTINCT FROM); `every` counts a related row whose condition is NULL as failing it.
 * Each is compared with the SQL it stands for.
 */
describe.each(testEngines())('NULL semantics on %s', (engine) => {
  const app = useApp(engine);
  let orgId = '';
  const projects = async (where: ProjectWhere) => {
    const full = { AND: [{ organizationId: orgId }, where] };
    const page = await app.api.project.list({ where: full, limit: 100 });
    expect(await app.api.project.count({ where: full })).toBe(page.items.length);
    return page.items.map((p) => p.name).sort();
  };
  const bySql = async (condition: string) =>
    (
      await sql<{
        name: string;
      }>`select name from project p where organization_id = ${orgId} and ${sql.raw(condition)} order by name`.execute(
        app.database.db,
      )
    ).rows
      .map((r) => r.name)
      .sort();

  beforeAll(async () => {
    const org = await app.api.organization.create({ name: 'Nulls', slug: 'nulls' });
    orgId = org.id;
    const mk = (name: string, description: string | null) =>
      app.api.project.create({ organizationId: orgId, name, description });
    const plain = await mk('plain', 'plain');
    await mk('fancy', 'fancy');
    await mk('none', null);
    const mixed = await mk('mixed', 'mixed');
    // every release of `plain` is released; `mixed` has an unreleased (NULL releasedAt) one
    await app.api.release.create({
      projectId: plain.id,
      semver: '1.0.0',
      releasedAt: new Date('2026-02-01'),
    });
    await app.api.release.create({
      projectId: mixed.id,
      semver: '1.0.0',
      releasedAt: new Date('2026-02-01'),
    });
    await app.api.release.create({ projectId: mixed.id, semver: '2.0.0', releasedAt: null });
  });

  it('ne keeps the NULL row (IS DISTINCT FROM), eq never matches it', async () => {
    expect(await projects({ description: { ne: 'plain' } })).toEqual(['fancy', 'mixed', 'none']);
    expect(await projects({ description: { ne: 'plain' } })).toEqual(
      await bySql(`description is distinct from 'plain'`),
    );
    expect(await projects({ description: 'plain' })).toEqual(['plain']);
    // plain SQL `<>` would drop it: the difference is the NULL row
    expect(await bySql(`description <> 'plain'`)).toEqual(['fancy', 'mixed']);
  });

  it('notIn keeps the NULL row, in never matches it', async () => {
    expect(await projects({ description: { notIn: ['plain', 'fancy'] } })).toEqual(['mixed', 'none']);
    expect(await projects({ description: { notIn: ['plain', 'fancy'] } })).toEqual(
      await bySql(`(description not in ('plain', 'fancy') or description is null)`),
    );
    expect(await projects({ description: { in: ['plain', 'fancy'] } })).toEqual(['fancy', 'plain']);
  });

  it('NOT is the complement: it keeps rows where the condition is NULL', async () => {
    expect(await projects({ NOT: { description: 'plain' } })).toEqual(['fancy', 'mixed', 'none']);
    expect(await projects({ NOT: { description: { contains: 'a' } } })).toEqual(['mixed', 'none']);
    expect(await projects({ NOT: { description: { contains: 'a' } } })).toEqual(
      await bySql(`(description like '%a%') is not true`),
    );
    // a condition and its NOT split the rows, the NULL one included
    const yes = await projects({ description: { gt: 'g' } });
    const no = await projects({ NOT: { description: { gt: 'g' } } });
    expect([...yes, ...no].sort()).toEqual(['fancy', 'mixed', 'none', 'plain']);
  });

  it('every counts a NULL condition as failing; a project without releases matches', async () => {
    const after = new Date('2026-01-01');
    expect(await projects({ releases: { every: { releasedAt: { gt: after } } } })).toEqual([
      'fancy',
      'none',
      'plain',
    ]);
    expect(await projects({ releases: { every: { releasedAt: { gt: after } } } })).toEqual(
      await bySql(
        `not exists (select 1 from release r where r.project_id = p.id and r.archived_at is null and (r.released_at > '2026-01-01') is not true)`,
      ),
    );
    // some is not the complement of every: mixed has a release after the date too
    expect(await projects({ releases: { some: { releasedAt: { gt: after } } } })).toEqual(['mixed', 'plain']);
  });
});
