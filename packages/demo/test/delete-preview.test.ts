import { isDeepStrictEqual } from 'node:util';
import { TRPCError } from '@trpc/server';
import { testEngines } from '@typecrud/server/testing';
import type { Principal } from '@typecrud/shared';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPrincipal } from '../src/server/index.js';
import { useApp } from './fixtures.js';
import { allTables, expectError, missingId, snapshot } from './helpers.js';

type Role = 'superadmin' | 'ownerA' | 'adminA' | 'memberA' | 'viewerA' | 'outsider';
const tables = [...allTables, 'membership'];

/**
 * `<entity>.deletePreview` and `<entity>.permissions`: the preview's counts are what the delete
 * then removes; a hidden row is NOT_FOUND like a missing one; the permissions say exactly what
 * the writes then allow or refuse.
 */
describe.each(testEngines())('delete preview and permissions on %s', (engine) => {
  const app = useApp(engine);
  const callers = {} as Record<Role, Principal | null>;
  const ids = {} as {
    orgA: string;
    orgB: string;
    projects: string[];
    releases: string[];
    secretB: string;
    tags: string[];
    user: Record<string, string>;
  };
  const sys = () => ({ db: app.database.db, caller: null });
  const as = (role: Role) => app.as(callers[role]);
  const rows = async (q: string) =>
    Number(((await sql.raw<{ n: number }>(q).execute(app.database.db)).rows[0] as { n: number }).n);

  beforeAll(async () => {
    const m = app.system.managers;
    ids.orgA = (await m.organization.create(sys(), { name: 'Acme', slug: 'acme-p' })).id;
    ids.orgB = (await m.organization.create(sys(), { name: 'Globex', slug: 'globex-p' })).id;
    ids.user = {};
    callers.superadmin = app.ctx.caller;
    for (const [role, orgRole] of [
      ['ownerA', 'owner'],
      ['adminA', 'admin'],
      ['memberA', 'member'],
      ['viewerA', 'viewer'],
      ['outsider', null],
    ] as const) {
      const u = await m.user.create(sys(), { email: `${role}@p.test`, displayName: role });
      ids.user[role] = u.id;
      if (orgRole)
        await m.membership.create(sys(), {
          organizationId: ids.orgA,
          userId: u.id,
          role: orgRole,
          status: 'active',
        });
      callers[role] = (await loadPrincipal(app.database.db, u.id))!;
    }
    ids.tags = [
      (await m.tag.create(sys(), { label: 'p-red' })).id,
      (await m.tag.create(sys(), { label: 'p-blue' })).id,
    ];
    ids.projects = [];
    ids.releases = [];
    for (const name of ['Alpha', 'Beta', 'Gamma', 'Delta']) {
      const p = await m.project.create(sys(), {
        organizationId: ids.orgA,
        name,
        tags: { connect: ids.tags },
      });
      ids.projects.push(p.id);
      for (const semver of ['1.0.0', '1.1.0'])
        ids.releases.push((await m.release.create(sys(), { projectId: p.id, semver })).id);
    }
    ids.secretB = (await m.project.create(sys(), { organizationId: ids.orgB, name: 'Secret B' })).id;
    await m.release.create(sys(), { projectId: ids.secretB, semver: '9.9.9' });
  });

  it('an organization: projects and releases cascade, memberships cascade, links go; what the delete then removes', async () => {
    const m = app.system.managers;
    const org = (await m.organization.create(sys(), { name: 'Doomed', slug: 'doomed-p' })).id;
    const owner = await m.user.create(sys(), { email: 'doomed-owner@p.test', displayName: 'Doomed owner' });
    await m.membership.create(sys(), {
      organizationId: org,
      userId: owner.id,
      role: 'owner',
      status: 'active',
    });
    for (const name of ['One', 'Two', 'Three', 'Four', 'Five']) {
      const p = await m.project.create(sys(), {
        organizationId: org,
        name,
        tags: { connect: [ids.tags[0]!] },
      });
      for (const semver of ['1.0.0', '2.0.0', '3.0.0'])
        await m.release.create(sys(), { projectId: p.id, semver });
    }
    const ownerApi = app.as((await loadPrincipal(app.database.db, owner.id))!);
    const preview = await ownerApi.organization.deletePreview({ ids: [org] });
    expect(preview.rows).toEqual([{ id: org, label: 'Doomed' }]);
    expect(preview.notAllowed).toEqual([]);
    expect(preview.blocked).toBe(false);
    const effect = (entity: string, action: string) =>
      preview.effects.find((e) => e.entity === entity && e.action === action);
    expect(effect('project', 'cascade')).toMatchObject({ count: 5, hidden: 0, via: 'organizationId' });
    // the first three by label
    expect(effect('project', 'cascade')!.first.map((r) => r.label)).toEqual(['Five', 'Four', 'One']);
    expect(effect('release', 'cascade')).toMatchObject({ count: 15, hidden: 0 });
    expect(effect('membership', 'cascade')).toMatchObject({ count: 1 });
    expect(effect('tag', 'unlink')).toMatchObject({ count: 5, via: 'project_tag' });

    const before = {
      project: await rows('select count(*) as n from project'),
      release: await rows('select count(*) as n from release'),
      membership: await rows('select count(*) as n from membership'),
      links: await rows('select count(*) as n from project_tag'),
    };
    await ownerApi.organization.delete({ id: org });
    expect(before.project - (await rows('select count(*) as n from project'))).toBe(5);
    expect(before.release - (await rows('select count(*) as n from release'))).toBe(15);
    expect(before.membership - (await rows('select count(*) as n from membership'))).toBe(1);
    expect(before.links - (await rows('select count(*) as n from project_tag'))).toBe(5);
  });

  it('a user: what is set to null (createdBy) is counted and the rows keep existing', async () => {
    const m = app.system.managers;
    const u = await m.user.create(sys(), { email: 'author@p.test', displayName: 'Author' });
    const author = app.as({ userId: u.id, superadmin: true, memberships: [] });
    await author.project.create({ organizationId: ids.orgA, name: 'p-authored' });
    await m.profile.create(sys(), { userId: u.id, bio: 'hi' });
    const preview = await app.api.user.deletePreview({ ids: [u.id] });
    expect(preview.effects.find((e) => e.entity === 'profile')).toMatchObject({
      action: 'cascade',
      count: 1,
    });
    const nulls = preview.effects.find((e) => e.entity === 'project' && e.action === 'setNull');
    expect(nulls).toMatchObject({ via: 'createdBy', count: 1 });
    expect(nulls!.first[0]!.label).toBe('p-authored');
    await app.api.user.delete({ id: u.id });
    expect(
      await rows(`select count(*) as n from project where name = 'p-authored' and created_by is null`),
    ).toBe(1);
  });

  it('bulk: allowed rows and refused ones are told apart; counts follow only the allowed', async () => {
    const mine = ids.projects.slice(0, 2);
    const preview = await as('adminA').project.deletePreview({ ids: mine });
    expect(preview.rows.map((r) => r.label)).toEqual(['Alpha', 'Beta']);
    expect(preview.effects.find((e) => e.entity === 'release')).toMatchObject({
      action: 'cascade',
      count: 4,
    });
    expect(preview.effects.find((e) => e.action === 'unlink')).toMatchObject({ entity: 'tag', count: 4 });

    const member = await as('memberA').project.deletePreview({ ids: mine });
    expect(member.rows).toEqual([]);
    expect(member.notAllowed.map((r) => r.id)).toEqual(mine);
    expect(member.effects).toEqual([]);
  });

  it('a viewer: a hidden row is NOT_FOUND as a missing one, and the preview writes nothing', async () => {
    const before = await snapshot(app.database.db, tables);
    const hidden = await expectError(
      as('viewerA').project.deletePreview({ ids: [ids.secretB] }),
      'NOT_FOUND',
    );
    const missing = await expectError(as('viewerA').project.deletePreview({ ids: [missingId] }), 'NOT_FOUND');
    expect(hidden.message.replace(ids.secretB, 'X')).toBe(missing.message.replace(missingId, 'X'));
    // one hidden among readable ones is NOT_FOUND too: nothing is told of the others
    await expectError(
      as('viewerA').project.deletePreview({ ids: [ids.projects[0]!, ids.secretB] }),
      'NOT_FOUND',
    );
    const ok = await as('viewerA').project.deletePreview({ ids: [ids.projects[0]!] });
    expect(ok.notAllowed).toHaveLength(1);
    expect(await snapshot(app.database.db, tables)).toEqual(before);
  });

  it('readable but not deletable is notAllowed; beyond reach is NOT_FOUND', async () => {
    const m = app.system.managers;
    const pub = await m.project.create(sys(), { organizationId: ids.orgB, name: 'Public B', isPublic: true });
    await m.release.create(sys(), { projectId: pub.id, semver: '0.1.0' });
    const preview = await as('outsider').project.deletePreview({ ids: [pub.id] });
    expect(preview.notAllowed.map((r) => r.label)).toEqual(['Public B']);
    // as superadmin everything is readable
    const sa = await app.api.organization.deletePreview({ ids: [ids.orgB] });
    const releases = sa.effects.find((e) => e.entity === 'release')!;
    expect(releases).toMatchObject({ count: 2, hidden: 0 });
    // an org A owner cannot read org B at all
    await expectError(as('ownerA').organization.deletePreview({ ids: [ids.orgB] }), 'NOT_FOUND');
  });

  it('bad input names the field', async () => {
    await expectError(app.api.project.deletePreview({ ids: [] }), 'BAD_REQUEST', 'ids');
    await expectError(app.api.project.deletePreview({ ids: ['nope'] } as never), 'BAD_REQUEST', 'ids.0');
    await expectError(app.api.project.permissions({ ids: ['nope'] } as never), 'BAD_REQUEST', 'ids.0');
  });

  describe('permissions match the refusals', () => {
    const outcome = async (call: () => Promise<unknown>) => {
      try {
        await call();
        return true;
      } catch (e) {
        if (e instanceof TRPCError && (e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND')) return false;
        throw e;
      }
    };

    it.each(['superadmin', 'ownerA', 'adminA', 'memberA', 'viewerA', 'outsider'] as Role[])(
      '%s: per entity and per row, each action as the write then answers',
      async (role) => {
        const api = as(role);
        const project = ids.projects[2]!;
        const release = ids.releases[4]!;
        const p = await api.project.permissions({ ids: [project, ids.secretB] });
        const r = await api.release.permissions({ ids: [release] });
        const readable = role !== 'outsider';
        expect(Object.keys(p.rows).sort()).toEqual(
          role === 'superadmin' ? [project, ids.secretB].sort() : readable ? [project] : [],
        );
        const expected = {
          superadmin: { create: true, update: true, delete: true },
          ownerA: { create: true, update: true, delete: true },
          adminA: { create: true, update: true, delete: true },
          memberA: { create: true, update: true, delete: false },
          viewerA: { create: false, update: false, delete: false },
          outsider: { create: false, update: false, delete: false },
        }[role];
        expect({ create: p.create, update: p.update, delete: p.delete }).toEqual(expected);
        if (readable) expect(p.rows[project]).toEqual({ ...pick(expected), archive: expected.delete });
        expect(r.create).toBe(expected.create);

        // the writes agree: what is allowed succeeds, what is not is refused and changes nothing
        const tried = async (fn: () => Promise<unknown>) => {
          const before = await snapshot(app.database.db, tables);
          const ok = await outcome(fn);
          return { ok, unchanged: isDeepStrictEqual(await snapshot(app.database.db, tables), before) };
        };
        const upd = await tried(() => api.release.update({ id: release, data: { notes: `by ${role}` } }));
        expect(upd.ok).toBe(r.rows[release]?.update ?? false);
        expect(upd.unchanged).toBe(!upd.ok);
        const create = await tried(() =>
          api.release.create({
            projectId: project,
            semver: `5.0.${['superadmin', 'ownerA', 'adminA', 'memberA', 'viewerA', 'outsider'].indexOf(role)}`,
          }),
        );
        expect(create.ok).toBe(r.create);
        if (!r.rows[release]?.delete) {
          const del = await tried(() => api.release.delete({ id: release }));
          expect(del).toEqual({ ok: false, unchanged: true });
        }
      },
    );

    it('read-only fields: a user may not set its role unless superadmin', async () => {
      expect((await as('memberA').user.permissions()).readOnlyFields).toEqual(['role']);
      expect((await app.api.user.permissions()).readOnlyFields).toEqual([]);
    });
  });
});

const pick = (e: { update: boolean; delete: boolean }) => ({ update: e.update, delete: e.delete });
