import { testEngines } from '@typecrud/server/testing';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
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
      // (20 projects x 100 releases x 5 tags: within the 10,000 embedded rows a response may hold)
      app.api.project.list({
        include: { releases: { include: { project: { include: { tags: { limit: 5 } } } } } },
      }),
    );
    expect(list.statements).toBe(1);
    const count = await app.database.counter.measure(() =>
      app.api.release.count({ where: { project: { is: { name: 'a' } } } }),
    );
    expect(count.statements).toBe(1);
    expect(count.result).toBe(3);
  });
});

describe.each(testEngines())('as few statements as a write can be on %s', (engine) => {
  const app = useApp(engine);

  it('a single-row write with no hooks and no audit is one statement, with no transaction', async () => {
    const counter = app.database.counter;
    const created = await counter.measure(() => app.api.tag.create({ label: 'one-statement' }));
    expect([created.statements, created.transactions]).toEqual([1, 0]);
    const updated = await counter.measure(() =>
      app.api.tag.update({ id: created.result.id, data: { color: '#abcdef' } }),
    );
    expect([updated.statements, updated.transactions]).toEqual([1, 0]);
    expect(updated.result.color).toBe('#abcdef');
    // a refused write is still one statement (plus the read that explains why)
    const member = { userId: app.adminId, superadmin: false, memberships: [] };
    const refused = await counter.measure(() =>
      app
        .as(member)
        .tag.update({ id: created.result.id, data: { color: '#000000' } })
        .catch((e: Error) => e),
    );
    expect(refused.result).toMatchObject({ code: 'FORBIDDEN' });
    expect([refused.statements, refused.transactions]).toEqual([2, 0]);
    const deleted = await counter.measure(() => app.api.tag.delete({ id: created.result.id }));
    expect([deleted.statements, deleted.transactions]).toEqual([1, 0]);
  });

  it('createMany of 1,000 rows is one statement, its audit trail included; audited single-row writes are one statement', async () => {
    const counter = app.database.counter;
    const audits = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from audit_entry`.execute(app.database.db)).rows[0]!
        .n;
    const rows = Array.from({ length: 1000 }, (_, i) => ({ label: `bulk-${i}` }));
    const before = await audits();
    const tags = await counter.measure(() => app.api.tag.createMany(rows));
    expect(tags.result.count).toBe(1000);
    expect([tags.statements, tags.transactions]).toEqual([1, 0]);
    // the triggers wrote one audit record per row, in the insert's own statement
    expect((await audits()) - before).toBe(1000);
    const org = await app.api.organization.create({ name: 'Bulk', slug: 'bulk-statements' });
    const created = await counter.measure(() =>
      app.api.project.create({ organizationId: org.id, name: 'Bulk' }),
    );
    expect([created.statements, created.transactions]).toEqual([1, 0]);
    const project = created.result;
    const releases = await counter.measure(() =>
      app.api.release.createMany(
        Array.from({ length: 1000 }, (_, i) => ({ projectId: project.id, semver: `1.0.${i}` })),
      ),
    );
    expect(releases.result.count).toBe(1000);
    // release has a beforeCreate hook: a transaction that names the actor first (a hook may write), then the insert
    expect([releases.statements, releases.transactions]).toEqual([2, 1]);
    const update = await counter.measure(() =>
      app.api.project.update({ id: project.id, data: { description: 'audited' } }),
    );
    expect([update.statements, update.transactions]).toEqual([1, 0]);
    const removed = await counter.measure(() => app.api.project.delete({ id: project.id }));
    expect([removed.statements, removed.transactions]).toEqual([1, 0]);
    const { rows: log } = await sql<{ action: string; actor_id: string | null; entity: string }>`
      select action, actor_id, entity from audit_entry where entity_id = ${project.id}::uuid order by created_at, action`.execute(
      app.database.db,
    );
    expect(log.map((r) => r.action).sort()).toEqual(['create', 'delete', 'update']);
    expect(log.every((r) => r.actor_id === app.adminId)).toBe(true);
  });
});
