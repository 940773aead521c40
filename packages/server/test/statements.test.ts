import { beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../src/testing/index.js';
import { useApp } from './fixtures.js';

describe.each(testEngines())('one SQL statement per read on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as { orgId: string; projectId: string };

  beforeAll(async () => {
    const m = app.services.managers;
    const org = await m.organization.create(app.ctx, { name: 'Count', slug: 'count' });
    const tags = await m.tag.createMany(app.ctx, [{ label: 'x' }, { label: 'y' }]);
    for (const name of ['a', 'b', 'c']) {
      const p = await m.project.create(app.ctx, {
        organizationId: org.id,
        name,
        tags: { connect: tags.ids },
      });
      await m.release.createMany(
        app.ctx,
        [1, 2, 3].map((i) => ({
          projectId: p.id,
          semver: `${i}.0.0`,
          status: 'published' as const,
          downloads: BigInt(i),
        })),
      );
      s.projectId = p.id;
    }
    s.orgId = org.id;
  });

  const threeLevels = {
    projects: {
      where: { name: { in: ['a', 'b', 'c'] }, tags: { some: { label: 'x' } } },
      orderBy: [{ name: 'desc' as const }],
      limit: 2,
      include: {
        releases: {
          where: { status: 'published' as const, downloads: { gte: 2n } },
          orderBy: { semver: 'desc' as const },
          limit: 1,
          include: { project: true },
        },
        tags: { orderBy: { label: 'asc' as const } },
        organization: true,
      },
    },
  };

  it('get with three levels of includes is one statement', async () => {
    const { result, statements } = await app.database.counter.measure(() =>
      app.services.managers.organization.get(app.ctx, { id: s.orgId, include: threeLevels }),
    );
    expect(statements).toBe(1);
    expect(result.projects.map((p) => p.name)).toEqual(['c', 'b']);
    expect(result.projects[0]!.releases.map((r) => [r.semver, r.downloads, r.project!.name])).toEqual([
      ['3.0.0', 3n, 'c'],
    ]);
    expect(result.projects[0]!.tags.map((t) => t.label)).toEqual(['x', 'y']);
  });

  it('list with three levels of includes, a where, an order, a total and a cursor is one statement', async () => {
    const query = {
      where: { slug: 'count', projects: { some: { releases: { some: { status: 'published' as const } } } } },
      orderBy: [{ name: 'asc' as const }],
      limit: 1,
      withTotal: true,
      include: threeLevels,
    };
    const first = await app.database.counter.measure(() =>
      app.services.managers.organization.list(app.ctx, query),
    );
    expect(first.statements).toBe(1);
    expect(first.result.total).toBe(1);
    expect(first.result.items[0]!.projects).toHaveLength(2);
    const release = await app.database.counter.measure(() =>
      app.services.managers.release.list(app.ctx, {
        where: { project: { is: { organizationId: s.orgId } } },
        orderBy: [{ project: { name: 'asc' } }, { semver: 'asc' }],
        limit: 2,
        include: { project: { include: { organization: { include: { projects: { limit: 1 } } } } } },
      }),
    );
    expect(release.statements).toBe(1);
    const next = await app.database.counter.measure(() =>
      app.services.managers.release.list(app.ctx, {
        where: { project: { is: { organizationId: s.orgId } } },
        orderBy: [{ project: { name: 'asc' } }, { semver: 'asc' }],
        limit: 2,
        include: { project: { include: { organization: { include: { projects: { limit: 1 } } } } } },
        cursor: release.result.nextCursor!,
      }),
    );
    expect(next.statements).toBe(1);
    expect(next.result.items.map((r) => r.semver)).toEqual(['3.0.0', '1.0.0']);
  });

  it('through the router (policies included) a read is one statement too', async () => {
    const get = await app.database.counter.measure(() =>
      app.api.organization.get({ id: s.orgId, include: threeLevels }),
    );
    expect(get.statements).toBe(1);
    const list = await app.database.counter.measure(() =>
      app.api.project.list({ include: { releases: { include: { project: { include: { tags: true } } } } } }),
    );
    expect(list.statements).toBe(1);
    const count = await app.database.counter.measure(() =>
      app.api.release.count({ where: { project: { is: { name: 'a' } } } }),
    );
    expect(count.statements).toBe(1);
    expect(count.result).toBe(3);
  });
});
