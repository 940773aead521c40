import { demoPassword } from '@typecrud/demo/server';
import { type CacheStore, memoryCacheStore, redisCacheStore } from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { type Answer, dataOf, errorsOf, mutate, query } from './http.js';

const secret = new TextEncoder().encode('e2e-token-secret-0123456789abcdefgh');
const now = () => Math.floor(Date.now() / 1000);

interface Tokens {
  token: string;
  refreshToken: string;
  expiresAt: Date;
  refreshExpiresAt: Date;
}

const signInAs = async (url: string, email: string, password = demoPassword) =>
  dataOf<Tokens & { user: { id: string } }>(await mutate(url, 'auth.signIn', { email, password }));
const refresh = (url: string, refreshToken: string) => mutate(url, 'auth.refresh', { refreshToken });
const me = (url: string, token: string) => query(url, 'auth.me', undefined, { token });
const sidOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;

/** The answer is a 401 UNAUTHORIZED with this message. */
function unauthorized(answer: Answer, message?: string | RegExp) {
  expect(answer.status, answer.text).toBe(401);
  const error = errorsOf(answer)[0]!;
  expect(error.data.code).toBe('UNAUTHORIZED');
  if (message) expect(error.message).toMatch(message);
}

function ok(answer: Answer) {
  expect(answer.status, answer.text).toBe(200);
  return answer;
}

/** Revocation state of a session's refresh tokens, straight from the table. */
async function familyRows(server: TestServer, sid: string) {
  const { rows } = await sql<{ rotated: boolean; revoked: boolean }>`
    select rotated_at is not null as rotated, revoked_at is not null as revoked from auth_session
    where family_id = ${sid}::uuid order by created_at, rotated_at nulls last`.execute(server.database.db);
  return rows;
}

