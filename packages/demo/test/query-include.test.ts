import { testEngines } from '@typecrud/server/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApp } from './fixtures.js';
import { expectError } from './helpers.js';

const big = 9_007_199_254_740_993n;
const jan1 = new Date('2026-01-01T10:20:30.456Z');
const feb1 = new Date('2026-02-01T00:00:00.000Z');

describe.each(testEngines())('include on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as {
    orgId: string;
    rocket: string;
    anvil: string;
    hidden: string;
    tags: { backend: string; frontend: string; infra: string };
    releases: Record<string, string>;
    userId: string;
  };

  beforeAll(async () => {
    const m = app.services.managers;
    const org = await m.organization.create(app.ctx, {
      name: 'Acme',
      slug: 'acme',
      properties: { plan: 'pro' },
    });
    const tags = await m.tag.createMany(app.ctx, [
      { label: 'backend', color: '#111111' },
      { label: 'frontend' },
      { label: 'infra' },
    ]);
    const [backend, frontend, infra] = tags.ids as [string, string, string];
    const rocket = await m.project.create(app.ctx, {
      organizationId: org.id,
      name: 'Rocket',
      isPublic: true,
      properties: { tier: 'gold' },
      tags: { connect: [backend, frontend, infra] },
    });
    const anvil = await m.project.create(app.ctx, {
      organizationId: org.id,
      name: 'Anvil',
      tags: { connect: [backend] },
    });
    const hidden = await m.project.create(app.ctx, { organizationId: org.id, name: 'Hidden' });
    await m.project.archive(app.ctx, { id: hidden.id });
    const rel = await m.release.createMany(app.ctx, [
      { projectId: rocket.id, semver: '1.0.0', status: 'published', releasedAt: jan1, downloads: big },
      { projectId: rocket.id, semver: '1.1.0', status: 'published', releasedAt: feb1, downloads: 5n },
      { projectId: rocket.id, semver: '2.0.0', status: 'draft', releasedAt: null, downloads: 0n },
      { projectId: rocket.id, semver: '0.9.0', status: 'withdrawn', releasedAt: jan1, downloads: 1n },
      { projectId: anvil.id, semver: '0.1.0', status: 'published', releasedAt: feb1, downloads: 7n },
      { projectId: hidden.id, semver: '0.0.1', status: 'draft' },
    ]);
    const [r100, r110, r200, r090, a010] = rel.ids as [string, string, string, string, string];
    await m.release.archive(app.ctx, { id: r090 });
    const user = await m.user.create(app.ctx, {
      email: 'ada@example.test',
      displayName: 'Ada',
      profile: { create: { bio: 'hello', timezone: 'Europe/London' } },
    });
    Object.assign(s, {
      orgId: org.id,
      rocket: rocket.id,
      anvil: anvil.id,
      hidden: hidden.id,
      tags: { backend, frontend, infra },
      releases: { r100, r110, r200, r090, a010 },
      userId: user.id,
    });
  });

  it('without include no relation is present; false leaves it out too', async () => {
    const plain = await app.api.project.get({ id: s.rocket });
    expect(plain).not.toHaveProperty('tags');
    expect(plain).not.toHaveProperty('organization');
    const off = await app.services.managers.project.get(app.ctx, {
      id: s.rocket,
      include: { tags: false, organization: true },
    });
    expect(off).not.toHaveProperty('tags');
    expect(off.organization!.id).toBe(s.orgId);
  });

  it('depth 1: belongsTo, hasMany, manyToMany, hasOne', async () => {
    const p = await app.services.managers.project.get(app.ctx, {
      id: s.rocket,
      include: {
        organization: true,
        releases: { orderBy: { semver: 'asc' } },
        tags: { orderBy: { label: 'asc' } },
      },
    });
    expect(p.organization).toMatchObject({ id: s.orgId, slug: 'acme', properties: { plan: 'pro' } });
    expect(p.organization!.createdAt).toBeInstanceOf(Date);
    expect(p.releases.map((r) => r.semver)).toEqual(['1.0.0', '1.1.0', '2.0.0']);
    expect(p.tags.map((t) => [t.label, t.color])).toEqual([
      ['backend', '#111111'],
      ['frontend', null],
      ['infra', null],
    ]);
    const u = await app.services.managers.user.get(app.ctx, { id: s.userId, include: { profile: true } });
    expect(u.profile).toMatchObject({
      userId: s.userId,
      bio: 'hello',
      timezone: 'Europe/London',
      version: 1,
    });
    const back = await app.services.managers.profile.list(app.ctx, {
      where: { userId: s.userId },
      include: { user: true },
    });
    expect(back.items[0]!.user!.email).toBe('ada@example.test');
    // an empty to-many is [], a missing hasOne is null
    const anvil = await app.services.managers.project.get(app.ctx, {
      id: s.anvil,
      include: { tags: { where: { label: 'infra' } } },
    });
    expect(anvil.tags).toEqual([]);
    const lonely = await app.services.managers.user.create(app.ctx, {
      email: 'lonely@example.test',
      displayName: 'L',
    });
    expect(
      (await app.services.managers.user.get(app.ctx, { id: lonely.id, include: { profile: true } })).profile,
    ).toBeNull();
  });

  it('Date and bigint values inside embedded JSON keep their types at every depth', async () => {
    const org = await app.services.managers.organization.get(app.ctx, {
      id: s.orgId,
      include: {
        projects: {
          where: { name: 'Rocket' },
          include: { releases: { where: { semver: '1.0.0' }, include: { project: true } } },
        },
      },
    });
    const release = org.projects[0]!.releases[0]!;
    expect(release.releasedAt).toBeInstanceOf(Date);
    expect(release.releasedAt).toEqual(jan1);
    expect(release.createdAt).toBeInstanceOf(Date);
    expect(typeof release.downloads).toBe('bigint');
    expect(release.downloads).toBe(big);
    expect(release.project!.createdAt).toBeInstanceOf(Date);
    expect(release.project!.archivedAt).toBeNull();
    expect(release.project!.properties).toEqual({ tier: 'gold' });
    expect(org.projects[0]!.updatedAt).toBeInstanceOf(Date);
    // and through the router
    const viaRouter = await app.api.release.get({
      id: s.releases.r100!,
      include: { project: { include: { releases: { where: { semver: '1.1.0' } } } } },
    } as never);
    const nested = (
      viaRouter as unknown as { project: { releases: { releasedAt: unknown; downloads: unknown }[] } }
    ).project.releases[0]!;
    expect(nested.releasedAt).toBeInstanceOf(Date);
    expect(nested.releasedAt).toEqual(feb1);
    expect(nested.downloads).toBe(5n);
  });

  it('depth 2 and 3 with where, orderBy and limit at every level', async () => {
    const page = await app.services.managers.organization.list(app.ctx, {
      where: { id: s.orgId },
      include: {
        projects: {
          where: { name: { in: ['Rocket', 'Anvil', 'Hidden'] } },
          orderBy: { name: 'desc' },
          include: {
            releases: {
              where: { status: 'published' },
              orderBy: { semver: 'desc' },
              limit: 1,
              include: { project: true },
            },
            tags: { orderBy: { label: 'desc' }, limit: 2 },
          },
        },
      },
    });
    const org = page.items[0]!;
    expect(org.projects.map((p) => p.name)).toEqual(['Rocket', 'Anvil']);
    const [rocket, anvil] = org.projects as [(typeof org.projects)[number], (typeof org.projects)[number]];
    expect(rocket.releases.map((r) => r.semver)).toEqual(['1.1.0']);
    expect(anvil.releases.map((r) => r.semver)).toEqual(['0.1.0']);
    expect(rocket.tags.map((t) => t.label)).toEqual(['infra', 'frontend']);
    expect(anvil.tags.map((t) => t.label)).toEqual(['backend']);
    expect((rocket.releases[0] as unknown as { project: { id: string } }).project.id).toBe(s.rocket);
  });

  it('depth 3 through a many-to-many', async () => {
    const tag = await app.services.managers.tag.get(app.ctx, {
      id: s.tags.backend,
      include: {
        projects: {
          orderBy: { name: 'asc' },
          include: {
            releases: { orderBy: { semver: 'asc' }, include: { project: true } },
            organization: true,
          },
        },
      },
    });
    expect(tag.projects.map((p) => p.name)).toEqual(['Anvil', 'Rocket']);
    expect(tag.projects[1]!.releases.map((r) => [r.semver, r.project!.name])).toEqual([
      ['1.0.0', 'Rocket'],
      ['1.1.0', 'Rocket'],
      ['2.0.0', 'Rocket'],
    ]);
    expect(tag.projects[0]!.organization!.slug).toBe('acme');
  });

  it('archived rows are left out of includes unless asked for', async () => {
    const m = app.services.managers;
    const org = await m.organization.get(app.ctx, {
      id: s.orgId,
      include: { projects: { orderBy: { name: 'asc' } } },
    });
    expect(org.projects.map((p) => p.name)).toEqual(['Anvil', 'Rocket']);
    const all = await m.organization.get(app.ctx, {
      id: s.orgId,
      include: { projects: { orderBy: { name: 'asc' }, withArchived: true } },
    });
    expect(all.projects.map((p) => p.name)).toEqual(['Anvil', 'Hidden', 'Rocket']);
    const p = await m.project.get(app.ctx, {
      id: s.rocket,
      include: { releases: { orderBy: { semver: 'asc' } } },
    });
    expect(p.releases.map((r) => r.semver)).toEqual(['1.0.0', '1.1.0', '2.0.0']);
    const pa = await m.project.get(app.ctx, {
      id: s.rocket,
      include: { releases: { orderBy: { semver: 'asc' }, withArchived: true } },
    });
    expect(pa.releases.map((r) => r.semver)).toEqual(['0.9.0', '1.0.0', '1.1.0', '2.0.0']);
    // the top-level withArchived does not leak into includes
    const hidden = await m.project.get(app.ctx, {
      id: s.hidden,
      withArchived: true,
      include: { releases: true },
    });
    expect(hidden.releases.map((r) => r.semver)).toEqual(['0.0.1']);
    // a where on a to-one include that the parent does not match embeds null
    const filtered = await m.release.get(app.ctx, {
      id: s.releases.r100!,
      include: { project: { where: { name: 'Anvil' } } },
    });
    expect(filtered.project).toBeNull();
    const matched = await m.release.get(app.ctx, {
      id: s.releases.r100!,
      include: { project: { where: { name: 'Rocket' } } },
    });
    expect(matched.project?.id).toBe(s.rocket);
    // a required parent is embedded even when archived, marked by its archivedAt
    const orphan = await m.release.list(app.ctx, {
      where: { projectId: s.hidden },
      include: { project: true },
    });
    expect(orphan.items[0]!.project!.id).toBe(s.hidden);
    expect(orphan.items[0]!.project!.archivedAt).toBeInstanceOf(Date);
    const tag = await m.tag.get(app.ctx, { id: s.tags.backend, include: { projects: true } });
    expect(tag.projects.map((x) => x.id).sort()).toEqual([s.anvil, s.rocket].sort());
  });

  it('list with includes pages with a cursor', async () => {
    const m = app.services.managers;
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await m.release.list(app.ctx, {
        orderBy: { semver: 'asc' },
        limit: 2,
        include: { project: { include: { tags: { orderBy: { label: 'asc' } } } } },
        ...(cursor ? { cursor } : {}),
      });
      for (const r of page.items) {
        expect(r.project!.id).toBe(r.projectId);
        expect(Array.isArray(r.project!.tags)).toBe(true);
        ids.push(r.id);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const plain = await m.release.list(app.ctx, { limit: 100 });
    expect(ids.sort()).toEqual(plain.items.map((r) => r.id).sort());
    expect(ids).toHaveLength(5);
  });

  it('bad includes are BAD_REQUEST naming what was wrong', async () => {
    await expectError(
      app.api.project.get({ id: s.rocket, include: { tags: { where: { nope: 1 } } } as never }),
      'BAD_REQUEST',
      'include.tags.where.nope',
    );
    await expectError(
      app.api.project.get({ id: s.rocket, include: { tags: { limit: 101 } } }),
      'BAD_REQUEST',
      'include.tags.limit',
    );
    await expectError(
      app.api.project.get({ id: s.rocket, include: { tags: { orderBy: { color: 'asc' } } } as never }),
      'BAD_REQUEST',
      'include.tags.orderBy',
    );
    await expectError(
      app.api.project.list({ include: { organization: { include: { nope: true } } } as never }),
      'BAD_REQUEST',
      'include.organization.include.nope',
    );
    await expectError(
      app.api.project.list({ include: { tags: 'yes' } as never }),
      'BAD_REQUEST',
      'include.tags',
    );
  });
});
