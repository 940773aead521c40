import { testEngines } from '@typecrud/server/testing';
import type { Where } from '@typecrud/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSchema } from '../src/index.js';
import { useApp } from './fixtures.js';

type ReleaseWhere = Where<AppSchema, AppSchema['release']>;
type ProjectWhere = Where<AppSchema, AppSchema['project']>;

const big = 9_007_199_254_740_993n;
const jan1 = new Date('2026-01-01T00:00:00.000Z');
const jan15 = new Date('2026-01-15T00:00:00.000Z');
const feb1 = new Date('2026-02-01T00:00:00.000Z');
const mar1 = new Date('2026-03-01T00:00:00.000Z');

describe.each(testEngines())('where on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as {
    orgId: string;
    otherOrgId: string;
    projectId: string;
    projects: Record<string, string>;
    tags: Record<string, string>;
  };

  /** The semvers of the seeded project's releases matching `where`, sorted; and the count agrees. */
  const releases = async (where: ReleaseWhere, withArchived = false) => {
    const full = { AND: [{ projectId: s.projectId }, where] };
    const page = await app.api.release.list({ where: full, limit: 100, withArchived });
    expect(await app.api.release.count({ where: full, withArchived })).toBe(page.items.length);
    return page.items.map((r) => r.semver).sort();
  };
  /** The names of the seeded organization's projects matching `where`, sorted. */
  const projects = async (where: ProjectWhere) => {
    const full = { AND: [{ organizationId: s.orgId }, where] };
    const page = await app.api.project.list({ where: full, limit: 100 });
    expect(await app.api.project.count({ where: full })).toBe(page.items.length);
    return page.items.map((p) => p.name).sort();
  };

  beforeAll(async () => {
    const org = await app.api.organization.create({
      name: 'Where Org',
      slug: 'where-org',
      properties: { plan: 'pro' },
    });
    const other = await app.api.organization.create({
      name: 'Other Org',
      slug: 'other-org',
      properties: { plan: 'free' },
    });
    const m = app.services.managers;
    const tags = await app.api.tag.createMany([
      { label: 'backend' },
      { label: 'frontend' },
      { label: 'infra' },
      { label: 'retired' },
    ]);
    const [backend, frontend, infra, retired] = tags.ids as [string, string, string, string];
    const mk = (name: string, extra: Record<string, unknown> = {}) =>
      m.project.create(app.ctx, { organizationId: org.id, name, ...extra });
    const alpha = await mk('Alpha Rocket', {
      description: 'The first ROCKET',
      isPublic: true,
      properties: { tier: 'gold', size: 3, nested: { deep: 'yes' } },
      tags: { connect: [backend, frontend] },
    });
    const beta = await mk('beta rocket', {
      description: null,
      properties: { tier: 'silver', size: 1 },
      tags: { connect: [backend] },
    });
    const gamma = await mk('Gamma_Ray', {
      description: '100% done',
      isPublic: true,
      properties: { tier: 'gold', flag: null },
    });
    const delta = await mk('delta%', {
      description: 'plain',
      properties: null,
      tags: { connect: [infra, retired] },
    });
    await m.project.create(app.ctx, { organizationId: other.id, name: 'Alpha Rocket' });
    await m.tag.update(app.ctx, { id: retired, data: { color: '#000000' } });
    await m.release.createMany(app.ctx, [
      { projectId: alpha.id, semver: '1.0.0', status: 'published', releasedAt: jan1, downloads: 100n },
      { projectId: alpha.id, semver: '1.1.0', status: 'published', releasedAt: feb1, downloads: 200n },
      {
        projectId: alpha.id,
        semver: '1.2.0-beta',
        status: 'draft',
        releasedAt: null,
        downloads: 0n,
        notes: 'beta',
      },
      { projectId: alpha.id, semver: '2.0.0', status: 'scheduled', releasedAt: mar1, downloads: big },
      { projectId: alpha.id, semver: '2.1.0', status: 'withdrawn', releasedAt: jan15, downloads: 50n },
      { projectId: beta.id, semver: '0.1.0', status: 'published', releasedAt: jan1 },
      { projectId: beta.id, semver: '0.2.0', status: 'published', releasedAt: feb1 },
      { projectId: gamma.id, semver: '0.0.1', status: 'draft' },
    ]);
    // an archived release of beta, which filters must not see
    const archived = await m.release.create(app.ctx, {
      projectId: beta.id,
      semver: '0.3.0',
      status: 'draft',
    });
    await m.release.archive(app.ctx, { id: archived.id });
    Object.assign(s, {
      orgId: org.id,
      otherOrgId: other.id,
      projectId: alpha.id,
      projects: { alpha: alpha.id, beta: beta.id, gamma: gamma.id, delta: delta.id },
      tags: { backend, frontend, infra, retired },
    });
  });

  it('string: eq, ne, in, notIn and the shorthand', async () => {
    expect(await releases({ semver: '1.1.0' })).toEqual(['1.1.0']);
    expect(await releases({ semver: { eq: '1.1.0' } })).toEqual(['1.1.0']);
    expect(await releases({ semver: { ne: '1.1.0' } })).toEqual(['1.0.0', '1.2.0-beta', '2.0.0', '2.1.0']);
    expect(await releases({ semver: { in: ['1.0.0', '2.0.0', '9.9.9'] } })).toEqual(['1.0.0', '2.0.0']);
    expect(await releases({ semver: { notIn: ['1.0.0', '2.0.0'] } })).toEqual([
      '1.1.0',
      '1.2.0-beta',
      '2.1.0',
    ]);
    expect(await releases({ semver: { in: [] } })).toEqual([]);
    expect(await releases({ semver: { notIn: [] } })).toHaveLength(5);
  });

  it('string: lt, lte, gt, gte compare as text', async () => {
    expect(await releases({ semver: { lt: '1.1.0' } })).toEqual(['1.0.0']);
    expect(await releases({ semver: { lte: '1.1.0' } })).toEqual(['1.0.0', '1.1.0']);
    expect(await releases({ semver: { gt: '2.0.0' } })).toEqual(['2.1.0']);
    expect(await releases({ semver: { gte: '2.0.0' } })).toEqual(['2.0.0', '2.1.0']);
    expect(await releases({ semver: { gt: '1.0.0', lt: '2.0.0' } })).toEqual(['1.1.0', '1.2.0-beta']);
  });

  it('string: contains, startsWith, endsWith, case-sensitive by default', async () => {
    expect(await projects({ name: { contains: 'ocket' } })).toEqual(['Alpha Rocket', 'beta rocket']);
    expect(await projects({ name: { contains: 'Rocket' } })).toEqual(['Alpha Rocket']);
    expect(await projects({ name: { startsWith: 'alpha' } })).toEqual([]);
    expect(await projects({ name: { startsWith: 'Alpha' } })).toEqual(['Alpha Rocket']);
    expect(await projects({ name: { endsWith: 'ROCKET' } })).toEqual([]);
    expect(await projects({ name: { endsWith: 'rocket' } })).toEqual(['beta rocket']);
  });

  it('string: mode insensitive applies to every operator', async () => {
    expect(await projects({ name: { contains: 'ROCKET', mode: 'insensitive' } })).toEqual([
      'Alpha Rocket',
      'beta rocket',
    ]);
    expect(await projects({ name: { startsWith: 'ALPHA', mode: 'insensitive' } })).toEqual(['Alpha Rocket']);
    expect(await projects({ name: { endsWith: 'RAY', mode: 'insensitive' } })).toEqual(['Gamma_Ray']);
    expect(await projects({ name: { eq: 'BETA ROCKET', mode: 'insensitive' } })).toEqual(['beta rocket']);
    expect(await projects({ name: { in: ['ALPHA ROCKET', 'GAMMA_RAY'], mode: 'insensitive' } })).toEqual([
      'Alpha Rocket',
      'Gamma_Ray',
    ]);
    expect(await projects({ name: { ne: 'ALPHA ROCKET', mode: 'insensitive' } })).toEqual([
      'Gamma_Ray',
      'beta rocket',
      'delta%',
    ]);
    expect(await projects({ description: { contains: 'rocket', mode: 'insensitive' } })).toEqual([
      'Alpha Rocket',
    ]);
    expect(await projects({ description: { contains: 'rocket', mode: 'default' } })).toEqual([]);
  });

  it('string: % and _ are literal characters in patterns, never wildcards', async () => {
    expect(await projects({ name: { contains: '_' } })).toEqual(['Gamma_Ray']);
    expect(await projects({ name: { endsWith: '%' } })).toEqual(['delta%']);
    expect(await projects({ name: { contains: '%', mode: 'insensitive' } })).toEqual(['delta%']);
    expect(await projects({ description: { contains: '0%' } })).toEqual(['Gamma_Ray']);
    // `_` would match the space of 'Alpha Rocket' if it were a wildcard
    expect(await projects({ name: { contains: 'a_R' } })).toEqual(['Gamma_Ray']);
    expect(await projects({ name: { contains: '\\' } })).toEqual([]);
  });

  it('email: filters compare with the stored, lower-cased address', async () => {
    const u = await app.api.user.create({ email: 'Grace.Hopper@Navy.TEST', displayName: 'Grace' });
    expect(u.email).toBe('grace.hopper@navy.test');
    const found = async (where: Where<AppSchema, AppSchema['user']>) =>
      (await app.api.user.list({ where })).items.map((x) => x.id);
    expect(await found({ email: 'Grace.Hopper@Navy.TEST' })).toEqual([u.id]);
    expect(await found({ email: { eq: 'GRACE.HOPPER@NAVY.TEST' } })).toEqual([u.id]);
    expect(await found({ email: { in: ['Grace.Hopper@navy.test'] } })).toEqual([u.id]);
    expect(await found({ email: { startsWith: 'GRACE.' } })).toEqual([u.id]);
    expect(await found({ email: { endsWith: '@NAVY.test', mode: 'insensitive' } })).toEqual([u.id]);
  });

  it('nullable text: isNull, null shorthand, and ne / notIn keep NULL rows', async () => {
    expect(await projects({ description: null })).toEqual(['beta rocket']);
    expect(await projects({ description: { isNull: true } })).toEqual(['beta rocket']);
    expect(await projects({ description: { isNull: false } })).toEqual([
      'Alpha Rocket',
      'Gamma_Ray',
      'delta%',
    ]);
    expect(await projects({ description: { ne: 'plain' } })).toEqual([
      'Alpha Rocket',
      'Gamma_Ray',
      'beta rocket',
    ]);
    expect(await projects({ description: { notIn: ['plain'] } })).toEqual([
      'Alpha Rocket',
      'Gamma_Ray',
      'beta rocket',
    ]);
  });

  it('enum: eq, ne, in, notIn, shorthand', async () => {
    expect(await releases({ status: 'published' })).toEqual(['1.0.0', '1.1.0']);
    expect(await releases({ status: { eq: 'draft' } })).toEqual(['1.2.0-beta']);
    expect(await releases({ status: { ne: 'published' } })).toEqual(['1.2.0-beta', '2.0.0', '2.1.0']);
    expect(await releases({ status: { in: ['scheduled', 'withdrawn'] } })).toEqual(['2.0.0', '2.1.0']);
    expect(await releases({ status: { notIn: ['published', 'draft'] } })).toEqual(['2.0.0', '2.1.0']);
    expect(await releases({ status: { isNull: false } })).toHaveLength(5);
  });

  it('timestamp: every operator, isNull, a Date as shorthand', async () => {
    expect(await releases({ releasedAt: jan1 })).toEqual(['1.0.0']);
    expect(await releases({ releasedAt: { eq: feb1 } })).toEqual(['1.1.0']);
    expect(await releases({ releasedAt: { ne: feb1 } })).toEqual(['1.0.0', '1.2.0-beta', '2.0.0', '2.1.0']);
    expect(await releases({ releasedAt: { in: [jan1, mar1] } })).toEqual(['1.0.0', '2.0.0']);
    expect(await releases({ releasedAt: { notIn: [jan1, mar1] } })).toEqual(['1.1.0', '1.2.0-beta', '2.1.0']);
    expect(await releases({ releasedAt: { lt: jan15 } })).toEqual(['1.0.0']);
    expect(await releases({ releasedAt: { lte: jan15 } })).toEqual(['1.0.0', '2.1.0']);
    expect(await releases({ releasedAt: { gt: feb1 } })).toEqual(['2.0.0']);
    expect(await releases({ releasedAt: { gte: feb1 } })).toEqual(['1.1.0', '2.0.0']);
    expect(await releases({ releasedAt: { gte: jan1, lt: feb1 } })).toEqual(['1.0.0', '2.1.0']);
    expect(await releases({ releasedAt: null })).toEqual(['1.2.0-beta']);
    expect(await releases({ releasedAt: { isNull: true } })).toEqual(['1.2.0-beta']);
    expect(await releases({ releasedAt: { isNull: false } })).toEqual(['1.0.0', '1.1.0', '2.0.0', '2.1.0']);
    const now = new Date();
    expect(await releases({ createdAt: { lte: now } })).toHaveLength(5);
    expect(await releases({ createdAt: { gt: now } })).toEqual([]);
  });

  it('a timestamp read back finds its own row (the server keeps microseconds, a Date only milliseconds)', async () => {
    const org = await app.api.organization.create({ name: 'Clock', slug: 'clock' });
    const mine = { slug: 'clock' };
    expect(await app.api.organization.count({ where: { ...mine, createdAt: org.createdAt } })).toBe(1);
    expect(await app.api.organization.count({ where: { ...mine, createdAt: { eq: org.createdAt } } })).toBe(
      1,
    );
    expect(await app.api.organization.count({ where: { ...mine, createdAt: { in: [org.createdAt] } } })).toBe(
      1,
    );
    expect(await app.api.organization.count({ where: { ...mine, createdAt: { ne: org.createdAt } } })).toBe(
      0,
    );
    expect(await app.api.organization.count({ where: { ...mine, createdAt: { gt: org.createdAt } } })).toBe(
      0,
    );
    expect(await app.api.organization.count({ where: { ...mine, createdAt: { lte: org.createdAt } } })).toBe(
      1,
    );
    expect(
      await app.api.organization.count({
        where: { ...mine, updatedAt: { gte: org.updatedAt, lt: new Date(org.updatedAt.getTime() + 1) } },
      }),
    ).toBe(1);
    const archived = await app.api.organization.archive({ id: org.id });
    expect(
      await app.api.organization.count({
        where: { ...mine, archivedAt: archived.archivedAt! },
        withArchived: true,
      }),
    ).toBe(1);
  });

  it('bigint: exact beyond 2^53', async () => {
    expect(await releases({ downloads: big })).toEqual(['2.0.0']);
    expect(await releases({ downloads: { eq: big - 1n } })).toEqual([]);
    expect(await releases({ downloads: { gt: 9_007_199_254_740_992n } })).toEqual(['2.0.0']);
    expect(await releases({ downloads: { gte: 100n, lt: 1000n } })).toEqual(['1.0.0', '1.1.0']);
    expect(await releases({ downloads: { lte: 50n } })).toEqual(['1.2.0-beta', '2.1.0']);
    expect(await releases({ downloads: { in: [0n, 200n] } })).toEqual(['1.1.0', '1.2.0-beta']);
    expect(await releases({ downloads: { notIn: [0n, 200n] } })).toEqual(['1.0.0', '2.0.0', '2.1.0']);
    expect(await releases({ downloads: { ne: 0n } })).toHaveLength(4);
  });

  it('boolean: eq, ne, shorthand', async () => {
    expect(await projects({ isPublic: true })).toEqual(['Alpha Rocket', 'Gamma_Ray']);
    expect(await projects({ isPublic: { eq: false } })).toEqual(['beta rocket', 'delta%']);
    expect(await projects({ isPublic: { ne: true } })).toEqual(['beta rocket', 'delta%']);
    expect(await projects({ isPublic: { isNull: false } })).toHaveLength(4);
  });

  it('uuid: eq, ne, in, notIn, isNull', async () => {
    const { alpha, beta } = s.projects as { alpha: string; beta: string };
    expect(await projects({ id: alpha })).toEqual(['Alpha Rocket']);
    expect(await projects({ id: { ne: alpha } })).toEqual(['Gamma_Ray', 'beta rocket', 'delta%']);
    expect(await projects({ id: { in: [alpha, beta] } })).toEqual(['Alpha Rocket', 'beta rocket']);
    expect(await projects({ id: { notIn: [alpha, beta] } })).toEqual(['Gamma_Ray', 'delta%']);
    expect(await projects({ createdBy: { isNull: false } })).toHaveLength(4);
    expect(await projects({ createdBy: app.ctx.caller!.userId! })).toHaveLength(4);
  });

  it('jsonb properties: equality by path, nested paths, isNull', async () => {
    expect(await projects({ properties: { path: ['tier'], equals: 'gold' } })).toEqual([
      'Alpha Rocket',
      'Gamma_Ray',
    ]);
    expect(await projects({ properties: { path: ['size'], equals: 3 } })).toEqual(['Alpha Rocket']);
    expect(await projects({ properties: { path: ['size'], equals: '3' } })).toEqual([]);
    expect(await projects({ properties: { path: ['nested', 'deep'], equals: 'yes' } })).toEqual([
      'Alpha Rocket',
    ]);
    expect(await projects({ properties: { path: ['tier'], isNull: true } })).toEqual(['delta%']);
    expect(await projects({ properties: { path: ['size'], isNull: false } })).toEqual([
      'Alpha Rocket',
      'beta rocket',
    ]);
    expect(await projects({ properties: { path: ["it's"], equals: 'x' } })).toEqual([]);
    // a JSON null is a value, unlike a missing key
    expect(await projects({ properties: { path: ['flag'], equals: null } })).toEqual(['Gamma_Ray']);
    expect(await projects({ properties: { path: ['nested'], equals: { deep: 'yes' } } })).toEqual([
      'Alpha Rocket',
    ]);
    const orgs = await app.api.organization.list({
      where: { properties: { path: ['plan'], equals: 'pro' } },
    });
    expect(orgs.items.map((o) => o.slug)).toEqual(['where-org']);
  });

  it('AND, OR, NOT compose', async () => {
    expect(await releases({ AND: [{ status: 'published' }, { downloads: { gt: 150n } }] })).toEqual([
      '1.1.0',
    ]);
    expect(await releases({ OR: [{ status: 'draft' }, { downloads: { gt: 1000n } }] })).toEqual([
      '1.2.0-beta',
      '2.0.0',
    ]);
    expect(await releases({ NOT: { status: 'published' } })).toEqual(['1.2.0-beta', '2.0.0', '2.1.0']);
    expect(await releases({ OR: [] })).toEqual([]);
    expect(await releases({ AND: [] })).toHaveLength(5);
    expect(
      await releases({
        OR: [
          { AND: [{ status: 'published' }, { NOT: { semver: '1.0.0' } }] },
          { NOT: { OR: [{ releasedAt: null }, { downloads: { lt: 1000n } }] } },
        ],
      }),
    ).toEqual(['1.1.0', '2.0.0']);
    // sibling keys are ANDed
    expect(await releases({ status: 'published', semver: { startsWith: '1.1' } })).toEqual(['1.1.0']);
  });

  it('NOT is the exact complement, NULLs included', async () => {
    const all = await releases({});
    const cases: ReleaseWhere[] = [
      { releasedAt: { gt: jan15 } },
      { releasedAt: { lt: mar1 } },
      { semver: { contains: 'beta' } },
      { OR: [{ releasedAt: { lt: feb1 } }, { status: 'draft' }] },
      { releasedAt: { in: [jan1] } },
    ];
    for (const where of cases) {
      const yes = await releases(where);
      const no = await releases({ NOT: where });
      expect([...yes, ...no].sort(), JSON.stringify(where)).toEqual(all);
    }
    expect(await projects({ NOT: { description: { eq: 'plain' } } })).toEqual(
      await projects({ description: { ne: 'plain' } }),
    );
  });

  it('to-many relation filters: some, none, every', async () => {
    expect(await projects({ releases: { some: { status: 'published' } } })).toEqual([
      'Alpha Rocket',
      'beta rocket',
    ]);
    expect(await projects({ releases: { some: {} } })).toEqual(['Alpha Rocket', 'Gamma_Ray', 'beta rocket']);
    expect(await projects({ releases: { none: {} } })).toEqual(['delta%']);
    expect(await projects({ releases: { none: { status: 'draft' } } })).toEqual(['beta rocket', 'delta%']);
    // every: vacuously true without releases; the archived draft of beta does not count
    expect(await projects({ releases: { every: { status: 'published' } } })).toEqual([
      'beta rocket',
      'delta%',
    ]);
    expect(await projects({ releases: { every: { downloads: { lt: 1000n } } } })).toEqual([
      'Gamma_Ray',
      'beta rocket',
      'delta%',
    ]);
  });

  it('every treats a NULL comparison as not matching', async () => {
    // Alpha has a release with releasedAt NULL, so not every release of it is after 2025; Gamma's only release has none either
    expect(await projects({ releases: { every: { releasedAt: { gt: new Date('2025-01-01') } } } })).toEqual([
      'beta rocket',
      'delta%',
    ]);
    expect(await projects({ releases: { some: { releasedAt: { gt: new Date('2025-01-01') } } } })).toEqual([
      'Alpha Rocket',
      'beta rocket',
    ]);
  });

  it('many-to-many relation filters', async () => {
    expect(await projects({ tags: { some: { label: 'backend' } } })).toEqual(['Alpha Rocket', 'beta rocket']);
    expect(await projects({ tags: { none: { label: 'backend' } } })).toEqual(['Gamma_Ray', 'delta%']);
    expect(await projects({ tags: { every: { label: { in: ['backend', 'frontend'] } } } })).toEqual([
      'Alpha Rocket',
      'Gamma_Ray',
      'beta rocket',
    ]);
    expect(await projects({ tags: { some: { label: 'frontend' }, none: { label: 'infra' } } })).toEqual([
      'Alpha Rocket',
    ]);
    const tags = await app.api.tag.list({
      where: { projects: { some: { name: { contains: 'delta' } } } },
      orderBy: { label: 'asc' },
    });
    expect(tags.items.map((t) => t.label)).toEqual(['infra', 'retired']);
  });

  it('to-one relation filters: is, isNot, null', async () => {
    const rel = await app.api.release.list({
      where: { project: { is: { name: 'beta rocket' } } },
      orderBy: { semver: 'asc' },
    });
    expect(rel.items.map((r) => r.semver)).toEqual(['0.1.0', '0.2.0']);
    const notAlpha = await app.api.release.count({
      where: { project: { isNot: { name: { startsWith: 'Alpha' } } } },
    });
    expect(notAlpha).toBe(3);
    const other = await app.api.project.list({ where: { organization: { is: { slug: 'other-org' } } } });
    expect(other.items.map((p) => p.organizationId)).toEqual([s.otherOrgId]);
    // nested: releases of projects of the organization with the pro plan that have a backend tag
    const nested = await app.api.release.count({
      where: {
        project: {
          is: {
            organization: { is: { properties: { path: ['plan'], equals: 'pro' } } },
            tags: { some: { label: 'backend' } },
          },
        },
      },
    });
    expect(nested).toBe(7);
    // users with and without a profile
    const withProfile = await app.api.user.create({
      email: 'p@example.test',
      displayName: 'P',
      profile: { create: { bio: 'hi' } },
    });
    const without = await app.api.user.create({ email: 'np@example.test', displayName: 'NP' });
    const has = await app.api.user.list({
      where: { profile: { isNot: null }, email: { endsWith: '@example.test' } },
    });
    expect(has.items.map((u) => u.id)).toEqual([withProfile.id]);
    const hasNot = await app.api.user.list({
      where: { profile: { is: null }, email: { endsWith: '@example.test' } },
    });
    expect(hasNot.items.map((u) => u.id)).toEqual([without.id]);
    const byBio = await app.api.profile.count({ where: { user: { is: { email: 'p@example.test' } } } });
    expect(byBio).toBe(1);
  });

  it('archived rows are ignored by relation filters', async () => {
    // beta's only draft is archived
    expect(await projects({ releases: { some: { status: 'draft' } } })).toEqual([
      'Alpha Rocket',
      'Gamma_Ray',
    ]);
    expect(await app.api.release.count({ where: { semver: '0.3.0' } })).toBe(0);
    expect(await app.api.release.count({ where: { semver: '0.3.0' }, withArchived: true })).toBe(1);
  });
});
