import type { ManagerContext } from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import { type RootOperationNode, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApp } from './fixtures.js';
import { expectError } from './helpers.js';

const keys = (row: object) => Object.keys(row).sort();

describe.each(testEngines())('select, omit, _count and distinct on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as {
    orgA: string;
    orgB: string;
    a1: string;
    tag: string;
    viewer: ManagerContext;
  };
  const m = () => app.services.managers;

  /** The SQL of the statements `fn` sends (each compiled as the database receives it). */
  const sqlOf = async (fn: () => Promise<unknown>) => {
    const { nodes } = await app.database.counter.capture(fn);
    const executor = app.database.db.getExecutor();
    return nodes.map((n: RootOperationNode) => executor.compileQuery(n, { queryId: 'capture' } as never).sql);
  };

  beforeAll(async () => {
    const orgA = await m().organization.create(app.ctx, { name: 'Sel A', slug: 'sel-a' });
    const orgB = await m().organization.create(app.ctx, { name: 'Sel B', slug: 'sel-b' });
    const tag = await m().tag.create(app.ctx, { label: 'sel-shared' });
    const project = (organizationId: string, name: string, isPublic = false) =>
      m().project.create(app.ctx, {
        organizationId,
        name,
        description: `about ${name}`,
        isPublic,
        tags: { connect: [tag.id] },
      });
    const a1 = await project(orgA.id, 'a1');
    const a2 = await project(orgA.id, 'a2');
    const b1 = await project(orgB.id, 'b1');
    await project(orgB.id, 'b2', true);
    await project(orgB.id, 'b3');
    const statuses = ['draft', 'published', 'published', 'withdrawn', 'scheduled', 'draft'] as const;
    const releases = await m().release.createMany(
      app.ctx,
      statuses.map((status, i) => ({
        projectId: [a1.id, a2.id, b1.id][i % 3]!,
        semver: `2.${i}.0`,
        status,
        releasedAt: i % 2 ? new Date(Date.UTC(2026, 1, 1 + i)) : null,
        downloads: BigInt(i * 7),
      })),
    );
    // a1 has releases 0 (draft) and 3 (withdrawn); 3 is archived
    await m().release.archive(app.ctx, { id: releases.ids[3]! });
    Object.assign(s, {
      orgA: orgA.id,
      orgB: orgB.id,
      a1: a1.id,
      tag: tag.id,
      viewer: {
        db: app.database.db,
        caller: {
          userId: app.adminId,
          superadmin: false,
          memberships: [{ tenantId: orgA.id, role: 'viewer' }],
        },
      },
    });
    void a2;
  });

  describe('select and omit', () => {
    it('get returns exactly the selected fields and reads only their columns', async () => {
      const row = await m().project.get(app.ctx, { id: s.a1, select: { id: true, name: true } });
      expect(row).toEqual({ id: s.a1, name: 'a1' });
      const [statement, ...more] = await sqlOf(() =>
        m().project.get(app.ctx, { id: s.a1, select: { name: true } }),
      );
      expect(more).toEqual([]);
      const selectList = statement!.slice(0, statement!.indexOf(' from '));
      expect(selectList).toContain('"name"');
      for (const column of ['description', 'is_public', 'organization_id', 'version', 'created_at'])
        expect(selectList).not.toContain(column);
    });

    it('omit returns every readable field but the omitted ones', async () => {
      const full = await m().project.get(app.ctx, { id: s.a1 });
      const row = await m().project.get(app.ctx, { id: s.a1, omit: { description: true, version: true } });
      expect(keys(row)).toEqual(keys(full).filter((k) => k !== 'description' && k !== 'version'));
      expect(row.name).toBe('a1');
      const [statement] = await sqlOf(() =>
        m().project.get(app.ctx, { id: s.a1, omit: { description: true } }),
      );
      expect(statement).not.toContain('description');
    });

    it('a relation inside select is embedded with its own select, in one statement', async () => {
      const { result, statements } = await app.database.counter.measure(() =>
        m().project.list(app.ctx, {
          where: { organizationId: s.orgA },
          orderBy: { name: 'asc' },
          select: {
            name: true,
            tags: { select: { label: true } },
            organization: { select: { slug: true } },
            releases: { omit: { notes: true }, orderBy: { semver: 'asc' } },
          },
        }),
      );
      expect(statements).toBe(1);
      expect(result.items.map((p) => p.name)).toEqual(['a1', 'a2']);
      const [a1] = result.items;
      expect(keys(a1!)).toEqual(['name', 'organization', 'releases', 'tags']);
      expect(a1!.tags).toEqual([{ label: 'sel-shared' }]);
      expect(a1!.organization).toEqual({ slug: 'sel-a' });
      expect(a1!.releases.map((r) => r.semver)).toEqual(['2.0.0']);
      expect(a1!.releases[0]).not.toHaveProperty('notes');
      expect(a1!.releases[0]!.downloads).toBe(0n);
    });

    it('embedded rows read only their selected columns', async () => {
      const [statement, ...more] = await sqlOf(() =>
        m().project.list(app.ctx, {
          select: { name: true, tags: { select: { label: true } }, organization: { omit: { slug: true } } },
        }),
      );
      expect(more).toEqual([]);
      expect(statement).toContain('"label"');
      expect(statement).not.toContain('color');
      expect(statement).not.toContain('slug');
      expect(statement).not.toContain('description');
      expect(statement).toContain('"name"');
    });

    it('a relation in both include and select is refused', async () => {
      await expectError(
        app.api.project.list({ include: { tags: true }, select: { name: true, tags: true } }),
        'BAD_REQUEST',
        'select.tags',
      );
      const both = await m().project.get(app.ctx, {
        id: s.a1,
        include: { organization: { select: { slug: true } } },
        select: { name: true, tags: { select: { label: true } } },
      });
      expect(both).toEqual({ name: 'a1', organization: { slug: 'sel-a' }, tags: [{ label: 'sel-shared' }] });
    });

    it('select inside an include shapes the embedded rows; the parent stays full', async () => {
      const row = await m().project.get(app.ctx, {
        id: s.a1,
        include: { organization: { select: { name: true } }, tags: { omit: { color: true } } },
      });
      expect(row.organization).toEqual({ name: 'Sel A' });
      expect(row.description).toBe('about a1');
      expect(keys(row.tags[0]!)).not.toContain('color');
      expect(row.tags[0]!.label).toBe('sel-shared');
    });

    it('refuses select with omit, unknown and hidden fields, naming the path', async () => {
      const api = app.api;
      await expectError(
        api.project.get({ id: s.a1, select: { name: true }, omit: { description: true } }),
        'BAD_REQUEST',
        'select',
      );
      await expectError(
        api.project.list({ select: { bogus: true } as never }),
        'BAD_REQUEST',
        'select.bogus',
      );
      await expectError(
        api.user.get({ id: app.adminId, select: { passwordHash: true } as never }),
        'BAD_REQUEST',
        'select.passwordHash',
      );
      await expectError(
        api.project.list({ include: { tags: { select: { label: true }, omit: { color: true } } } }),
        'BAD_REQUEST',
        'include.tags.select',
      );
      await expectError(api.project.list({ omit: { nope: true } as never }), 'BAD_REQUEST', 'omit.nope');
      await expectError(api.project.list({ select: {} }), 'BAD_REQUEST', 'select');
      // the manager checks the same when server code skips the DTO
      await expectError(
        m().project.get(app.ctx, { id: s.a1, select: { name: true }, omit: { name: true } } as never),
        'BAD_REQUEST',
        'select',
      );
      await expectError(
        m().user.list(app.ctx, { select: { passwordHash: true } } as never),
        'BAD_REQUEST',
        'select.passwordHash',
      );
      await expectError(
        m().project.list(app.ctx, { select: { tags: { select: { nope: true } } } } as never),
        'BAD_REQUEST',
        'select.tags.select.nope',
      );
    });

    it('pages with a cursor through every row when the order fields are not selected', async () => {
      const orderBy = [
        { status: 'asc' as const },
        { releasedAt: 'desc' as const },
        { downloads: 'desc' as const },
      ];
      const all = await m().release.list(app.ctx, { orderBy, limit: 100 });
      const expected = all.items.map((r) => `${r.projectId}/${r.semver}`);
      expect(expected.length).toBe(5);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await m().release.list(app.ctx, {
          orderBy,
          limit: 2,
          withTotal: true,
          select: { semver: true, projectId: true },
          ...(cursor ? { cursor } : {}),
        });
        expect(page.total).toBe(5);
        for (const item of page.items) expect(keys(item)).toEqual(['projectId', 'semver']);
        seen.push(...page.items.map((r) => `${r.projectId}/${r.semver}`));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(expected);
    });

    it('withTotal without id selected: an empty page still counts', async () => {
      const page = await m().release.list(app.ctx, {
        where: { semver: 'no-such' },
        select: { semver: true },
        withTotal: true,
      });
      expect(page).toEqual({ items: [], nextCursor: null, total: 0 });
    });
  });

  describe('_count', () => {
    it('counts to-many relations, archived rows left out unless asked, filtered by where', async () => {
      const { result: row, statements } = await app.database.counter.measure(() =>
        m().project.get(app.ctx, {
          id: s.a1,
          include: { _count: { releases: true, tags: true } },
        }),
      );
      expect(statements).toBe(1);
      expect(row._count).toEqual({ releases: 1, tags: 1 });
      expect(row.name).toBe('a1');
      const all = await m().project.get(app.ctx, {
        id: s.a1,
        select: { _count: { releases: { withArchived: true } } },
      });
      expect(all).toEqual({ _count: { releases: 2 } });
      const published = await m().organization.list(app.ctx, {
        where: { id: { in: [s.orgA, s.orgB] } },
        orderBy: { slug: 'asc' },
        select: { slug: true, _count: { projects: { where: { isPublic: true } } } },
      });
      expect(published.items).toEqual([
        { slug: 'sel-a', _count: { projects: 0 } },
        { slug: 'sel-b', _count: { projects: 1 } },
      ]);
    });

    it('counts only what the caller may read', async () => {
      const admin = await m().tag.get(app.ctx, { id: s.tag, select: { _count: { projects: true } } });
      expect(admin._count.projects).toBe(5);
      // a viewer of A: A's two projects and B's public one, never B's private ones
      const viewer = await m().tag.get(s.viewer, { id: s.tag, select: { _count: { projects: true } } });
      expect(viewer._count.projects).toBe(3);
      const nested = await m().tag.get(s.viewer, {
        id: s.tag,
        select: {
          projects: { select: { name: true, _count: { releases: true } }, orderBy: { name: 'asc' } },
        },
      });
      expect(nested.projects).toEqual([
        { name: 'a1', _count: { releases: 1 } },
        { name: 'a2', _count: { releases: 2 } },
        { name: 'b2', _count: { releases: 0 } },
      ]);
      // and by hand: the rows the viewer's rule admits
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from project_tag pt
        join project p on p.id = pt.project_id
        where pt.tag_id = ${s.tag} and p.archived_at is null
          and (p.is_public or p.organization_id = ${s.orgA})`.execute(app.database.db);
      expect(rows[0]!.n).toBe(3);
    });

    it('refuses a count of a to-one relation or an unknown one', async () => {
      await expectError(
        app.api.release.list({ include: { _count: { project: true } } as never }),
        'BAD_REQUEST',
        'include._count.project',
      );
      await expectError(
        m().release.list(app.ctx, { include: { _count: { project: true } } } as never),
        'BAD_REQUEST',
        'include._count.project',
      );
    });
  });

  describe('distinct', () => {
    /** The ids of the distinct rows by hand: one per `fields`, the one with the largest `column`. */
    const byHand = async (fields: string, column: string) => {
      const { rows } = await sql<{ id: string }>`select distinct on (${sql.raw(fields)}) id
        from release where archived_at is null
        order by ${sql.raw(fields)}, ${sql.raw(column)} desc, id`.execute(app.database.db);
      return rows.map((r) => r.id);
    };

    it('keeps one row per distinct value, ordered by the distinct fields, the order choosing the row', async () => {
      const page = await m().release.list(app.ctx, {
        distinct: ['status'],
        orderBy: { semver: 'desc' },
        select: { status: true, semver: true },
        withTotal: true,
      });
      expect(page.total).toBe(3);
      const { rows } = await sql<{ key: string }>`select distinct on (status) status || '/' || semver as key
        from release where archived_at is null order by status, semver desc, id`.execute(app.database.db);
      expect(page.items.map((r) => `${r.status}/${r.semver}`)).toEqual(rows.map((r) => r.key));
      expect(page.items.map((r) => r.status)).toEqual(['draft', 'published', 'scheduled']);
      for (const item of page.items) expect(keys(item)).toEqual(['semver', 'status']);
    });

    it('several fields; a cursor pages through the groups without loss or repeat', async () => {
      const full = await m().release.list(app.ctx, {
        distinct: ['releasedAt', 'status'],
        orderBy: { downloads: 'desc' },
        limit: 100,
        withTotal: true,
      });
      const hand = await byHand('released_at, status', 'downloads');
      expect(hand.length).toBeGreaterThan(2);
      expect(full.items.map((r) => r.id)).toEqual(hand);
      expect(full.total).toBe(hand.length);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await m().release.list(app.ctx, {
          distinct: ['releasedAt', 'status'],
          orderBy: { downloads: 'desc' },
          limit: 2,
          select: { downloads: true },
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items.map((r) => String(r.downloads)));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(full.items.map((r) => String(r.downloads)));
    });

    it('refuses a field that is not sortable, and a cursor of another distinct', async () => {
      await expectError(app.api.release.list({ distinct: ['notes'] as never }), 'BAD_REQUEST', 'distinct.0');
      await expectError(
        m().release.list(app.ctx, { distinct: ['notes'] } as never),
        'BAD_REQUEST',
        'distinct.0',
      );
      const first = await m().release.list(app.ctx, { distinct: ['status'], limit: 1 });
      await expectError(
        m().release.list(app.ctx, { limit: 1, cursor: first.nextCursor! }),
        'BAD_REQUEST',
        'cursor',
      );
    });

    it('is one statement with select, _count, a total and a cursor', async () => {
      const first = await m().project.list(app.ctx, { distinct: ['isPublic'], limit: 1 });
      const { statements, result } = await app.database.counter.measure(() =>
        m().project.list(app.ctx, {
          distinct: ['isPublic'],
          limit: 1,
          cursor: first.nextCursor!,
          withTotal: true,
          select: { isPublic: true, _count: { releases: true } },
        }),
      );
      expect(statements).toBe(1);
      expect(result.total).toBe(2);
      expect(result.items.map((p) => p.isPublic)).toEqual([true]);
    });
  });
});
