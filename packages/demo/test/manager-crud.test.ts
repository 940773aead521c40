import { testEngines } from '@typecrud/server/testing';
import { describe, expect, it } from 'vitest';
import { useApp } from './fixtures.js';

describe.each(testEngines())('every procedure succeeds on %s', (engine) => {
  const app = useApp(engine);

  it('create applies trimming and defaults and fills the system fields', async () => {
    const org = await app.api.organization.create({ name: '  Acme  ', slug: 'acme-crud' });
    expect(org).toMatchObject({
      name: 'Acme',
      slug: 'acme-crud',
      version: 1,
      archivedAt: null,
      properties: null,
    });
    expect(org.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(org.createdAt).toBeInstanceOf(Date);
    expect(org.updatedAt).toBeInstanceOf(Date);
    expect(org.createdBy).toBe(app.ctx.caller?.userId);
    expect(org.updatedBy).toBe(app.ctx.caller?.userId);
    const project = await app.api.project.create({ organizationId: org.id, name: 'Rocket' });
    expect(project).toMatchObject({
      organizationId: org.id,
      name: 'Rocket',
      isPublic: false,
      description: null,
    });
    const user = await app.api.user.create({ email: '  Ada@Example.TEST ', displayName: 'Ada' });
    expect(user).toMatchObject({ email: 'ada@example.test', role: 'user' });
    const release = await app.api.release.create({ projectId: project.id, semver: '1.0.0' });
    expect(release).toMatchObject({ status: 'draft', releasedAt: null, notes: null });
    expect(release.downloads).toBe(0n);
  });

  it('get returns the full row; list and count see it', async () => {
    const org = await app.api.organization.create({
      name: 'Get Co',
      slug: 'get-co',
      properties: { plan: 'pro' },
    });
    const got = await app.api.organization.get({ id: org.id });
    expect(got).toEqual(org);
    const page = await app.api.organization.list({ where: { slug: 'get-co' } });
    expect(page.items).toEqual([org]);
    expect(page.nextCursor).toBeNull();
    expect(page.total).toBeUndefined();
    expect(await app.api.organization.count({ where: { slug: 'get-co' } })).toBe(1);
    const withTotal = await app.api.organization.list({
      where: { slug: { startsWith: 'get-' } },
      withTotal: true,
    });
    expect(withTotal.total).toBe(1);
    // list and count without input
    expect((await app.api.organization.list()).items.length).toBe(await app.api.organization.count());
  });

  it('a bigint survives create, get and list', async () => {
    const org = await app.api.organization.create({ name: 'Big', slug: 'big' });
    const project = await app.api.project.create({ organizationId: org.id, name: 'Big' });
    const big = 9_007_199_254_740_993n;
    const r = await app.api.release.create({ projectId: project.id, semver: '9.9.9', downloads: big });
    expect(r.downloads).toBe(big);
    expect((await app.api.release.get({ id: r.id })).downloads).toBe(big);
    const page = await app.api.release.list({ where: { downloads: big } });
    expect(page.items.map((x) => x.downloads)).toEqual([big]);
  });

  it('update changes the given fields only, bumps version and updatedAt', async () => {
    const org = await app.api.organization.create({ name: 'Upd', slug: 'upd' });
    const updated = await app.api.organization.update({
      id: org.id,
      data: { name: ' Updated ' },
      expectedVersion: 1,
    });
    expect(updated).toMatchObject({ id: org.id, name: 'Updated', slug: 'upd', version: 2 });
    expect(updated.createdAt).toEqual(org.createdAt);
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(org.updatedAt.getTime());
    const again = await app.api.organization.update({ id: org.id, data: { properties: { a: 1 } } });
    expect(again).toMatchObject({ version: 3, name: 'Updated', properties: { a: 1 } });
    expect(await app.api.organization.get({ id: org.id })).toEqual(again);
    const cleared = await app.api.organization.update({ id: org.id, data: { properties: null } });
    expect(cleared.properties).toBeNull();
  });

  it('updateMany changes every matching row and bumps each version', async () => {
    const org = await app.api.organization.create({ name: 'Many', slug: 'many' });
    const ids = (
      await app.api.project.createMany([
        { organizationId: org.id, name: 'm1' },
        { organizationId: org.id, name: 'm2' },
        { organizationId: org.id, name: 'm3', isPublic: true },
      ])
    ).ids;
    const result = await app.api.project.updateMany({
      where: { organizationId: org.id, isPublic: false },
      data: { description: 'bulk' },
    });
    expect(result).toEqual({ count: 2 });
    const rows = await app.api.project.list({ where: { organizationId: org.id }, orderBy: { name: 'asc' } });
    expect(rows.items.map((p) => [p.name, p.description, p.version])).toEqual([
      ['m1', 'bulk', 2],
      ['m2', 'bulk', 2],
      ['m3', null, 1],
    ]);
    expect(ids).toHaveLength(3);
  });

  it('delete removes the row; deleteMany removes every matching row', async () => {
    const org = await app.api.organization.create({ name: 'Del', slug: 'del' });
    const { ids } = await app.api.project.createMany([
      { organizationId: org.id, name: 'd1' },
      { organizationId: org.id, name: 'd2' },
      { organizationId: org.id, name: 'd3' },
    ]);
    expect(await app.api.project.delete({ id: ids[0]! })).toEqual({ id: ids[0] });
    expect(await app.api.project.count({ where: { organizationId: org.id } })).toBe(2);
    expect(await app.api.project.deleteMany({ where: { id: { in: [ids[1]!, ids[2]!] } } })).toEqual({
      count: 2,
    });
    expect(await app.api.project.count({ where: { organizationId: org.id } })).toBe(0);
  });

  it('archive hides a row from get, list and count; restore brings it back', async () => {
    const org = await app.api.organization.create({ name: 'Arch', slug: 'arch' });
    const archived = await app.api.organization.archive({ id: org.id });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    expect(archived.version).toBe(2);
    // an archived row is out of reach unless the call says withArchived; archiving again keeps the first time
    await expect(app.api.organization.archive({ id: org.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const twice = await app.api.organization.archive({ id: org.id, withArchived: true });
    expect(twice.archivedAt).toEqual(archived.archivedAt);
    await expect(app.api.organization.get({ id: org.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await app.api.organization.list({ where: { slug: 'arch' } })).items).toEqual([]);
    expect(await app.api.organization.count({ where: { slug: 'arch' } })).toBe(0);
    expect((await app.api.organization.get({ id: org.id, withArchived: true })).archivedAt).toEqual(
      archived.archivedAt,
    );
    expect(
      (await app.api.organization.list({ where: { slug: 'arch' }, withArchived: true })).items,
    ).toHaveLength(1);
    expect(await app.api.organization.count({ where: { slug: 'arch' }, withArchived: true })).toBe(1);
    const restored = await app.api.organization.restore({ id: org.id });
    expect(restored.archivedAt).toBeNull();
    expect(restored.version).toBe(4);
    expect((await app.api.organization.get({ id: org.id })).archivedAt).toBeNull();
  });

  it('createMany inserts every row in order and returns their ids', async () => {
    const org = await app.api.organization.create({ name: 'Bulk', slug: 'bulk' });
    const result = await app.api.project.createMany(
      Array.from({ length: 50 }, (_, i) => ({
        organizationId: org.id,
        name: `p${String(i).padStart(2, '0')}`,
        isPublic: i % 2 === 0,
      })),
    );
    expect(result.count).toBe(50);
    expect(new Set(result.ids).size).toBe(50);
    const page = await app.api.project.list({
      where: { organizationId: org.id },
      orderBy: { name: 'asc' },
      limit: 100,
    });
    expect(page.items.map((p) => p.id)).toEqual(result.ids);
    expect(page.items.filter((p) => p.isPublic)).toHaveLength(25);
  });

  it('connect and disconnect link and unlink many-to-many rows, bumping the version', async () => {
    const org = await app.api.organization.create({ name: 'Link', slug: 'link' });
    const project = await app.api.project.create({ organizationId: org.id, name: 'Linked' });
    const tags = await app.api.tag.createMany([
      { label: 'link-a' },
      { label: 'link-b' },
      { label: 'link-c' },
    ]);
    expect(await app.api.project.connect({ id: project.id, relation: 'tags', ids: tags.ids })).toEqual({
      count: 3,
    });
    // connecting an already linked id adds nothing
    expect(await app.api.project.connect({ id: project.id, relation: 'tags', ids: [tags.ids[0]!] })).toEqual({
      count: 0,
    });
    const linked = await app.services.managers.project.get(app.ctx, {
      id: project.id,
      include: { tags: { orderBy: { label: 'asc' } } },
    });
    expect(linked.tags.map((t) => t.label)).toEqual(['link-a', 'link-b', 'link-c']);
    // the no-op connect left the version alone
    expect(linked.version).toBe(2);
    expect(
      await app.api.project.disconnect({ id: project.id, relation: 'tags', ids: [tags.ids[1]!] }),
    ).toEqual({ count: 1 });
    const after = await app.services.managers.project.get(app.ctx, {
      id: project.id,
      include: { tags: { orderBy: { label: 'asc' } } },
    });
    expect(after.tags.map((t) => t.label)).toEqual(['link-a', 'link-c']);
    // the other side sees the link too
    const tag = await app.services.managers.tag.get(app.ctx, {
      id: tags.ids[0]!,
      include: { projects: true },
    });
    expect(tag.projects.map((p) => p.id)).toEqual([project.id]);
  });

  it('connect and disconnect work from the other side of a many-to-many', async () => {
    const org = await app.api.organization.create({ name: 'Other side', slug: 'other-side' });
    const projects = await app.api.project.createMany([
      { organizationId: org.id, name: 'os1' },
      { organizationId: org.id, name: 'os2' },
    ]);
    const tag = await app.api.tag.create({ label: 'other-side' });
    expect(await app.api.tag.connect({ id: tag.id, relation: 'projects', ids: projects.ids })).toEqual({
      count: 2,
    });
    const p = await app.services.managers.project.get(app.ctx, {
      id: projects.ids[0]!,
      include: { tags: true },
    });
    expect(p.tags.map((t) => t.id)).toEqual([tag.id]);
    expect(
      await app.api.tag.disconnect({ id: tag.id, relation: 'projects', ids: [projects.ids[0]!] }),
    ).toEqual({ count: 1 });
    expect(await app.api.project.count({ where: { tags: { some: { id: tag.id } } } })).toBe(1);
  });

  it('createMany takes nested one-to-one creates per row', async () => {
    const { ids } = await app.api.user.createMany([
      { email: 'bulk1@example.test', displayName: 'B1', profile: { create: { bio: 'one' } } },
      { email: 'bulk2@example.test', displayName: 'B2' },
      { email: 'bulk3@example.test', displayName: 'B3', profile: { create: { timezone: 'Europe/Paris' } } },
    ]);
    const users = await app.services.managers.user.list(app.ctx, {
      where: { id: { in: ids } },
      orderBy: { email: 'asc' },
      include: { profile: true },
    });
    expect(users.items.map((u) => u.profile && [u.profile.bio, u.profile.timezone])).toEqual([
      ['one', 'UTC'],
      null,
      [null, 'Europe/Paris'],
    ]);
  });

  it('an entity without the archive trait has no archive or restore procedure (nor does the manager archive it)', async () => {
    const tag = await app.api.tag.create({ label: 'no-archive' });
    // @ts-expect-error the procedure does not exist for tag
    await expect(app.api.tag.archive({ id: tag.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // @ts-expect-error the procedure does not exist for tag
    await expect(app.api.tag.restore({ id: tag.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(app.services.managers.tag.archive(app.ctx, { id: tag.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect((await app.api.tag.get({ id: tag.id })).label).toBe('no-archive');
  });

  it('release.publish sets status and releasedAt, and is idempotent', async () => {
    const org = await app.api.organization.create({ name: 'Pub', slug: 'pub' });
    const project = await app.api.project.create({ organizationId: org.id, name: 'Pub' });
    const draft = await app.api.release.create({ projectId: project.id, semver: '2.0.0' });
    const published = await app.api.release.publish({ id: draft.id, expectedVersion: 1 });
    expect(published).toMatchObject({ id: draft.id, status: 'published', version: 2 });
    expect(published.releasedAt).toBeInstanceOf(Date);
    const again = await app.api.release.publish({ id: draft.id });
    expect(again).toEqual(published);
    // a stale version is a conflict even when there is nothing left to do
    await expect(app.api.release.publish({ id: draft.id, expectedVersion: 1 })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { currentVersion: 2 },
    });
    expect(await app.api.release.stats({ projectId: project.id })).toEqual([
      { status: 'published', count: 1 },
    ]);
  });

  it('the manager works directly, outside the router', async () => {
    const m = app.services.managers;
    const org = await m.organization.create(app.ctx, { name: 'Direct', slug: 'direct' });
    const got = await m.organization.get(app.ctx, { id: org.id });
    expect(got).toEqual(org);
    const updated = await m.organization.update(app.ctx, {
      id: org.id,
      data: { name: 'Direct 2' },
      expectedVersion: 1,
    });
    expect(updated.version).toBe(2);
    expect(await m.organization.count(app.ctx, { where: { name: 'Direct 2' } })).toBe(1);
    expect(await m.organization.delete(app.ctx, { id: org.id })).toEqual({ id: org.id });
    expect(await m.organization.count(app.ctx, { where: { id: org.id }, withArchived: true })).toBe(0);
  });

  it('createdBy / updatedBy come from the caller', async () => {
    const m = app.services.managers;
    const who = await m.user.create(app.ctx, { email: 'who@example.test', displayName: 'Who' });
    const other = await m.user.create(app.ctx, { email: 'other@example.test', displayName: 'Other' });
    const org = await m.organization.create(
      { db: app.ctx.db, caller: { userId: who.id, superadmin: true, memberships: [] } },
      { name: 'Audit', slug: 'audit' },
    );
    expect(org.createdBy).toBe(who.id);
    expect(org.updatedBy).toBe(who.id);
    const updated = await m.organization.update(
      { db: app.ctx.db, caller: { userId: other.id, superadmin: true, memberships: [] } },
      { id: org.id, data: { name: 'Audit 2' } },
    );
    expect(updated.createdBy).toBe(who.id);
    expect(updated.updatedBy).toBe(other.id);
  });
});