describe.each(testEngines())('sessions and revocation over HTTP, on %s', (engine) => {
  let server: TestServer;
  let superadmin: string;
  const userIds = new Map<string, string>();

  beforeAll(async () => {
    // the caller cache on, as `serve` runs it: every revocation must get past it at once
    server = await startTestServer(engine, {
      seed: true,
      services: { cache: memoryCacheStore(), callerCacheMs: 60_000 },
    });
    superadmin = (await signInAs(server.url, server.admin.email, server.admin.password)).token;
    const { rows } = await sql<{ id: string; email: string }>`select id, email from app_user`.execute(
      server.database.db,
    );
    for (const r of rows) userIds.set(r.email, r.id);
  });
  afterAll(() => server?.close());

  it('access tokens must carry exp (and iat and a session); expired ones are refused', async () => {
    const { token } = await signInAs(server.url, 'ada@acme.test');
    const sid = sidOf(token);
    const sub = userIds.get('ada@acme.test')!;
    const base = () =>
      new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer('typecrud');
    const noExp = await base().setIssuedAt().sign(secret);
    const expired = await base()
      .setIssuedAt(now() - 120)
      .setExpirationTime(now() - 60)
      .sign(secret);
    const noSid = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer('typecrud')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(secret);
    unauthorized(await me(server.url, noExp), 'the token is not valid');
    unauthorized(await me(server.url, expired), 'the token has expired');
    unauthorized(await me(server.url, noSid), 'the token is not valid');
    // the same claims with exp, on a live session: accepted
    const good = await base().setIssuedAt().setExpirationTime('10m').sign(secret);
    ok(await me(server.url, good));
    // the issued token is short-lived (the 15-minute default) and says when
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    expect(exp - now()).toBeGreaterThan(880);
    expect(exp - now()).toBeLessThanOrEqual(900);
  });

  it('a refresh rotates both tokens; a replayed refresh token ends the whole session', async () => {
    const first = await signInAs(server.url, 'bob@acme.test');
    const sid = sidOf(first.token);
    ok(await me(server.url, first.token));
    const second = dataOf<Tokens>(ok(await refresh(server.url, first.refreshToken)));
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.token).not.toBe(first.token);
    expect(sidOf(second.token)).toBe(sid);
    ok(await me(server.url, second.token));
    expect(await familyRows(server, sid)).toEqual([
      { rotated: true, revoked: false },
      { rotated: false, revoked: false },
    ]);
    const third = dataOf<Tokens>(ok(await refresh(server.url, second.refreshToken)));
    ok(await me(server.url, third.token));

    // the first refresh token again: a replay. Refused, and every token of the session with it
    unauthorized(await refresh(server.url, first.refreshToken), /used already/);
    unauthorized(await refresh(server.url, third.refreshToken));
    for (const t of [first.token, second.token, third.token])
      unauthorized(await me(server.url, t), 'the session of this token has ended');
    expect((await familyRows(server, sid)).every((r) => r.revoked)).toBe(true);
    // another session of the same user is not touched
    const other = await signInAs(server.url, 'bob@acme.test');
    ok(await me(server.url, other.token));
    // nonsense is refused without harming anyone
    unauthorized(await refresh(server.url, 'not-a-refresh-token'), /not valid/);
    const bad = await mutate(server.url, 'auth.refresh', { refreshToken: '' });
    expect(bad.status).toBe(400);
    expect(errorsOf(bad)[0]!.data.typecrud?.issues?.[0]?.path).toEqual(['refreshToken']);
  });

  it('signOut refuses the access token at once (past the caller cache) and its refresh token', async () => {
    const a = await signInAs(server.url, 'cleo@acme.test');
    const b = await signInAs(server.url, 'cleo@acme.test');
    ok(await me(server.url, a.token)); // cached now
    ok(await me(server.url, a.token));
    const out = dataOf<{ sessions: number }>(
      ok(await mutate(server.url, 'auth.signOut', {}, { token: a.token })),
    );
    expect(out.sessions).toBe(1);
    unauthorized(await me(server.url, a.token), 'the session of this token has ended');
    unauthorized(await refresh(server.url, a.refreshToken));
    ok(await me(server.url, b.token));
    // everywhere: every session of the user
    const c = await signInAs(server.url, 'cleo@acme.test');
    ok(await mutate(server.url, 'auth.signOut', { everywhere: true }, { token: c.token }));
    unauthorized(await me(server.url, b.token));
    unauthorized(await me(server.url, c.token));
    unauthorized(await refresh(server.url, b.refreshToken));
  });

  it('changePassword ends every other session at once; the current one goes on', async () => {
    const email = 'password-changer@acme.test';
    const user = dataOf<{ id: string }>(
      ok(await mutate(server.url, 'user.create', { email, displayName: 'Changer' }, { token: superadmin })),
    );
    ok(
      await mutate(
        server.url,
        'auth.setPassword',
        { userId: user.id, password: 'first-password' },
        { token: superadmin },
      ),
    );
    const here = await signInAs(server.url, email, 'first-password');
    const elsewhere = await signInAs(server.url, email, 'first-password');
    ok(await me(server.url, elsewhere.token)); // cached
    // a wrong current password is a field error that changes nothing and ends no session
    const wrong = await mutate(
      server.url,
      'auth.changePassword',
      { currentPassword: 'not-the-password', newPassword: 'second-password' },
      { token: here.token },
    );
    expect(wrong.status, wrong.text).toBe(400);
    expect(errorsOf(wrong)[0]!.data.typecrud?.issues).toEqual([
      { path: ['currentPassword'], message: 'is not right' },
    ]);
    ok(await me(server.url, here.token));
    ok(await me(server.url, elsewhere.token));
    // the password is unchanged: it still signs in (a third session, ended by the change below too)
    ok(await mutate(server.url, 'auth.signIn', { email, password: 'first-password' }));
    const changed = await mutate(
      server.url,
      'auth.changePassword',
      { currentPassword: 'first-password', newPassword: 'second-password' },
      { token: here.token },
    );
    expect(dataOf<{ sessionsEnded: number }>(ok(changed)).sessionsEnded).toBe(2);
    unauthorized(await me(server.url, elsewhere.token), 'the session of this token has ended');
    unauthorized(await refresh(server.url, elsewhere.refreshToken));
    ok(await me(server.url, here.token));
    ok(await refresh(server.url, here.refreshToken));
    unauthorized(await mutate(server.url, 'auth.signIn', { email, password: 'first-password' }));
    await signInAs(server.url, email, 'second-password');
  });

  it("a demoted member's next call sees the new role at once", async () => {
    const ada = (await signInAs(server.url, 'ada@acme.test')).token;
    const bob = await signInAs(server.url, 'bob@acme.test');
    const acme = dataOf<{ items: { id: string }[] }>(
      await query(server.url, 'organization.list', { where: { slug: 'acme' } }, { token: ada }),
    ).items[0]!.id;
    const createProject = (name: string) =>
      mutate(server.url, 'project.create', { organizationId: acme, name }, { token: bob.token });
    ok(await createProject('before demotion')); // bob is a member: allowed, and his caller cached
    const roleOf = async () =>
      dataOf<{ memberships: { tenantId: string; role: string }[] }>(
        await me(server.url, bob.token),
      ).memberships.find((m) => m.tenantId === acme)?.role;
    expect(await roleOf()).toBe('member');
    const membership = dataOf<{ items: { id: string }[] }>(
      await query(
        server.url,
        'membership.list',
        { where: { userId: bob.user.id, organizationId: acme } },
        { token: ada },
      ),
    ).items[0]!;
    ok(
      await mutate(
        server.url,
        'membership.update',
        { id: membership.id, data: { role: 'viewer' } },
        { token: ada },
      ),
    );
    expect(await roleOf()).toBe('viewer');
    const refused = await createProject('after demotion');
    expect(refused.status).toBe(403);
    const { rows } = await sql`select 1 from project where name = 'after demotion'`.execute(
      server.database.db,
    );
    expect(rows).toHaveLength(0);
  });

  it('an archived user is refused at once, access and refresh alike', async () => {
    const email = 'soon-archived@acme.test';
    const user = dataOf<{ id: string }>(
      ok(await mutate(server.url, 'user.create', { email, displayName: 'Leaver' }, { token: superadmin })),
    );
    ok(
      await mutate(
        server.url,
        'auth.setPassword',
        { userId: user.id, password: 'leaver-password' },
        { token: superadmin },
      ),
    );
    const session = await signInAs(server.url, email, 'leaver-password');
    ok(await me(server.url, session.token)); // cached
    ok(await mutate(server.url, 'user.archive', { id: user.id }, { token: superadmin }));
    unauthorized(await me(server.url, session.token));
    unauthorized(await refresh(server.url, session.refreshToken));
    unauthorized(await mutate(server.url, 'auth.signIn', { email, password: 'leaver-password' }));
  });
});

