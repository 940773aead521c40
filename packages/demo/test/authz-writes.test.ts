import { TRPCError } from '@trpc/server';
import { testEngines } from '@typecrud/server/testing';
import type { Principal } from '@typecrud/shared';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPrincipal } from '../src/server/index.js';
import { useApp } from './fixtures.js';
import { allTables, expectError, missingId, snapshot } from './helpers.js';

type Role = 'superadmin' | 'ownerA' | 'adminA' | 'memberA' | 'viewerA' | 'ownerB' | 'outsider' | 'signedOut';
const roles: Role[] = [
  'superadmin',
  'ownerA',
  'adminA',
  'memberA',
  'viewerA',
  'ownerB',
  'outsider',
  'signedOut',
];
type Outcome = 'ok' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'BAD_REQUEST' | 'CONFLICT';

async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return 'ok';
  } catch (e) {
    if (e instanceof TRPCError) return e.code as Outcome;
    throw e;
  }
}

const tables = [...allTables, 'membership', 'audit_entry'];

/**
 * The write side of the authorization matrix: every write procedure of the demo against every
 * kind of caller, rows moved between tenants by every reference field, role changes, links
 * changed from either side. Every refused call leaves every table as it was.
 */
describe.each(testEngines())('write authorization on %s', (engine) => {
  const app = useApp(engine);
  const callers = {} as Record<Role, Principal | null>;
  const ids = {} as {
    orgA: string;
    orgB: string;
    privateA: string;
    publicB: string;
    privateB: string;
    tag: string;
    releaseA: string;
    releaseB: string;
    membership: Record<Role, string>;
    user: Record<Role, string>;
  };
  const sys = () => ({ db: app.database.db, caller: null });

  beforeAll(async () => {
    const m = app.system.managers;
    const orgA = await m.organization.create(sys(), { name: 'Acme', slug: 'acme-w' });
    const orgB = await m.organization.create(sys(), { name: 'Globex', slug: 'globex-w' });
    ids.orgA = orgA.id;
    ids.orgB = orgB.id;
    ids.membership = {} as Record<Role, string>;
    ids.user = {} as Record<Role, string>;
    const member = async (
      role: Role,
      org: string | null,
      orgRole: 'owner' | 'admin' | 'member' | 'viewer',
    ) => {
      const u = await m.user.create(sys(), { email: `${role}@w.test`, displayName: role });
      ids.user[role] = u.id;
      if (org)
        ids.membership[role] = (
          await m.membership.create(sys(), {
            organizationId: org,
            userId: u.id,
            role: orgRole,
            status: 'active',
          })
        ).id;
      callers[role] = (await loadPrincipal(app.database.db, u.id))!;
    };
    callers.superadmin = app.ctx.caller;
    await member('ownerA', orgA.id, 'owner');
    await member('adminA', orgA.id, 'admin');
    await member('memberA', orgA.id, 'member');
    await member('viewerA', orgA.id, 'viewer');
    await member('ownerB', orgB.id, 'owner');
    await member('outsider', null, 'viewer');
    callers.signedOut = null;
    ids.tag = (await m.tag.create(sys(), { label: 'w-tag' })).id;
    ids.privateA = (
      await m.project.create(sys(), {
        organizationId: orgA.id,
        name: 'Secret A',
        tags: { connect: [ids.tag] },
      })
    ).id;
    ids.publicB = (
      await m.project.create(sys(), { organizationId: orgB.id, name: 'Open B', isPublic: true })
    ).id;
    ids.privateB = (await m.project.create(sys(), { organizationId: orgB.id, name: 'Secret B' })).id;
    ids.releaseA = (await m.release.create(sys(), { projectId: ids.privateA, semver: '1.0.0' })).id;
    ids.releaseB = (await m.release.create(sys(), { projectId: ids.privateB, semver: '1.0.0' })).id;
    await m.profile.create(sys(), { userId: ids.user.ownerA, bio: 'owner of acme' });
    await m.profile.create(sys(), { userId: ids.user.ownerB, bio: 'owner of globex' });
  });

  const as = (role: Role) => app.as(callers[role]);

  /** Runs a call that must be refused with `code` (and name `path`), and proves nothing changed. */
  async function refused(call: () => Promise<unknown>, code: TRPCError['code'], path?: string) {
    const before = await snapshot(app.database.db, tables);
    await expectError(call(), code, path);
    expect(await snapshot(app.database.db, tables)).toEqual(before);
  }

  describe('issue 11 reproductions', () => {
    it('1. gus cannot move his membership into acme (nor anyone through any path)', async () => {
      const own = await as('ownerB').organization.create({ name: 'Gus Co', slug: 'gus-co-w' });
      // gus as he is now: owner of his new organization too
      const gusNow = (await loadPrincipal(app.database.db, ids.user.ownerB))!;
      const gus = app.as(gusNow);
      const mine = (await gus.membership.list({ where: { organizationId: own.id } })).items[0]!;
      const data = { organizationId: ids.orgA } as never;
      await refused(() => gus.membership.update({ id: mine.id, data }), 'BAD_REQUEST', 'data.organizationId');
      await refused(
        () => gus.membership.updateMany({ where: { organizationId: own.id }, data }),
        'BAD_REQUEST',
        'data.organizationId',
      );
      await refused(
        () => gus.membership.update({ id: mine.id, data: { userId: ids.user.ownerA } as never }),
        'BAD_REQUEST',
        'data.userId',
      );
      // the manager itself refuses, not only the DTO
      await refused(
        () =>
          app.services.managers.membership.update(
            { db: app.database.db, caller: gusNow },
            { id: mine.id, data },
          ),
        'BAD_REQUEST',
        'data.organizationId',
      );
      // and gus gains nothing in acme
      expect(await outcome(() => gus.project.get({ id: ids.privateA }))).toBe('NOT_FOUND');
    });

    it('2. a project or a release cannot be moved into acme', async () => {
      const gus = as('ownerB');
      await refused(
        () => gus.project.update({ id: ids.privateB, data: { organizationId: ids.orgA } as never }),
        'BAD_REQUEST',
        'data.organizationId',
      );
      await refused(
        () =>
          gus.project.updateMany({
            where: { id: ids.privateB },
            data: { organizationId: ids.orgA } as never,
          }),
        'BAD_REQUEST',
        'data.organizationId',
      );
      await refused(
        () => gus.release.update({ id: ids.releaseB, data: { projectId: ids.privateA } as never }),
        'BAD_REQUEST',
        'data.projectId',
      );
      await refused(
        () =>
          gus.release.updateMany({ where: { id: ids.releaseB }, data: { projectId: ids.privateA } as never }),
        'BAD_REQUEST',
        'data.projectId',
      );
      // not even a superadmin: the fields are immutable
      await refused(
        () =>
          as('superadmin').project.update({ id: ids.privateB, data: { organizationId: ids.orgA } as never }),
        'BAD_REQUEST',
        'data.organizationId',
      );
    });

    it('2b. a mutable reference is checked on the row as it will be (profile.userId), hidden and missing alike', async () => {
      const gus = as('ownerB');
      const profile = (await gus.profile.list({ where: { userId: ids.user.ownerB } })).items[0]!;
      // ownerA has a profile (a unique clash), outsider has none, missingId is nobody: the same answer
      for (const userId of [ids.user.ownerA, ids.user.outsider, missingId]) {
        await refused(() => gus.profile.update({ id: profile.id, data: { userId } }), 'FORBIDDEN');
        await refused(
          () => gus.profile.updateMany({ where: { userId: ids.user.ownerB }, data: { userId } }),
          'FORBIDDEN',
        );
      }
      // a change that keeps the row within the rules passes
      expect((await gus.profile.update({ id: profile.id, data: { bio: 'still mine' } })).bio).toBe(
        'still mine',
      );
    });

    it('3. a link to a row the caller cannot read is NOT_FOUND from either side, never a count', async () => {
      const gus = as('ownerB');
      await refused(
        () => gus.tag.disconnect({ id: ids.tag, relation: 'projects', ids: [ids.privateA] }),
        'NOT_FOUND',
        'ids',
      );
      await refused(
        () => gus.tag.connect({ id: ids.tag, relation: 'projects', ids: [ids.privateA] }),
        'NOT_FOUND',
        'ids',
      );
      await refused(
        () => gus.project.disconnect({ id: ids.privateA, relation: 'tags', ids: [ids.tag] }),
        'NOT_FOUND',
      );
      // a hidden link and no link answer alike
      await refused(
        () => gus.tag.disconnect({ id: ids.tag, relation: 'projects', ids: [missingId] }),
        'NOT_FOUND',
        'ids',
      );
      // a readable project the caller may not change (public, another tenant): FORBIDDEN, nothing changes
      await refused(
        () => as('ownerA').tag.connect({ id: ids.tag, relation: 'projects', ids: [ids.publicB] }),
        'FORBIDDEN',
      );
      await refused(
        () => as('viewerA').tag.disconnect({ id: ids.tag, relation: 'projects', ids: [ids.privateA] }),
        'FORBIDDEN',
      );
      // the project's members tag it from the tag's side (the project governs its tags)
      expect(
        await as('memberA').tag.disconnect({ id: ids.tag, relation: 'projects', ids: [ids.privateA] }),
      ).toEqual({ count: 1 });
      expect(
        await as('memberA').tag.connect({ id: ids.tag, relation: 'projects', ids: [ids.privateA] }),
      ).toEqual({
        count: 1,
      });
    });

    it('4. roles: bob neither promotes himself nor demotes the owner; only owners grant owner; one owner stays', async () => {
      const bob = as('adminA');
      await refused(
        () => bob.membership.update({ id: ids.membership.adminA, data: { role: 'owner' } }),
        'FORBIDDEN',
      );
      await refused(
        () => bob.membership.update({ id: ids.membership.ownerA, data: { role: 'viewer' } }),
        'FORBIDDEN',
      );
      // a bulk write matches only the rows the caller may change: the owner's and bob's own are not among them
      const before = await snapshot(app.database.db, tables);
      expect(
        await bob.membership.updateMany({
          where: { userId: { in: [ids.user.ownerA, ids.user.adminA] } },
          data: { role: 'viewer' },
        }),
      ).toEqual({ count: 0 });
      expect(await snapshot(app.database.db, tables)).toEqual(before);
      await refused(
        () => bob.membership.update({ id: ids.membership.memberA, data: { role: 'owner' } }),
        'FORBIDDEN',
      );
      await refused(() => bob.membership.delete({ id: ids.membership.ownerA }), 'FORBIDDEN');
      await refused(
        () => bob.membership.create({ organizationId: ids.orgA, userId: ids.user.outsider, role: 'owner' }),
        'FORBIDDEN',
      );
      // nobody changes their own role, owners included
      await refused(
        () => as('ownerA').membership.update({ id: ids.membership.ownerA, data: { role: 'admin' } }),
        'FORBIDDEN',
      );
      // the last owner stays: deleting or demoting it is CONFLICT with a clear message
      const last = await expectError(
        as('ownerA').membership.delete({ id: ids.membership.ownerA }),
        'CONFLICT',
        'role',
      );
      expect(last.message).toContain('at least one owner');
      await refused(
        () => as('superadmin').membership.update({ id: ids.membership.ownerA, data: { role: 'member' } }),
        'CONFLICT',
        'role',
      );
      // an owner may grant owner; then the first owner may step down (through another owner)
      expect(
        (await as('ownerA').membership.update({ id: ids.membership.memberA, data: { role: 'owner' } })).role,
      ).toBe('owner');
      const promoted = await loadPrincipal(app.database.db, ids.user.memberA);
      expect(
        (await app.as(promoted).membership.update({ id: ids.membership.ownerA, data: { role: 'admin' } }))
          .role,
      ).toBe('admin');
      // restore the arrangement for the other tests
      await app.services.managers.membership.update(app.ctx, {
        id: ids.membership.ownerA,
        data: { role: 'owner' },
      });
      await app.services.managers.membership.update(app.ctx, {
        id: ids.membership.memberA,
        data: { role: 'member' },
      });
    });

    it('11. upsert and nested writes keep the same rules: no tenant moves, no role escalation', async () => {
      const gus = as('ownerB');
      const bob = as('adminA');
      // bob promotes himself through upsert: his own membership is outside his update rule
      const bobKey = { organizationId: ids.orgA, userId: ids.user.adminA };
      await refused(
        () => bob.membership.upsert({ where: bobKey, create: bobKey, update: { role: 'owner' } }),
        'FORBIDDEN',
      );
      // nor grants owner to another member, nor demotes the owner
      const memberKey = { organizationId: ids.orgA, userId: ids.user.memberA };
      await refused(
        () => bob.membership.upsert({ where: memberKey, create: memberKey, update: { role: 'owner' } }),
        'FORBIDDEN',
      );
      const ownerKey = { organizationId: ids.orgA, userId: ids.user.ownerA };
      await refused(
        () => bob.membership.upsert({ where: ownerKey, create: ownerKey, update: { role: 'viewer' } }),
        'FORBIDDEN',
      );
      // gus joins acme through upsert: the create rule refuses
      const gusKey = { organizationId: ids.orgA, userId: ids.user.ownerB };
      await refused(
        () =>
          gus.membership.upsert({
            where: gusKey,
            create: { ...gusKey, role: 'owner' },
            update: { role: 'owner' },
          }),
        'FORBIDDEN',
      );
      // gus plants a release into acme's project through his own project, or changes acme's
      await refused(
        () =>
          gus.project.update({
            id: ids.privateB,
            data: { releases: { update: [{ id: ids.releaseA, data: { notes: 'planted' } }] } },
          }),
        'NOT_FOUND',
      );
      await refused(
        () =>
          gus.organization.update({
            id: ids.orgB,
            data: { memberships: { update: [{ id: ids.membership.ownerA, data: { role: 'viewer' } }] } },
          }),
        'NOT_FOUND',
      );
      // a release upserted onto acme's hidden project: hidden and missing answer alike
      for (const projectId of [ids.privateA, missingId]) {
        const key = { projectId, semver: '1.0.0' };
        await refused(
          () => gus.release.upsert({ where: key, create: key, update: { notes: 'x' } }),
          'FORBIDDEN',
        );
      }
    });

    it('7. a link that exists (connect) or does not (disconnect) is a no-op: no version bump, no audit', async () => {
      const api = as('memberA');
      const before = await api.project.get({ id: ids.privateA });
      const other = (await as('superadmin').tag.create({ label: 'w-unlinked' })).id;
      const audits = await auditCount();
      expect(await api.project.connect({ id: ids.privateA, relation: 'tags', ids: [ids.tag] })).toEqual({
        count: 0,
      });
      expect(await api.project.disconnect({ id: ids.privateA, relation: 'tags', ids: [other] })).toEqual({
        count: 0,
      });
      expect((await api.project.get({ id: ids.privateA })).version).toBe(before.version);
      expect(await auditCount()).toBe(audits);
      // a real change bumps it once and is audited
      expect(await api.project.connect({ id: ids.privateA, relation: 'tags', ids: [other, other] })).toEqual({
        count: 1,
      });
      expect((await api.project.get({ id: ids.privateA })).version).toBe(before.version + 1);
      // one connect record per audited side of the link (the project's tags, the tag's projects)
      const { rows } = await sql<{ entity: string }>`select entity from audit_entry
        where action = 'connect' and ((entity_id = ${ids.privateA}::uuid and changes::text like ${`%${other}%`})
          or entity_id = ${other}::uuid) order by entity`.execute(app.database.db);
      expect(rows.map((r) => r.entity)).toEqual(['project', 'tag']);
      expect(await auditCount()).toBeGreaterThan(audits);
    });

    it('7b. update, delete and archive of an archived row are NOT_FOUND unless withArchived', async () => {
      const api = as('adminA');
      const p = await api.project.create({ organizationId: ids.orgA, name: 'Archived W' });
      await api.project.archive({ id: p.id });
      await refused(() => api.project.update({ id: p.id, data: { name: 'x' } }), 'NOT_FOUND');
      await refused(() => api.project.archive({ id: p.id }), 'NOT_FOUND');
      await refused(() => api.project.delete({ id: p.id }), 'NOT_FOUND');
      await refused(() => api.project.connect({ id: p.id, relation: 'tags', ids: [ids.tag] }), 'NOT_FOUND');
      expect(
        (await api.project.updateMany({ where: { id: p.id }, data: { description: 'bulk' } })).count,
      ).toBe(0);
      expect(
        (await api.project.update({ id: p.id, data: { name: 'renamed' }, withArchived: true })).name,
      ).toBe('renamed');
      expect((await api.project.restore({ id: p.id })).archivedAt).toBeNull();
      await api.project.archive({ id: p.id });
      expect(await api.project.delete({ id: p.id, withArchived: true })).toEqual({ id: p.id });
    });
  });

  const auditCount = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from audit_entry`.execute(app.database.db)).rows[0]!
      .n;

  describe('existence oracles (issue 12 item 6): hidden and missing answer alike', () => {
    it('a project named like a hidden one in another tenant, and a release on a hidden project', async () => {
      const api = as('ownerA');
      const taken = await outcome(() => api.project.create({ organizationId: ids.orgB, name: 'Secret B' }));
      const free = await outcome(() =>
        api.project.create({ organizationId: ids.orgB, name: 'Nothing here' }),
      );
      expect([taken, free]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
      const missingOrg = await outcome(() =>
        api.project.create({ organizationId: missingId, name: 'Secret B' }),
      );
      expect(missingOrg).toBe('FORBIDDEN');
      const hidden = await outcome(() => api.release.create({ projectId: ids.privateB, semver: '1.0.0' }));
      const missing = await outcome(() => api.release.create({ projectId: missingId, semver: '1.0.0' }));
      expect([hidden, missing]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
      const many = await outcome(() =>
        api.release.createMany([
          { projectId: ids.privateA, semver: '9.0.0' },
          { projectId: ids.privateB, semver: '1.0.0' },
        ]),
      );
      expect(many).toBe('FORBIDDEN');
    });

    it('a profile for another tenant’s user: with or without a profile, the same answer', async () => {
      const api = as('ownerA');
      const has = await outcome(() => api.profile.create({ userId: ids.user.ownerB }));
      const hasNot = await outcome(() => api.profile.create({ userId: ids.user.outsider }));
      const nobody = await outcome(() => api.profile.create({ userId: missingId }));
      expect([has, hasNot, nobody]).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    });
  });

  describe('the write matrix: every write procedure × every caller', () => {
    /** What each caller gets from each write on tenant A's rows. */
    const matrix: Record<string, Partial<Record<Role, Outcome>>> = {
      'organization.update': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'FORBIDDEN',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'membership.update': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'FORBIDDEN',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'release.update': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'ok',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'release.archive': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'FORBIDDEN',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'release.delete': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'FORBIDDEN',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'project.connect': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'ok',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'tag.connect': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'ok',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'project.upsert(update)': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'ok',
        viewerA: 'FORBIDDEN',
        // a row the caller cannot read: the create rule answers, as for a missing one
        ownerB: 'FORBIDDEN',
        outsider: 'FORBIDDEN',
      },
      'project.upsert(create)': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'ok',
        viewerA: 'FORBIDDEN',
        ownerB: 'FORBIDDEN',
        outsider: 'FORBIDDEN',
      },
      'project.update(nested release)': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'ok',
        memberA: 'ok',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
      'profile.update': {
        superadmin: 'ok',
        ownerA: 'ok',
        adminA: 'FORBIDDEN',
        memberA: 'FORBIDDEN',
        viewerA: 'FORBIDDEN',
        ownerB: 'NOT_FOUND',
        outsider: 'NOT_FOUND',
      },
    };

    it.each(roles)('as %s', async (role) => {
      const api = as(role);
      const m = app.system.managers;
      const release = (await m.release.create(sys(), { projectId: ids.privateA, semver: `2.0.0-${role}` }))
        .id;
      const project = (await m.project.create(sys(), { organizationId: ids.orgA, name: `Matrix ${role}` }))
        .id;
      const tag = (await m.tag.create(sys(), { label: `m-${role}` })).id;
      const profile = (await m.profile.list(sys(), { where: { userId: ids.user.ownerA } })).items[0]!.id;
      const calls: Record<string, () => Promise<unknown>> = {
        'organization.update': () => api.organization.update({ id: ids.orgA, data: { name: 'Acme' } }),
        'membership.update': () =>
          api.membership.update({ id: ids.membership.viewerA, data: { role: 'viewer' } }),
        'release.update': () => api.release.update({ id: release, data: { notes: `by ${role}` } }),
        'project.update(nested release)': () =>
          api.project.update({
            id: ids.privateA,
            data: { releases: { update: [{ id: release, data: { notes: `nested by ${role}` } }] } },
          }),
        'release.archive': () => api.release.archive({ id: release }),
        'release.delete': () => api.release.delete({ id: release, withArchived: true }),
        'project.connect': () => api.project.connect({ id: project, relation: 'tags', ids: [tag] }),
        'tag.connect': () => api.tag.connect({ id: tag, relation: 'projects', ids: [project] }),
        'project.upsert(update)': () =>
          api.project.upsert({
            where: { organizationId: ids.orgA, name: `Matrix ${role}` },
            create: { organizationId: ids.orgA, name: `Matrix ${role}` },
            update: { description: `by ${role}` },
          }),
        'project.upsert(create)': () =>
          api.project.upsert({
            where: { organizationId: ids.orgA, name: `Matrix new ${role}` },
            create: { organizationId: ids.orgA, name: `Matrix new ${role}` },
            update: { description: `by ${role}` },
          }),
        'profile.update': () => api.profile.update({ id: profile, data: { bio: 'owner of acme' } }),
      };
      const got: Record<string, Outcome> = {};
      for (const [name, call] of Object.entries(calls)) {
        const before = await snapshot(app.database.db, tables);
        got[name] = await outcome(call);
        if (got[name] !== 'ok') expect(await snapshot(app.database.db, tables), name).toEqual(before);
      }
      const want = Object.fromEntries(
        Object.entries(matrix).map(([name, row]) => [
          name,
          role === 'signedOut' ? 'UNAUTHORIZED' : row[role],
        ]),
      );
      expect(got).toEqual(want);
    });
  });

  it('50 parallel versioned updates: exactly one winner, the others CONFLICT', async () => {
    const api = as('memberA');
    const p = await api.project.create({ organizationId: ids.orgA, name: 'Race W' });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        outcome(() =>
          api.project.update({ id: p.id, data: { description: `writer ${i}` }, expectedVersion: p.version }),
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'CONFLICT')).toHaveLength(49);
    expect((await api.project.get({ id: p.id })).version).toBe(p.version + 1);
  });
});
