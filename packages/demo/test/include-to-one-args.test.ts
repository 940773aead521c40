import { testEngines } from '@typecrud/server/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApp } from './fixtures.js';
import { expectError } from './helpers.js';

describe.each(testEngines())('to-one include args on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as { projectId: string; releaseId: string; orgId: string };

  beforeAll(async () => {
    const org = await app.api.organization.create({ name: 'Acme', slug: 'acme' });
    const project = await app.api.project.create({ organizationId: org.id, name: 'Rocket' });
    const release = await app.api.release.create({ projectId: project.id, semver: '1.0.0' });
    Object.assign(s, { projectId: project.id, releaseId: release.id, orgId: org.id });
  });

  it.each([
    ['limit on a belongsTo include (list)', { organization: { limit: 1 } }, 'include.organization.limit'],
    [
      'orderBy on a belongsTo include',
      { organization: { orderBy: { name: 'asc' } } },
      'include.organization.orderBy',
    ],
    [
      'limit on a nested to-one include',
      { releases: { include: { project: { limit: 2 } } } },
      'include.releases.include.project.limit',
    ],
  ])('%s is BAD_REQUEST naming the path', async (_name, include, path) => {
    const e = await expectError(app.api.project.list({ include } as never), 'BAD_REQUEST', path);
    expect(e.message).toContain('a to-one relation embeds one row');
    // the manager (not only the router) refuses it too
    await expectError(app.services.managers.project.list(app.ctx, { include } as never), 'BAD_REQUEST', path);
  });

  it('get refuses them as well; a hasOne include too', async () => {
    const e = await expectError(
      app.api.release.get({ id: s.releaseId, include: { project: { limit: 1 } } } as never),
      'BAD_REQUEST',
      'include.project.limit',
    );
    expect(e.message).toContain('limit does not apply to project');
    await expectError(
      app.api.user.list({ include: { profile: { orderBy: { bio: 'asc' } } } } as never),
      'BAD_REQUEST',
      'include.profile.orderBy',
    );
  });

  it('to-many includes keep limit and orderBy; to-one ones keep where and include', async () => {
    const m = app.services.managers;
    const release = await m.release.get(app.ctx, {
      id: s.releaseId,
      include: { project: { where: { name: 'Rocket' }, include: { organization: true } } },
    });
    expect(release.project?.id).toBe(s.projectId);
    expect(release.project?.organization?.id).toBe(s.orgId);
    const project = await m.project.get(app.ctx, {
      id: s.projectId,
      include: { releases: { orderBy: { semver: 'desc' }, limit: 1 } },
    });
    expect(project.releases.map((r) => r.id)).toEqual([s.releaseId]);
  });
});
