import { createHash } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { memoryCacheStore } from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import type { Principal } from '@typecrud/shared';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAppServices,
  createRequestContext,
  loadPrincipal,
  setPassword,
  startSession,
} from '../src/server/index.js';
import { testTokenSecret, useApp } from './fixtures.js';

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
type Outcome = 'ok' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHORIZED';

/** The error code of a call, or 'ok'. */
async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return 'ok';
  } catch (e) {
    if (e instanceof TRPCError) return e.code as Outcome;
    throw e;
  }
}

describe.each(testEngines())('authorization on %s', (engine) => {
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
  };

  beforeAll(async () => {
    const m = app.system.managers;
    const ctx = { db: app.database.db, caller: null };
    const orgA = await m.organization.create(ctx, { name: 'Tenant A', slug: 'tenant-a' });
    const orgB = await m.organization.create(ctx, { name: 'Tenant B', slug: 'tenant-b' });
    ids.orgA = orgA.id;
    ids.orgB = orgB.id;
    const member = async (
      email: string,
      org: string | null,
      role: 'owner' | 'admin' | 'member' | 'viewer',
    ) => {
      const u = await m.user.create(ctx, { email, displayName: email.split('@')[0]! });
      if (org) await m.membership.create(ctx, { organizationId: org, userId: u.id, role, status: 'active' });
      return (await loadPrincipal(app.database.db, u.id))!;
    };
    callers.superadmin = app.ctx.caller;
    callers.ownerA = await member('owner@a.test', orgA.id, 'owner');
    callers.adminA = await member('admin@a.test', orgA.id, 'admin');
    callers.memberA = await member('member@a.test', orgA.id, 'member');
    callers.viewerA = await member('viewer@a.test', orgA.id, 'viewer');
    callers.ownerB = await member('owner@b.test', orgB.id, 'owner');
    callers.outsider = await member('outsider@x.test', null, 'viewer');
    callers.signedOut = null;
    ids.tag = (await m.tag.create(ctx, { label: 'shared-tag' })).id;
    ids.privateA = (
      await m.project.create(ctx, { organizationId: orgA.id, name: 'Secret A', tags: { connect: [ids.tag] } })
    ).id;
    ids.publicB = (
      await m.project.create(ctx, {
        organizationId: orgB.id,
        name: 'Open B',
        isPublic: true,
        tags: { connect: [ids.tag] },
      })
    ).id;
    ids.privateB = (
      await m.project.create(ctx, { organizationId: orgB.id, name: 'Secret B', tags: { connect: [ids.tag] } })
    ).id;
    ids.releaseA = (await m.release.create(ctx, { projectId: ids.privateA, semver: '1.0.0' })).id;
  });

  /** The project row as the system sees it: must not move when a call is refused. */
  const snapshot = async (id: string) => {
    const { rows } = await sql<Record<string, unknown>>`select * from project where id = ${id}::uuid`.execute(
      app.database.db,
    );
    return rows[0];
  };

  const expectations: Record<string, Record<Role, Outcome>> = {
    read: {
      superadmin: 'ok',
      ownerA: 'ok',
      adminA: 'ok',
      memberA: 'ok',
      viewerA: 'ok',
      ownerB: 'NOT_FOUND',
      outsider: 'NOT_FOUND',
      signedOut: 'UNAUTHORIZED',
    },
    create: {
      superadmin: 'ok',
      ownerA: 'ok',
      adminA: 'ok',
      memberA: 'ok',
      viewerA: 'FORBIDDEN',
      ownerB: 'FORBIDDEN',
      outsider: 'FORBIDDEN',
      signedOut: 'UNAUTHORIZED',
    },
    update: {
      superadmin: 'ok',
      ownerA: 'ok',
      adminA: 'ok',
      memberA: 'ok',
      viewerA: 'FORBIDDEN',
      ownerB: 'NOT_FOUND',
      outsider: 'NOT_FOUND',
      signedOut: 'UNAUTHORIZED',
    },
    admin: {
      superadmin: 'ok',
      ownerA: 'ok',
      adminA: 'ok',
      memberA: 'FORBIDDEN',
      viewerA: 'FORBIDDEN',
      ownerB: 'NOT_FOUND',
      outsider: 'NOT_FOUND',
      signedOut: 'UNAUTHORIZED',
    },
  };

  describe.each(roles)('as %s', (role) => {
    const api = () => app.as(callers[role]);
    const fresh = async (name: string) =>
      (
        await app.system.managers.project.create(
          { db: app.database.db, caller: null },
          { organizationId: ids.orgA, name: `${name} ${role}` },
        )
      ).id;
    const refused = (o: Outcome) => o !== 'ok';

    it('get / list / count of a private project of tenant A', async () => {
      const expected = expectations.read![role];
      expect(await outcome(() => api().project.get({ id: ids.privateA }))).toBe(expected);
      if (role === 'signedOut') {
        expect(await outcome(() => api().project.list({}))).toBe('UNAUTHORIZED');
        expect(await outcome(() => api().project.count({}))).toBe('UNAUTHORIZED');
        return;
      }
      const names = (await api().project.list({ limit: 100 })).items.map((p) => p.name);
      expect(names.includes('Secret A')).toBe(expected === 'ok');
      expect(names.includes('Open B')).toBe(true); // public: anyone signed in
      expect(names.includes('Secret B')).toBe(role === 'superadmin' || role === 'ownerB');
      expect(await api().project.count({ where: { id: ids.privateA } })).toBe(expected === 'ok' ? 1 : 0);
      expect(await outcome(() => api().release.get({ id: ids.releaseA }))).toBe(expected);
    });

    it('create in tenant A', async () => {
      const expected = expectations.create![role];
      const before = await app.system.managers.project.count(
        { db: app.database.db, caller: null },
        { where: { organizationId: ids.orgA } },
      );
      expect(
        await outcome(() => api().project.create({ organizationId: ids.orgA, name: `Created by ${role}` })),
      ).toBe(expected);
      expect(
        await outcome(() =>
          api().project.createMany([{ organizationId: ids.orgA, name: `Many by ${role}` }]),
        ),
      ).toBe(expected);
      const after = await app.system.managers.project.count(
        { db: app.database.db, caller: null },
        { where: { organizationId: ids.orgA } },
      );
      expect(after - before).toBe(refused(expected) ? 0 : 2);
    });

    it('update, connect and disconnect', async () => {
      const expected = expectations.update![role];
      const id = await fresh('Update');
      const before = await snapshot(id);
      expect(await outcome(() => api().project.update({ id, data: { description: 'changed' } }))).toBe(
        expected,
      );
      expect(await outcome(() => api().project.connect({ id, relation: 'tags', ids: [ids.tag] }))).toBe(
        expected,
      );
      expect(await outcome(() => api().project.disconnect({ id, relation: 'tags', ids: [ids.tag] }))).toBe(
        expected,
      );
      if (refused(expected)) {
        expect(await snapshot(id)).toEqual(before);
        const { rows } =
          await sql`select count(*)::int as n from project_tag where project_id = ${id}::uuid`.execute(
            app.database.db,
          );
        expect(rows[0]).toEqual({ n: 0 });
      } else {
        expect((await snapshot(id))?.description).toBe('changed');
      }
      if (role !== 'signedOut') {
        const r = await api().project.updateMany({
          where: { id: { in: [id] } },
          data: { description: 'bulk' },
        });
        expect(r.count).toBe(refused(expected) ? 0 : 1);
      }
    });

    it('archive, restore and delete', async () => {
      const expected = expectations.admin![role];
      const id = await fresh('Admin');
      const before = await snapshot(id);
      expect(await outcome(() => api().project.archive({ id }))).toBe(expected);
      expect(await outcome(() => api().project.restore({ id }))).toBe(expected);
      expect(await outcome(() => api().project.delete({ id }))).toBe(expected);
      if (refused(expected)) expect(await snapshot(id)).toEqual(before);
      else expect(await snapshot(id)).toBeUndefined();
      if (role !== 'signedOut') {
        const other = await fresh('Bulk delete');
        const r = await api().project.deleteMany({ where: { id: { in: [other] } } });
        expect(r.count).toBe(refused(expected) ? 0 : 1);
      }
    });
  });

  it('includes and relation filters never reveal another tenant', async () => {
    const asB = app.as(callers.ownerB);
    const tags = await asB.tag.list({ include: { projects: true }, where: { label: 'shared-tag' } });
    const seen = (tags.items[0] as unknown as { projects: { name: string }[] }).projects
      .map((p) => p.name)
      .sort();
    expect(seen).toEqual(['Open B', 'Secret B']);
    expect(await asB.tag.count({ where: { projects: { some: { name: 'Secret A' } } } })).toBe(0);
    const org = (await asB.organization.get({ id: ids.orgB, include: { projects: true } })) as unknown as {
      projects: unknown[];
    };
    expect(org.projects).toHaveLength(2);
    const releases = await asB.release.list({ include: { project: true }, limit: 100 });
    expect(releases.items.some((r) => r.projectId === ids.privateA)).toBe(false);
    // a public project of a tenant the caller cannot read: the project, yes; its organization, null
    const open = (await app
      .as(callers.outsider)
      .project.get({ id: ids.publicB, include: { organization: true } })) as unknown as {
      name: string;
      organization: unknown;
    };
    expect(open).toMatchObject({ name: 'Open B', organization: null });
    // ordering by a related row's field does not probe hidden rows either
    expect(await outcome(() => asB.project.get({ id: ids.privateA, include: { releases: true } }))).toBe(
      'NOT_FOUND',
    );
  });

  it('field rules: only a superadmin sets a platform role', async () => {
    const self = callers.memberA!;
    expect(
      await outcome(() => app.as(self).user.update({ id: self.userId, data: { role: 'superadmin' } })),
    ).toBe('FORBIDDEN');
    expect(
      await outcome(() => app.as(self).user.update({ id: self.userId, data: { displayName: 'Renamed' } })),
    ).toBe('ok');
    const { rows } = await sql<{
      role: string;
    }>`select role from app_user where id = ${self.userId}::uuid`.execute(app.database.db);
    expect(rows[0]?.role).toBe('user');
  });

  it('never returns nor accepts the password hash', async () => {
    await setPassword(app.database.db, callers.memberA!.userId, 'a-long-password');
    const me = await app.as(callers.memberA).user.get({ id: callers.memberA!.userId });
    expect(Object.keys(me)).not.toContain('passwordHash');
    await expect(
      app.api.user.update({ id: callers.memberA!.userId, data: { passwordHash: 'x' } as never }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe.each(testEngines())('sign-in and tokens on %s', (engine) => {
  const app = useApp(engine);
  const key = new TextEncoder().encode(testTokenSecret);
  /** A token signed with the right key, with the claims given (and only those). */
  const signed = (claims: { sub?: string; sid?: string; exp?: number; iat?: boolean }) => {
    const jwt = new SignJWT(claims.sid ? { sid: claims.sid } : {}).setProtectedHeader({ alg: 'HS256' });
    jwt.setIssuer('typecrud');
    if (claims.sub) jwt.setSubject(claims.sub);
    if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
    if (claims.iat !== false) jwt.setIssuedAt();
    return jwt.sign(key);
  };
  const sidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;

  it('signs in with the right password only, and the token identifies the caller and its session', async () => {
    const anon = app.as(null);
    await expect(
      anon.auth.signIn({ email: 'superadmin@test.local', password: 'wrong-password' }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'invalid email or password' });
    await expect(
      anon.auth.signIn({ email: 'nobody@test.local', password: 'wrong-password' }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'invalid email or password' });
    const { token, user, refreshToken, expiresAt } = await anon.auth.signIn({
      email: 'SuperAdmin@test.local ',
      password: 'admin-password-for-tests',
    });
    expect(user.email).toBe('superadmin@test.local');
    expect(refreshToken).toMatch(/^[\w-]{43}$/);
    // short-lived by default (15 minutes)
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(890_000);
    expect(expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(900_000);
    const ctx = await createRequestContext(app.services, `Bearer ${token}`);
    expect(ctx.caller).toEqual({
      userId: app.adminId,
      superadmin: true,
      memberships: [],
      sessionId: sidOf(token),
    });
    // the refresh token is stored as its SHA-256 only
    const { rows } = await sql<{ token_hash: string }>`select token_hash from auth_session
      where family_id = ${sidOf(token)}::uuid`.execute(app.database.db);
    expect(rows.map((r) => r.token_hash)).toEqual([createHash('sha256').update(refreshToken).digest('hex')]);
  });

  it('refuses expired, tampered, foreign, malformed tokens and tokens without exp, iat or session', async () => {
    const { token } = await startSession(app.services, app.adminId);
    const sid = sidOf(token);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: crypto.randomUUID(), sid, iss: 'typecrud', exp: 9999999999, iat: 1 })).toString('base64url')}.${s}`;
    const expired = await signed({ sub: app.adminId, sid, exp: Math.floor(Date.now() / 1000) - 60 });
    const foreign = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(app.adminId)
      .setIssuer('typecrud')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-0123'));
    const noExp = await signed({ sub: app.adminId, sid });
    const noIat = await signed({
      sub: app.adminId,
      sid,
      exp: Math.floor(Date.now() / 1000) + 600,
      iat: false,
    });
    const noSid = await signed({ sub: app.adminId, exp: Math.floor(Date.now() / 1000) + 600 });
    const unknownSid = await signed({
      sub: app.adminId,
      sid: crypto.randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    // a live session of someone else does not lend itself to another subject
    const otherUser = await app.api.user.create({ email: 'borrower@test.local', displayName: 'Borrower' });
    const borrowed = await signed({ sub: otherUser.id, sid, exp: Math.floor(Date.now() / 1000) + 600 });
    for (const [header, message] of [
      [`Bearer ${tampered}`, 'the token is not valid'],
      [`Bearer ${expired}`, 'the token has expired'],
      [`Bearer ${foreign}`, 'the token is not valid'],
      [`Bearer ${noExp}`, 'the token is not valid'],
      [`Bearer ${noIat}`, 'the token is not valid'],
      [`Bearer ${noSid}`, 'the token is not valid'],
      [`Bearer ${unknownSid}`, 'the session of this token has ended'],
      [`Bearer ${borrowed}`, 'the session of this token has ended'],
      ['Bearer', 'the authorization header must be "Bearer <token>"'],
      [`Basic ${p}`, 'the authorization header must be "Bearer <token>"'],
    ] as const) {
      await expect(createRequestContext(app.services, header), header).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message,
      });
    }
    // the genuine token still works
    expect((await createRequestContext(app.services, `Bearer ${token}`)).caller?.userId).toBe(app.adminId);
  });

  it('reuses a verified caller while nothing it depends on changed, never past the token expiry', async () => {
    const cache = memoryCacheStore();
    const services = createAppServices(app.database, {
      tokenSecret: testTokenSecret,
      callerCacheMs: 60_000,
      cache,
    });
    const { token } = await startSession(services, app.adminId);
    const first = await app.database.counter.measure(() => createRequestContext(services, `Bearer ${token}`));
    const again = await app.database.counter.measure(() => createRequestContext(services, `Bearer ${token}`));
    expect([first.statements, again.statements]).toEqual([1, 0]);
    expect(again.result.caller).toEqual(first.result.caller);
    // any committed change of a user, membership or session moves a generation: the next call reads afresh
    await services.managers.user.update(app.ctx, { id: app.adminId, data: { displayName: 'Renamed' } });
    const after = await app.database.counter.measure(() => createRequestContext(services, `Bearer ${token}`));
    expect(after.statements).toBe(1);
    // a token that expires in a second is not reused after it expires, whatever the cache's lifetime
    const short = await signed({
      sub: app.adminId,
      sid: sidOf(token),
      exp: Math.floor(Date.now() / 1000) + 1,
    });
    await createRequestContext(services, `Bearer ${short}`);
    await new Promise((r) => setTimeout(r, 2100));
    await expect(createRequestContext(services, `Bearer ${short}`)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'the token has expired',
    });
  });

  it('a token of a removed user is refused', async () => {
    const u = await app.api.user.create({ email: 'leaver@test.local', displayName: 'Leaver' });
    const { token } = await startSession(app.services, u.id);
    expect((await createRequestContext(app.services, `Bearer ${token}`)).caller?.userId).toBe(u.id);
    await app.api.user.archive({ id: u.id });
    await expect(createRequestContext(app.services, `Bearer ${token}`)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });
});