describe.each(testEngines())('membership by invitation over HTTP, on %s', (engine) => {
  let server: TestServer;
  let ada: string; // owner of acme
  let bob: string; // member of acme
  let gus: string; // owner of globex: the invitee
  let gusId: string;
  let acme: string;
  let invitation: string;
  let privateProject: string;

  beforeAll(async () => {
    server = await startTestServer(engine, {
      seed: true,
      services: { cache: memoryCacheStore(), callerCacheMs: 60_000 },
    });
    ada = (await signInAs(server.url, 'ada@acme.test')).token;
    bob = (await signInAs(server.url, 'bob@acme.test')).token;
    const g = await signInAs(server.url, 'gus@globex.test');
    gus = g.token;
    gusId = g.user.id;
    acme = dataOf<{ items: { id: string }[] }>(
      await query(server.url, 'organization.list', { where: { slug: 'acme' } }, { token: ada }),
    ).items[0]!.id;
    privateProject = dataOf<{ items: { id: string }[] }>(
      await query(
        server.url,
        'project.list',
        { where: { organizationId: acme, isPublic: false } },
        { token: ada },
      ),
    ).items[0]!.id;
  });
  afterAll(() => server?.close());

  const statusOf = async (id: string) => {
    const { rows } = await sql<{
      status: string;
      role: string;
    }>`select status, role from membership where id = ${id}::uuid`.execute(server.database.db);
    return rows[0];
  };

  it('adding a user is an invitation, whatever status the inviter sends', async () => {
    ok(await me(server.url, gus)); // gus's caller is cached without acme
    const created = await mutate(
      server.url,
      'membership.create',
      { organizationId: acme, userId: gusId, role: 'admin', status: 'active' },
      { token: ada },
    );
    invitation = dataOf<{ id: string; status: string }>(ok(created)).id;
    expect(await statusOf(invitation)).toEqual({ status: 'invited', role: 'admin' });
    // nor can the inviter activate it afterwards
    const forced = await mutate(
      server.url,
      'membership.update',
      { id: invitation, data: { status: 'active' } },
      { token: ada },
    );
    expect(forced.status).toBe(403);
    expect(errorsOf(forced)[0]!.data.typecrud?.issues?.[0]?.path).toEqual(['status']);
    expect(await statusOf(invitation)).toEqual({ status: 'invited', role: 'admin' });
  });

  it('bulk writes cannot skip the consent either: createMany invites, updateMany cannot activate', async () => {
    const email = 'bulk-invitee@acme.test';
    const admin = (await signInAs(server.url, server.admin.email, server.admin.password)).token;
    const invitee = dataOf<{ id: string }>(
      ok(await mutate(server.url, 'user.create', { email, displayName: 'Bulk' }, { token: admin })),
    ).id;
    ok(
      await mutate(
        server.url,
        'membership.createMany',
        [{ organizationId: acme, userId: invitee, role: 'viewer', status: 'active' }],
        { token: ada },
      ),
    );
    const { rows } = await sql<{ id: string; status: string }>`select id, status from membership
      where user_id = ${invitee}::uuid`.execute(server.database.db);
    expect(rows.map((r) => r.status)).toEqual(['invited']);
    const forced = await mutate(
      server.url,
      'membership.updateMany',
      { where: { organizationId: acme }, data: { status: 'active' } },
      { token: ada },
    );
    expect(forced.status).toBe(403);
    expect(await statusOf(rows[0]!.id)).toEqual({ status: 'invited', role: 'viewer' });
    expect(await statusOf(invitation)).toEqual({ status: 'invited', role: 'admin' });
  });

  it('until accepted, the invitee has no access to the organization', async () => {
    const mine = dataOf<{ memberships: { tenantId: string }[] }>(await me(server.url, gus)).memberships;
    expect(mine.map((m) => m.tenantId)).not.toContain(acme);
    expect((await query(server.url, 'project.get', { id: privateProject }, { token: gus })).status).toBe(404);
    expect((await query(server.url, 'organization.get', { id: acme }, { token: gus })).status).toBe(404);
    const listed = dataOf<{ items: unknown[] }>(
      await query(
        server.url,
        'project.list',
        { where: { organizationId: acme, isPublic: false } },
        { token: gus },
      ),
    );
    expect(listed.items).toEqual([]);
    // but the invitee sees the invitation itself
    const invitations = dataOf<{ items: { id: string; status: string }[] }>(
      await query(
        server.url,
        'membership.list',
        { where: { userId: gusId, status: 'invited' } },
        { token: gus },
      ),
    );
    expect(invitations.items.map((m) => m.id)).toEqual([invitation]);
  });

  it("until accepted, the inviter cannot read the invitee's user row or profile", async () => {
    const got = await query(server.url, 'user.get', { id: gusId }, { token: ada });
    expect(got.status).toBe(404);
    // hidden and missing answer alike
    const missing = await query(
      server.url,
      'user.get',
      { id: '00000000-0000-4000-8000-000000000000' },
      { token: ada },
    );
    expect(missing.status).toBe(404);
    const users = dataOf<{ items: unknown[] }>(
      await query(server.url, 'user.list', { where: { id: gusId } }, { token: ada }),
    );
    expect(users.items).toEqual([]);
    const profiles = dataOf<{ items: unknown[] }>(
      await query(server.url, 'profile.list', { where: { userId: gusId } }, { token: ada }),
    );
    expect(profiles.items).toEqual([]);
    // nor through the membership row
    const withUser = dataOf<{ user: unknown }>(
      await query(server.url, 'membership.get', { id: invitation, include: { user: true } }, { token: ada }),
    );
    expect(withUser.user).toBeNull();
  });

  it('only the invited user accepts: anyone else gets NOT_FOUND and the row stays invited', async () => {
    for (const [who, token] of [
      ['inviter', ada],
      ['member', bob],
    ] as const) {
      const answer = await mutate(server.url, 'membership.accept', { id: invitation }, { token });
      expect(answer.status, who).toBe(404);
      expect(errorsOf(answer)[0]!.data.code).toBe('NOT_FOUND');
      expect(await statusOf(invitation)).toEqual({ status: 'invited', role: 'admin' });
    }
    const unknown = await mutate(
      server.url,
      'membership.accept',
      { id: '00000000-0000-4000-8000-000000000000' },
      { token: gus },
    );
    expect(unknown.status).toBe(404);
    const bad = await mutate(server.url, 'membership.accept', { id: 'nope' }, { token: gus });
    expect(bad.status).toBe(400);
    expect(errorsOf(bad)[0]!.data.typecrud?.issues?.[0]?.path).toEqual(['id']);
  });

  it('once accepted, the membership counts at once, both ways', async () => {
    const accepted = dataOf<{ status: string; role: string }>(
      ok(await mutate(server.url, 'membership.accept', { id: invitation }, { token: gus })),
    );
    expect(accepted).toMatchObject({ status: 'active', role: 'admin' });
    // gus's cached caller is dropped: the next call has the membership
    const mine = dataOf<{ memberships: { tenantId: string; role: string }[] }>(
      await me(server.url, gus),
    ).memberships;
    expect(mine).toContainEqual({ tenantId: acme, role: 'admin' });
    ok(await query(server.url, 'project.get', { id: privateProject }, { token: gus }));
    ok(await query(server.url, 'user.get', { id: gusId }, { token: ada }));
    // accepting twice: nothing left to accept
    expect((await mutate(server.url, 'membership.accept', { id: invitation }, { token: gus })).status).toBe(
      404,
    );
    // the audit log names the invitee as the one who accepted
    const { rows } = await sql<{ actor_id: string }>`select actor_id from audit_entry
      where entity = 'membership' and entity_id = ${invitation}::uuid and action = 'update'`.execute(
      server.database.db,
    );
    expect(rows.map((r) => r.actor_id)).toEqual([gusId]);
  });

  it('an invited user may decline (delete) their invitation; nobody else but the admins may', async () => {
    const cleoId = dataOf<{ user: { id: string } }>(
      await mutate(server.url, 'auth.signIn', { email: 'cleo@acme.test', password: demoPassword }),
    ).user.id;
    const globex = dataOf<{ items: { id: string }[] }>(
      await query(server.url, 'organization.list', { where: { slug: 'globex' } }, { token: gus }),
    ).items[0]!.id;
    const inv = dataOf<{ id: string }>(
      ok(
        await mutate(
          server.url,
          'membership.create',
          { organizationId: globex, userId: cleoId, role: 'viewer' },
          { token: gus },
        ),
      ),
    ).id;
    // bob, neither invitee nor globex admin
    expect((await mutate(server.url, 'membership.delete', { id: inv }, { token: bob })).status).toBe(404);
    expect(await statusOf(inv)).toEqual({ status: 'invited', role: 'viewer' });
    const cleo = (await signInAs(server.url, 'cleo@acme.test')).token;
    ok(await mutate(server.url, 'membership.delete', { id: inv }, { token: cleo }));
    expect(await statusOf(inv)).toBeUndefined();
  });
});

