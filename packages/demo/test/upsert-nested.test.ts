import { testEngines } from '@typecrud/server/testing';
import type { Principal } from '@typecrud/shared';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPrincipal } from '../src/server/index.js';
import { useApp } from './fixtures.js';
import { allTables, expectError, missingId, snapshot } from './helpers.js';

const tables = [...allTables, 'membership', 'audit_entry'];

/** upsert, createMany with skipDuplicates, and nested writes (has-many create / update, connectOrCreate). */
describe.each(testEngines())('upsert and nested writes on %s', (engine) => {
  const app = useApp(engine);
  const ids = {} as { orgA: string; orgB: string; projectA: string; projectB: string; releaseA: string };
  const callers = {} as { memberA: Principal; viewerA: Principal; ownerB: Principal };
  const sys = () => ({ db: app.database.db, caller: null });

  beforeAll(async () => {
    const m = app.system.managers;
    ids.orgA = (await m.organization.create(sys(), { name: 'Acme', slug: 'acme-u' })).id;
    ids.orgB = (await m.organization.create(sys(), { name: 'Globex', slug: 'globex-u' })).id;
    const member = async (
      name: 'memberA' | 'viewerA' | 'ownerB',
      org: string,
      role: 'member' | 'viewer' | 'owner',
    ) => {
      const u = await m.user.create(sys(), { email: `${name}@u.test`, displayName: name });
      await m.membership.create(sys(), { organizationId: org, userId: u.id, role, status: 'active' });
      callers[name] = (await loadPrincipal(app.database.db, u.id))!;
    };
    await member('memberA', ids.orgA, 'member');
    await member('viewerA', ids.orgA, 'viewer');
    await member('ownerB', ids.orgB, 'owner');
    ids.projectA = (await m.project.create(sys(), { organizationId: ids.orgA, name: 'Rocket' })).id;
    ids.projectB = (await m.project.create(sys(), { organizationId: ids.orgB, name: 'Rocket' })).id;
    ids.releaseA = (await m.release.create(sys(), { projectId: ids.projectA, semver: '1.0.0' })).id;
  });

  /** The call is refused with `code` and every table is as it was. */
  async function refused(call: () => Promise<unknown>, code: string, path?: string) {
    const before = await snapshot(app.database.db, tables);
    await expectError(call(), code as never, path);
    expect(await snapshot(app.database.db, tables)).toEqual(before);
  }

  describe('upsert', () => {
    it('creates when no row has the key, updates when one does; one statement without hooks or audit', async () => {
      const counter = app.database.counter;
      const created = await counter.measure(() =>
        app.api.tag.upsert({
          where: { label: 'u-new' },
          create: { label: 'u-new' },
          update: { color: '#111111' },
        }),
      );
      expect(created.result).toMatchObject({ label: 'u-new', color: null });
      expect([created.statements, created.transactions]).toEqual([1, 0]);
      const updated = await counter.measure(() =>
        app.api.tag.upsert({
          where: { label: 'u-new' },
          create: { label: 'u-new', color: '#000000' },
          update: { color: '#111111' },
        }),
      );
      expect(updated.result).toMatchObject({ id: created.result.id, label: 'u-new', color: '#111111' });
      expect([updated.statements, updated.transactions]).toEqual([1, 0]);
      expect(updated.result.updatedAt.getTime()).toBeGreaterThanOrEqual(created.result.updatedAt.getTime());
    });

    it('on a multi-column key: a versioned row bumps its version; a stale expectedVersion is CONFLICT', async () => {
      const api = app.as(callers.memberA);
      const where = { organizationId: ids.orgA, name: 'Upserted' };
      const made = await api.project.upsert({ where, create: where, update: { description: 'again' } });
      expect(made).toMatchObject({ ...where, version: 1, description: null });
      const again = await api.project.upsert({ where, create: where, update: { description: 'again' } });
      expect(again).toMatchObject({ id: made.id, version: 2, description: 'again' });
      await refused(
        () =>
          api.project.upsert({ where, create: where, update: { description: 'stale' }, expectedVersion: 1 }),
        'CONFLICT',
      );
      const fresh = await api.project.upsert({
        where,
        create: where,
        update: { description: 'fresh' },
        expectedVersion: 2,
      });
      expect(fresh.version).toBe(3);
      // both branches are audited, with who did it
      const { rows } = await sql<{
        action: string;
        actor_id: string;
      }>`select action, actor_id from audit_entry
        where entity_id = ${made.id} order by created_at, action`.execute(app.database.db);
      expect(rows.map((r) => r.action)).toEqual(['create', 'update', 'update']);
      expect(new Set(rows.map((r) => r.actor_id))).toEqual(new Set([callers.memberA.userId]));
    });

    it('the caller’s rules decide each branch; refused, nothing changes', async () => {
      const viewer = app.as(callers.viewerA);
      const gus = app.as(callers.ownerB);
      const rocketA = { organizationId: ids.orgA, name: 'Rocket' };
      // a viewer may read acme's Rocket but not update it, nor create a project there
      await refused(
        () => viewer.project.upsert({ where: rocketA, create: rocketA, update: { description: 'v' } }),
        'FORBIDDEN',
      );
      const newA = { organizationId: ids.orgA, name: 'Viewer new' };
      await refused(
        () => viewer.project.upsert({ where: newA, create: newA, update: { description: 'v' } }),
        'FORBIDDEN',
      );
      // gus, of another tenant: acme's hidden Rocket and a name free in acme answer alike
      await refused(
        () => gus.project.upsert({ where: rocketA, create: rocketA, update: { description: 'g' } }),
        'FORBIDDEN',
      );
      await refused(
        () => gus.project.upsert({ where: newA, create: newA, update: { description: 'g' } }),
        'FORBIDDEN',
      );
      await refused(
        () =>
          gus.project.upsert({
            where: { organizationId: missingId, name: 'Rocket' },
            create: { organizationId: missingId, name: 'Rocket' },
            update: { description: 'g' },
          }),
        'FORBIDDEN',
      );
      expect((await app.api.project.get({ id: ids.projectA })).description).toBeNull();
    });

    it('moving a row into another tenant through upsert is refused and the row stays as it was', async () => {
      const gus = app.as(callers.ownerB);
      // gus's own project: its organization is immutable, on upsert as on update
      const rocketB = { organizationId: ids.orgB, name: 'Rocket' };
      await refused(
        () =>
          gus.project.upsert({
            where: rocketB,
            create: rocketB,
            update: { organizationId: ids.orgA } as never,
          }),
        'BAD_REQUEST',
        'update.organizationId',
      );
      // a create that disagrees with the key it names
      await refused(
        () =>
          gus.project.upsert({
            where: rocketB,
            create: { organizationId: ids.orgA, name: 'Rocket' },
            update: {} as never,
          }),
        'BAD_REQUEST',
      );
      await refused(
        () =>
          app.services.managers.project.upsert(
            { db: app.database.db, caller: callers.ownerB },
            {
              where: rocketB,
              create: { organizationId: ids.orgA, name: 'Rocket' },
              update: { description: 'x' },
            },
          ),
        'BAD_REQUEST',
        'create.organizationId',
      );
      // a mutable reference (profile.userId) is checked on the row as it will be, before the write
      const gusId = callers.ownerB.userId;
      await gus.profile.upsert({
        where: { userId: gusId },
        create: { userId: gusId, bio: 'mine' },
        update: { bio: 'mine' },
      });
      const mine = (await gus.profile.list({ where: { userId: gusId } })).items[0]!;
      for (const userId of [callers.memberA.userId, missingId]) {
        await refused(
          () =>
            gus.profile.upsert({ where: { userId: gusId }, create: { userId: gusId }, update: { userId } }),
          'FORBIDDEN',
        );
      }
      const reread = await app.api.profile.get({ id: mine.id });
      expect([reread.userId, reread.bio, reread.version]).toEqual([gusId, 'mine', mine.version]);
    });

    it('a where that is not a unique key is BAD_REQUEST naming the field', async () => {
      await refused(
        () =>
          app.api.tag.upsert({
            where: { color: '#ffffff' } as never,
            create: { label: 'x' },
            update: { color: '#000000' },
          }),
        'BAD_REQUEST',
        'where.color',
      );
      await refused(
        () =>
          app.services.managers.tag.upsert(app.ctx, {
            where: { color: '#ffffff' } as never,
            create: { label: 'x' },
            update: { color: '#000000' },
          }),
        'BAD_REQUEST',
        'where',
      );
      await refused(
        () =>
          app.api.project.upsert({
            where: { name: 'Rocket' } as never,
            create: { organizationId: ids.orgA, name: 'Rocket' },
            update: { description: 'x' },
          }),
        'BAD_REQUEST',
        'where.organizationId',
      );
    });

    it('50 parallel upserts on one key leave exactly one row', async () => {
      const api = app.as(callers.memberA);
      const where = { organizationId: ids.orgA, name: 'Race U' };
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          api.project.upsert({ where, create: where, update: { description: `writer ${i}` } }),
        ),
      );
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      const { rows } = await sql<{
        n: number;
        version: number;
      }>`select count(*)::int as n, max(version) as version
        from project where organization_id = ${ids.orgA} and name = 'Race U'`.execute(app.database.db);
      // one insert and 49 updates, each bumping the version once
      expect(rows[0]).toEqual({ n: 1, version: 50 });
      const tags = await Promise.all(
        Array.from({ length: 50 }, () =>
          app.api.tag.upsert({
            where: { label: 'u-race' },
            create: { label: 'u-race' },
            update: { color: '#222222' },
          }),
        ),
      );
      expect(new Set(tags.map((t) => t.id)).size).toBe(1);
      expect(await app.api.tag.count({ where: { label: 'u-race' } })).toBe(1);
    });
  });

  describe('createMany with skipDuplicates', () => {
    it('leaves out the rows whose key is taken and says which were created', async () => {
      const first = await app.api.tag.createMany([{ label: 'd-1' }, { label: 'd-2' }]);
      const again = await app.api.tag.createMany({
        data: [{ label: 'd-1' }, { label: 'd-3' }, { label: 'd-2' }, { label: 'd-4' }],
        skipDuplicates: true,
      });
      expect(again.count).toBe(2);
      const made = await app.api.tag.list({ where: { id: { in: again.ids } }, orderBy: { label: 'asc' } });
      expect(made.items.map((t) => t.label)).toEqual(['d-3', 'd-4']);
      expect(again.ids).not.toContain(first.ids[0]);
      // without it, a duplicate is CONFLICT and nothing is written
      await refused(() => app.api.tag.createMany([{ label: 'd-5' }, { label: 'd-1' }]), 'CONFLICT');
    });

    it('1,000 rows, some of them taken, in one statement', async () => {
      const counter = app.database.counter;
      const rows = Array.from({ length: 1000 }, (_, i) => ({ label: `skip-${i}` }));
      await app.api.tag.createMany(rows.slice(0, 10));
      const many = await counter.measure(() => app.api.tag.createMany({ data: rows, skipDuplicates: true }));
      expect(many.result.count).toBe(990);
      expect(many.statements).toBeLessThanOrEqual(3);
      expect([many.statements, many.transactions]).toEqual([1, 0]);
      // an audited entity: the insert and its audit insert, in one transaction
      const releases = await counter.measure(() =>
        app.api.release.createMany({
          data: Array.from({ length: 1000 }, (_, i) => ({ projectId: ids.projectA, semver: `3.0.${i}` })),
          skipDuplicates: true,
        }),
      );
      expect(releases.result.count).toBe(1000);
      expect(releases.statements).toBeLessThanOrEqual(3);
    });

    it('the create rule is checked on every row, skipped or not', async () => {
      const api = app.as(callers.memberA);
      await refused(
        () =>
          api.release.createMany({
            data: [
              { projectId: ids.projectA, semver: '1.0.0' },
              { projectId: ids.projectB, semver: '9.9.9' },
            ],
            skipDuplicates: true,
          }),
        'FORBIDDEN',
      );
    });
  });

  describe('nested writes', () => {
    it('a project with its releases, and its tags found or created by label', async () => {
      const api = app.as(callers.memberA);
      const existing = await app.api.tag.create({ label: 'n-existing' });
      const counter = app.database.counter;
      const { result: p } = await counter.measure(() =>
        api.project.create({
          organizationId: ids.orgA,
          name: 'Nested',
          releases: { create: [{ semver: '0.1.0' }, { semver: '0.2.0', status: 'published' }] },
          tags: {
            connectOrCreate: [
              { where: { label: 'n-existing' }, create: { label: 'n-existing', color: '#ffffff' } },
              { where: { label: 'n-new' }, create: { label: 'n-new' } },
            ],
          },
        }),
      );
      const got = await app.services.managers.project.get(
        { db: app.database.db, caller: callers.memberA },
        {
          id: p.id,
          include: { releases: { orderBy: { semver: 'asc' } }, tags: { orderBy: { label: 'asc' } } },
        },
      );
      expect(got.releases.map((r) => [r.semver, r.projectId])).toEqual([
        ['0.1.0', p.id],
        ['0.2.0', p.id],
      ]);
      // the release's own hook ran on the nested path (published → releasedAt)
      expect(got.releases[1]!.releasedAt).toBeInstanceOf(Date);
      // the existing tag is reused, unchanged; the missing one created
      expect(got.tags.map((t) => t.label)).toEqual(['n-existing', 'n-new']);
      expect(got.tags[0]).toMatchObject({ id: existing.id, color: null });
      expect(await app.api.tag.count({ where: { label: { in: ['n-existing', 'n-new'] } } })).toBe(2);
    });

    it('update: children created and changed by id, tags connectOrCreate', async () => {
      const api = app.as(callers.memberA);
      const p = await api.project.create({ organizationId: ids.orgA, name: 'Nested update' });
      const r = await api.release.create({ projectId: p.id, semver: '1.0.0' });
      const updated = await api.project.update({
        id: p.id,
        data: {
          description: 'with children',
          releases: { create: [{ semver: '1.1.0' }], update: [{ id: r.id, data: { notes: 'first' } }] },
          tags: { connectOrCreate: [{ where: { label: 'n-upd' }, create: { label: 'n-upd' } }] },
        },
      });
      expect(updated.description).toBe('with children');
      const got = await app.services.managers.project.get(
        { db: app.database.db, caller: callers.memberA },
        { id: p.id, include: { releases: { orderBy: { semver: 'asc' } }, tags: true } },
      );
      expect(got.releases.map((x) => [x.semver, x.notes])).toEqual([
        ['1.0.0', 'first'],
        ['1.1.0', null],
      ]);
      expect(got.releases[0]!.version).toBe(r.version + 1);
      expect(got.tags.map((t) => t.label)).toEqual(['n-upd']);
    });

    it('atomic: a refused or failing child leaves nothing of the write', async () => {
      const gus = app.as(callers.ownerB);
      // gus founds an organization with a project in it: the project's create rule (he is not yet
      // a member of the new organization) refuses the child, and the organization goes too
      await refused(
        () =>
          gus.organization.create({
            name: 'Gus Nested',
            slug: 'gus-nested',
            projects: { create: [{ name: 'Child' }] },
          }),
        'FORBIDDEN',
      );
      // a duplicate child rolls back the parent and the other children
      const api = app.as(callers.memberA);
      await refused(
        () =>
          api.project.create({
            organizationId: ids.orgA,
            name: 'Atomic',
            releases: { create: [{ semver: '1.0.0' }, { semver: '1.0.0' }] },
          }),
        'CONFLICT',
      );
      // a child's field the caller may not... a child that does not exist: NOT_FOUND, and the parent's change is undone
      await refused(
        () =>
          api.project.update({
            id: ids.projectA,
            data: {
              description: 'should not stay',
              releases: { update: [{ id: missingId, data: { notes: 'x' } }] },
            },
          }),
        'NOT_FOUND',
      );
    });

    it('moving rows into another tenant through nested writes is refused; the rows stay as they were', async () => {
      const gus = app.as(callers.ownerB);
      const before = await app.api.release.get({ id: ids.releaseA });
      // acme's release is no child of gus's project: NOT_FOUND, as if missing
      await refused(
        () =>
          gus.project.update({
            id: ids.projectB,
            data: { releases: { update: [{ id: ids.releaseA, data: { notes: 'planted' } }] } },
          }),
        'NOT_FOUND',
      );
      // nor can a nested child name another parent
      await refused(
        () =>
          gus.project.update({
            id: ids.projectB,
            data: { releases: { create: [{ semver: '6.6.6', projectId: ids.projectA } as never] } },
          }),
        'BAD_REQUEST',
        'data.releases.create.0.projectId',
      );
      await refused(
        () =>
          app.services.managers.project.update(
            { db: app.database.db, caller: callers.ownerB },
            {
              id: ids.projectB,
              data: { releases: { create: [{ semver: '6.6.6', projectId: ids.projectA } as never] } },
            },
          ),
        'BAD_REQUEST',
        'data.releases.create.0.projectId',
      );
      // acme's project through gus's organization: NOT_FOUND
      await refused(
        () =>
          gus.organization.update({
            id: ids.orgB,
            data: { projects: { update: [{ id: ids.projectA, data: { name: 'Stolen' } }] } },
          }),
        'NOT_FOUND',
      );
      // gus's organization's own project, moved into acme by a nested update: immutable
      await refused(
        () =>
          gus.organization.update({
            id: ids.orgB,
            data: {
              projects: { update: [{ id: ids.projectB, data: { organizationId: ids.orgA } as never }] },
            },
          }),
        'BAD_REQUEST',
      );
      // a viewer of acme may read the release but not change it through its project
      await refused(
        () =>
          app.as(callers.viewerA).project.update({
            id: ids.projectA,
            data: { releases: { update: [{ id: ids.releaseA, data: { notes: 'viewer' } }] } },
          }),
        'FORBIDDEN',
      );
      const after = await app.api.release.get({ id: ids.releaseA });
      expect(after).toEqual(before);
    });
  });
});
