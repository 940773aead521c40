import { testEngines } from '@typecrud/server/testing';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadPrincipal } from '../src/server/index.js';
import { useApp } from './fixtures.js';

describe.each(testEngines())('soft delete as a lifecycle on %s', (engine) => {
  const app = useApp(engine);

  async function arrange(slug: string) {
    const m = app.system.managers;
    const ctx = { db: app.database.db, caller: null };
    const owner = await m.user.create(ctx, { email: `${slug}@archive.test`, displayName: slug });
    const org = await m.organization.create(ctx, { name: slug, slug });
    await m.membership.create(ctx, {
      organizationId: org.id,
      userId: owner.id,
      role: 'owner',
      status: 'active',
    });
    const caller = (await loadPrincipal(app.database.db, owner.id))!;
    return { owner, org, as: app.as(caller), ctx: { db: app.database.db, caller } };
  }
  const archivedAt = async (table: string, id: string) =>
    (
      await sql<{
        a: Date | null;
      }>`select archived_at as a from ${sql.table(table)} where id = ${id}::uuid`.execute(app.database.db)
    ).rows[0]!.a;

  it('archiving an organization archives its live projects; restore brings back exactly those', async () => {
    const { org, as, owner } = await arrange('cascade-archive');
    const [a, b, earlier] = await Promise.all(
      ['a', 'b', 'earlier'].map((name) => as.project.create({ organizationId: org.id, name })),
    );
    await as.project.archive({ id: earlier!.id });
    await as.organization.archive({ id: org.id });
    for (const p of [a!, b!, earlier!]) expect(await archivedAt('project', p.id)).toBeInstanceOf(Date);
    expect((await as.project.list({ where: { organizationId: org.id } })).items).toEqual([]);
    // the cascade is in the audit log, with who archived
    const { rows } = await sql<{ entity_id: string; actor_id: string }>`select entity_id::text, actor_id::text
      from audit_entry where entity = 'project' and action = 'archive' and entity_id in (${a!.id}::uuid, ${b!.id}::uuid)`.execute(
      app.database.db,
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.actor_id === owner.id)).toBe(true);

    await as.organization.restore({ id: org.id });
    expect(await archivedAt('organization', org.id)).toBeNull();
    expect(await archivedAt('project', a!.id)).toBeNull();
    expect(await archivedAt('project', b!.id)).toBeNull();
    // archived on its own before: stays archived
    expect(await archivedAt('project', earlier!.id)).toBeInstanceOf(Date);
    const live = (await as.project.list({ where: { organizationId: org.id }, orderBy: { name: 'asc' } }))
      .items;
    expect(live.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('a project name can be reused after archiving; restoring the old one is then a CONFLICT naming the fields', async () => {
    const { org, as } = await arrange('name-reuse');
    const old = await as.project.create({ organizationId: org.id, name: 'Rocket' });
    await expect(as.project.create({ organizationId: org.id, name: 'Rocket' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await as.project.archive({ id: old.id });
    const fresh = await as.project.create({ organizationId: org.id, name: 'Rocket' });
    expect(fresh.id).not.toBe(old.id);
    await expect(as.project.restore({ id: old.id })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { fields: ['organizationId', 'name'] },
    });
    expect(await archivedAt('project', old.id)).toBeInstanceOf(Date);
  });

  it('update and delete of an archived row are NOT_FOUND unless the call says withArchived', async () => {
    const { org, as } = await arrange('archived-writes');
    const p = await as.project.create({ organizationId: org.id, name: 'Shelved', description: 'before' });
    await as.project.archive({ id: p.id });
    await expect(as.project.update({ id: p.id, data: { description: 'after' } })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(as.project.delete({ id: p.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(as.project.archive({ id: p.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const row = await as.project.get({ id: p.id, withArchived: true });
    expect([row.description, row.version]).toEqual(['before', 2]);
    const updated = await as.project.update({ id: p.id, data: { description: 'after' }, withArchived: true });
    expect(updated.description).toBe('after');
    await as.project.delete({ id: p.id, withArchived: true });
    await expect(as.project.get({ id: p.id, withArchived: true })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('one meaning of archived: filters follow withArchived, rules see archived rows, a required parent is embedded', async () => {
    const { org, as, ctx } = await arrange('meaning');
    const m = app.services.managers;
    const p = await as.project.create({ organizationId: org.id, name: 'Parked' });
    const r = await as.release.create({ projectId: p.id, semver: '1.0.0' });
    await as.project.archive({ id: p.id });
    const where = { project: { is: { name: 'Parked' } } };
    // an archived parent does not match `is` ...
    expect((await as.release.list({ where })).items).toEqual([]);
    // ... unless the query asks for archived rows
    expect((await as.release.list({ where, withArchived: true })).items.map((x) => x.id)).toEqual([r.id]);
    expect(await as.release.count({ where: { project: { isNot: { name: 'Parked' } } } })).toBe(1);
    // the live release of the archived project stays readable (the read rule counts archived projects)
    const got = await m.release.get(ctx, { id: r.id, include: { project: true } });
    expect(got.project?.archivedAt).toBeInstanceOf(Date);
    // to-many includes leave archived rows out unless the include asks
    const o = await m.organization.get(ctx, { id: org.id, include: { projects: true } });
    expect(o.projects).toEqual([]);
    const all = await m.organization.get(ctx, { id: org.id, include: { projects: { withArchived: true } } });
    expect(all.projects.map((x) => x.id)).toEqual([p.id]);
  });
});