/** Two API instances over one database, as behind a load balancer. */
describe.each(testEngines())('revocation on every instance, on %s', (engine) => {
  let one: TestServer;
  let two: TestServer;
  const stores: CacheStore[] = [];
  // with Redis, both instances cache callers, validated by the generations they share in Redis;
  // without it, as `serve` does on PostgreSQL, callers are read from the database on every request
  const redisUrl = process.env.TEST_REDIS_URL;
  const prefix = `typecrud-test-${crypto.randomUUID()}:`;
  const cacheOptions = () => {
    if (!redisUrl) return { callerCacheMs: 0 };
    const cache = redisCacheStore(redisUrl, prefix);
    stores.push(cache);
    return { cache, callerCacheMs: 60_000 };
  };

  beforeAll(async () => {
    one = await startTestServer(engine, { seed: true, services: cacheOptions() });
    two = await startTestServer(engine, { database: one.database, services: cacheOptions() });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    for (const s of stores) await s.close();
  });

  it('a sign-out on one instance refuses the token on the other at once', async () => {
    const session = await signInAs(one.url, 'bob@acme.test');
    ok(await me(one.url, session.token));
    ok(await me(two.url, session.token));
    ok(await me(two.url, session.token));
    ok(await mutate(one.url, 'auth.signOut', {}, { token: session.token }));
    unauthorized(await me(two.url, session.token), 'the session of this token has ended');
    unauthorized(await me(one.url, session.token));
    unauthorized(await refresh(two.url, session.refreshToken));
  });

  it('a password change on one instance ends the other sessions on the other', async () => {
    const admin = (await signInAs(one.url, one.admin.email, one.admin.password)).token;
    const email = 'two-instances@acme.test';
    const user = dataOf<{ id: string }>(
      ok(await mutate(one.url, 'user.create', { email, displayName: 'Two' }, { token: admin })),
    );
    ok(
      await mutate(
        one.url,
        'auth.setPassword',
        { userId: user.id, password: 'first-password' },
        { token: admin },
      ),
    );
    const here = await signInAs(two.url, email, 'first-password');
    const there = await signInAs(one.url, email, 'first-password');
    ok(await me(one.url, there.token));
    ok(await me(two.url, there.token));
    ok(
      await mutate(
        two.url,
        'auth.changePassword',
        { currentPassword: 'first-password', newPassword: 'second-password' },
        { token: here.token },
      ),
    );
    unauthorized(await me(one.url, there.token));
    unauthorized(await me(two.url, there.token));
    ok(await me(one.url, here.token));
  });

  it('a role change on one instance is seen on the other at once', async () => {
    const ada = (await signInAs(one.url, 'ada@acme.test')).token;
    const cleo = await signInAs(two.url, 'cleo@acme.test');
    const acme = dataOf<{ items: { id: string }[] }>(
      await query(one.url, 'organization.list', { where: { slug: 'acme' } }, { token: ada }),
    ).items[0]!.id;
    const roleOn = async (url: string) =>
      dataOf<{ memberships: { tenantId: string; role: string }[] }>(
        await me(url, cleo.token),
      ).memberships.find((m) => m.tenantId === acme)?.role;
    expect([await roleOn(one.url), await roleOn(two.url)]).toEqual(['viewer', 'viewer']);
    const membership = dataOf<{ items: { id: string }[] }>(
      await query(
        one.url,
        'membership.list',
        { where: { userId: cleo.user.id, organizationId: acme } },
        { token: ada },
      ),
    ).items[0]!;
    ok(
      await mutate(
        one.url,
        'membership.update',
        { id: membership.id, data: { role: 'member' } },
        { token: ada },
      ),
    );
    expect([await roleOn(two.url), await roleOn(one.url)]).toEqual(['member', 'member']);
    ok(await mutate(two.url, 'membership.delete', { id: membership.id }, { token: ada }));
    expect([await roleOn(one.url), await roleOn(two.url)]).toEqual([undefined, undefined]);
  });
});
