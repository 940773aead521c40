import { testEngines } from '@typecrud/server/testing';
import type { ListQuery } from '@typecrud/shared';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSchema } from '../src/index.js';
import { useApp } from './fixtures.js';
import { expectError } from './helpers.js';

type ReleaseQuery = ListQuery<AppSchema, AppSchema['release']>;
const statuses = ['draft', 'scheduled', 'published', 'withdrawn'] as const;

describe.each(testEngines())('orderBy and keyset cursors on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as { projectIds: string[]; total: number };

  /** Reads every page of `query` with `limit`, returning the ids in order. */
  const pageThrough = async (query: ReleaseQuery, limit: number) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await app.api.release.list({ ...query, limit, ...(cursor ? { cursor } : {}) });
      ids.push(...page.items.map((r) => r.id));
      if (!page.nextCursor) return ids;
      expect(page.items).toHaveLength(limit);
      cursor = page.nextCursor;
    }
    throw new Error('paging did not end');
  };

  beforeAll(async () => {
    const orgA = await app.api.organization.create({ name: 'Zeta org', slug: 'zeta' });
    const orgB = await app.api.organization.create({ name: 'Alpha org', slug: 'alpha' });
    const projects = await app.api.project.createMany([
      { organizationId: orgA.id, name: 'pear' },
      { organizationId: orgB.id, name: 'apple' },
      { organizationId: orgA.id, name: 'mango' },
    ]);
    // 57 releases in one statement: equal createdAt, many equal statuses and downloads, NULL releasedAt on a third
    const rows = Array.from({ length: 57 }, (_, i) => ({
      projectId: projects.ids[i % 3]!,
      semver: `1.${Math.floor(i / 10)}.${i % 10}`,
      status: statuses[i % 4]!,
      releasedAt: i % 3 === 0 ? null : new Date(Date.UTC(2026, 0, 1 + (i % 7))),
      downloads: BigInt((i % 5) * 10),
    }));
    const created = await app.api.release.createMany(rows);
    // five archived ones, each at its own moment
    for (const id of created.ids.slice(0, 5)) await app.api.release.archive({ id });
    Object.assign(s, { projectIds: projects.ids, total: rows.length - 5 });
  });

  it('orders by several fields, ended by the id tiebreak', async () => {
    const page = await app.api.release.list({ orderBy: [{ status: 'asc' }, { semver: 'desc' }], limit: 100 });
    const items = page.items;
    expect(items).toHaveLength(s.total);
    const expected = [...items].sort((a, b) =>
      a.status < b.status ? -1 : a.status > b.status ? 1 : a.semver < b.semver ? 1 : -1,
    );
    expect(items.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    // equal values fall back to id ascending
    const byDownloads = (await app.api.release.list({ orderBy: { downloads: 'desc' }, limit: 100 })).items;
    for (let i = 1; i < byDownloads.length; i++) {
      const [a, b] = [byDownloads[i - 1]!, byDownloads[i]!];
      expect(a.downloads >= b.downloads).toBe(true);
      if (a.downloads === b.downloads) expect(a.id < b.id).toBe(true);
    }
  });

  it('nulls first and last, both directions', async () => {
    const nulls = (items: { releasedAt: Date | null }[]) => items.map((r) => r.releasedAt === null);
    const asc = (await app.api.release.list({ orderBy: { releasedAt: 'asc' }, limit: 100 })).items;
    const count = asc.filter((r) => r.releasedAt === null).length;
    expect(count).toBeGreaterThan(5);
    expect(nulls(asc).slice(-count).every(Boolean)).toBe(true); // asc defaults to nulls last
    const desc = (await app.api.release.list({ orderBy: { releasedAt: 'desc' }, limit: 100 })).items;
    expect(nulls(desc).slice(0, count).every(Boolean)).toBe(true); // desc defaults to nulls first
    const ascFirst = (
      await app.api.release.list({ orderBy: { releasedAt: { dir: 'asc', nulls: 'first' } }, limit: 100 })
    ).items;
    expect(nulls(ascFirst).slice(0, count).every(Boolean)).toBe(true);
    const descLast = (
      await app.api.release.list({ orderBy: { releasedAt: { dir: 'desc', nulls: 'last' } }, limit: 100 })
    ).items;
    expect(nulls(descLast).slice(-count).every(Boolean)).toBe(true);
    const times = descLast.filter((r) => r.releasedAt).map((r) => r.releasedAt!.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("orders by a to-one relation's field", async () => {
    const items = (
      await app.api.release.list({ orderBy: [{ project: { name: 'asc' } }, { semver: 'asc' }], limit: 100 })
    ).items;
    const names = new Map((await app.api.project.list({ limit: 100 })).items.map((p) => [p.id, p.name]));
    const projectNames = items.map((r) => names.get(r.projectId)!);
    expect(projectNames).toEqual([...projectNames].sort());
    expect(projectNames[0]).toBe('apple');
    const projects = await app.api.project.list({
      orderBy: [{ organization: { name: 'desc' } }, { name: 'asc' }],
    });
    expect(projects.items.map((p) => p.name)).toEqual(['mango', 'pear', 'apple']);
  });

  const orders: [string, ReleaseQuery][] = [
    ['the default order (equal createdAt)', {}],
    ['an enum with many equal values', { orderBy: { status: 'asc' } }],
    ['a bigint, descending', { orderBy: { downloads: 'desc' } }],
    ['nulls first ascending', { orderBy: { releasedAt: { dir: 'asc', nulls: 'first' } } }],
    ['nulls last ascending', { orderBy: { releasedAt: 'asc' } }],
    ['nulls first descending', { orderBy: { releasedAt: 'desc' } }],
    [
      'nulls last descending, then status',
      { orderBy: [{ releasedAt: { dir: 'desc', nulls: 'last' } }, { status: 'desc' }] },
    ],
    ['mixed directions', { orderBy: [{ status: 'desc' }, { downloads: 'asc' }, { semver: 'desc' }] }],
    ["a relation's field", { orderBy: [{ project: { name: 'desc' } }] }],
    ['with a where', { where: { status: { in: ['draft', 'published'] } }, orderBy: { releasedAt: 'asc' } }],
    [
      'archivedAt, archived rows included',
      { withArchived: true, orderBy: [{ archivedAt: { dir: 'desc', nulls: 'last' } }] },
    ],
    ['id only, descending', { orderBy: { id: 'desc' } }],
  ];

  it.each(orders)('pages through the whole table by %s, no row lost or repeated', async (_name, query) => {
    const all = (await app.api.release.list({ ...query, limit: 100 })).items.map((r) => r.id);
    for (const limit of [1, 4, 7]) {
      const paged = await pageThrough(query, limit);
      expect(new Set(paged).size).toBe(paged.length);
      expect(paged).toEqual(all);
    }
  });

  it('pages through timestamps that differ by microseconds', async () => {
    const tags = await app.api.tag.createMany(
      Array.from({ length: 12 }, (_, i) => ({ label: `micro-${i}` })),
    );
    // all in one millisecond, which a JavaScript Date cannot tell apart
    for (const [i, id] of tags.ids.entries()) {
      await sql`update tag set created_at = ${`2026-05-01 12:00:00.000${String(100 + i * 7).padStart(3, '0')}+00`}::timestamptz where id = ${id}`.execute(
        app.database.db,
      );
    }
    const where = { label: { startsWith: 'micro-' } };
    for (const orderBy of [{ createdAt: 'desc' }, { createdAt: 'asc' }] as const) {
      const all = (await app.api.tag.list({ where, orderBy, limit: 100 })).items.map((t) => t.id);
      expect(all).toHaveLength(12);
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await app.api.tag.list({ where, orderBy, limit: 5, ...(cursor ? { cursor } : {}) });
        paged.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(paged).toEqual(all);
    }
  });

  it('rows inserted between pages: none lost, none repeated, later ones seen', async () => {
    const project = s.projectIds[0]!;
    const where = { projectId: project, semver: { startsWith: '9.' } };
    await app.api.release.createMany(
      ['9.1.0', '9.3.0', '9.5.0', '9.7.0', '9.9.0'].map((semver) => ({ projectId: project, semver })),
    );
    const first = await app.api.release.list({ where, orderBy: { semver: 'asc' }, limit: 2 });
    expect(first.items.map((r) => r.semver)).toEqual(['9.1.0', '9.3.0']);
    await app.api.release.createMany(
      ['9.0.0', '9.2.0', '9.4.0', '9.8.0'].map((semver) => ({ projectId: project, semver })),
    );
    const seen = first.items.map((r) => r.semver);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await app.api.release.list({ where, orderBy: { semver: 'asc' }, limit: 2, cursor });
      seen.push(...page.items.map((r) => r.semver));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(['9.1.0', '9.3.0', '9.4.0', '9.5.0', '9.7.0', '9.8.0', '9.9.0']);
  });

  it('a list without a limit returns the default page size and a cursor', async () => {
    const page = await app.api.release.list();
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).toEqual(expect.any(String));
    const rest = await app.api.release.list({ cursor: page.nextCursor! });
    expect(rest.items.map((r) => r.id)).not.toContain(page.items[0]!.id);
  });

  it('orders and pages by a one-to-one relation, rows without one included', async () => {
    const m = app.services.managers;
    const zones = ['Asia/Tokyo', 'UTC', null, 'Europe/Paris', null, 'UTC', 'America/Lima'];
    for (const [i, zone] of zones.entries()) {
      await m.user.create(app.ctx, {
        email: `zone${i}@example.test`,
        displayName: `Zone ${i}`,
        ...(zone ? { profile: { create: { timezone: zone } } } : {}),
      });
    }
    const where = { email: { startsWith: 'zone' } };
    for (const orderBy of [
      [{ profile: { createdAt: 'asc' } }],
      [{ profile: { createdAt: { dir: 'desc', nulls: 'last' } } }, { email: 'desc' }],
    ] as const) {
      const all = await m.user.list(app.ctx, {
        where,
        orderBy: orderBy as never,
        limit: 100,
        include: { profile: true },
      });
      const seen = all.items.map((u) => u.profile?.timezone ?? null);
      expect(seen.filter((z) => z === null)).toHaveLength(2);
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await m.user.list(app.ctx, {
          where,
          orderBy: orderBy as never,
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        paged.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(paged).toEqual(all.items.map((u) => u.id));
    }
    const asc = await m.user.list(app.ctx, {
      where,
      orderBy: [{ profile: { createdAt: 'asc' } }],
      limit: 100,
      include: { profile: true },
    });
    expect(asc.items.map((u) => u.profile?.timezone ?? null)).toEqual([
      'Asia/Tokyo',
      'UTC',
      'Europe/Paris',
      'UTC',
      'America/Lima',
      null,
      null,
    ]);
  });

  it('the manager refuses to order by a field that is not sortable, as the DTO does', async () => {
    const m = app.services.managers;
    await expectError(
      m.project.list(app.ctx, { orderBy: { description: 'asc' } as never }),
      'BAD_REQUEST',
      'orderBy.description',
    );
    await expectError(
      m.user.list(app.ctx, { orderBy: { profile: { timezone: 'asc' } } as never }),
      'BAD_REQUEST',
      'orderBy.profile.timezone',
    );
    const org = (await app.api.organization.list({ limit: 1 })).items[0]!;
    await expectError(
      m.organization.get(app.ctx, {
        id: org.id,
        include: { projects: { orderBy: { description: 'desc' } } },
      } as never),
      'BAD_REQUEST',
    );
    await expectError(
      app.api.user.list({ orderBy: { profile: { timezone: 'asc' } } as never }),
      'BAD_REQUEST',
      'orderBy.profile.timezone',
    );
  });

  it('withTotal counts every matching row on every page', async () => {
    const where = { status: 'draft' as const };
    const count = await app.api.release.count({ where });
    let page = await app.api.release.list({ where, limit: 4, withTotal: true });
    expect(page.total).toBe(count);
    expect(page.items).toHaveLength(4);
    page = await app.api.release.list({ where, limit: 4, withTotal: true, cursor: page.nextCursor! });
    expect(page.total).toBe(count);
    const empty = await app.api.release.list({ where: { semver: 'none' }, withTotal: true });
    expect(empty).toEqual({ items: [], nextCursor: null, total: 0 });
  });

  it('offset pages agree with the full order', async () => {
    const orderBy = [{ status: 'asc' }, { semver: 'asc' }] as const;
    const all = (await app.api.release.list({ orderBy: [...orderBy], limit: 100 })).items.map((r) => r.id);
    const second = await app.api.release.list({ orderBy: [...orderBy], limit: 10, offset: 10 });
    expect(second.items.map((r) => r.id)).toEqual(all.slice(10, 20));
    const beyond = await app.api.release.list({ orderBy: [...orderBy], limit: 10, offset: 10_000 });
    expect(beyond).toEqual({ items: [], nextCursor: null });
    const counted = await app.api.release.list({
      orderBy: [...orderBy],
      limit: 10,
      offset: 10_000,
      withTotal: true,
    });
    expect(counted).toEqual({ items: [], nextCursor: null, total: all.length });
  });

  it('a tampered, foreign or mismatched cursor is BAD_REQUEST', async () => {
    const query: ReleaseQuery = { where: { status: 'draft' }, orderBy: { semver: 'asc' }, limit: 2 };
    const { nextCursor } = await app.api.release.list(query);
    expect(nextCursor).toMatch(/^[\w-]+\.[\w-]{22}$/); // base64url body . truncated HMAC
    const cursor = nextCursor!;
    // the same query with another limit is fine
    expect((await app.api.release.list({ ...query, limit: 3, cursor })).items).toHaveLength(3);
    const [body, mac] = cursor.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    decoded.v[0] = '0.0.0';
    const forged = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${mac}`;
    await expectError(app.api.release.list({ ...query, cursor: forged }), 'BAD_REQUEST', 'cursor');
    await expectError(
      app.api.release.list({ ...query, cursor: `${body}.${mac.slice(1)}x` }),
      'BAD_REQUEST',
      'cursor',
    );
    await expectError(app.api.release.list({ ...query, cursor: 'garbage' }), 'BAD_REQUEST', 'cursor');
    await expectError(app.api.release.list({ ...query, cursor: '' }), 'BAD_REQUEST', 'cursor');
    const other = await expectError(
      app.api.release.list({ ...query, where: { status: 'published' }, cursor }),
      'BAD_REQUEST',
      'cursor',
    );
    expect(other.message).toContain('does not match');
    await expectError(
      app.api.release.list({ ...query, orderBy: { semver: 'desc' }, cursor }),
      'BAD_REQUEST',
      'cursor',
    );
    await expectError(
      app.api.release.list({ ...query, withArchived: true, cursor }),
      'BAD_REQUEST',
      'cursor',
    );
    await expectError(app.api.project.list({ cursor }), 'BAD_REQUEST', 'cursor');
    await expectError(app.api.release.count({ cursor } as never), 'BAD_REQUEST', 'cursor');
  });
});

describe.each(testEngines())('cursor fingerprints on %s', (engine) => {
  const app = useApp(engine);
  it('accept the same where written in another key order, and refuse another order', async () => {
    const org = await app.api.organization.create({ name: 'Fingerprint', slug: 'fingerprint' });
    await app.api.project.createMany(
      [1, 2, 3].map((i) => ({ organizationId: org.id, name: `F${i}`, isPublic: true })),
    );
    const first = await app.api.project.list({
      where: { organizationId: org.id, isPublic: true },
      orderBy: { name: 'asc' },
      limit: 1,
    });
    const next = await app.api.project.list({
      where: { isPublic: true, organizationId: org.id },
      orderBy: { name: 'asc' },
      limit: 1,
      cursor: first.nextCursor!,
    });
    expect(next.items.map((p) => p.name)).toEqual(['F2']);
    await expect(
      app.api.project.list({
        where: { isPublic: true, organizationId: org.id },
        orderBy: { name: 'desc' },
        limit: 1,
        cursor: first.nextCursor!,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'cursor does not match this query' });
  });
});
