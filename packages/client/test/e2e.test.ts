import { startTestServer, type TestServer } from '@typecrud/api/testing';
import { type AppRouter, type SessionTokens, startSession } from '@typecrud/demo/server';
import { testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError, createClient, fieldErrors, refreshingToken, type TypecrudClient } from '../src/index.js';

/** The error a rejected call carries, structured. */
async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (e) {
    const err = callError(e);
    if (!err) throw e;
    return err;
  }
  throw new Error('the call succeeded');
}

describe.each(testEngines())('the typed client over HTTP on %s', (engine) => {
  let server: TestServer;
  let api: TypecrudClient<AppRouter>;
  let requests = 0;
  let token: string | null = null;

  beforeAll(async () => {
    server = await startTestServer(engine, {
      seed: true,
      limits: { MAX_BATCH_SIZE: 5, BODY_LIMIT: 64 * 1024 },
      beforeListen: (app) =>
        app.addHook('onRequest', async () => {
          requests++;
        }),
    });
    api = createClient<AppRouter>({ url: server.url, token: () => token });
    token = (await api.auth.signIn.mutate({ email: server.admin.email, password: server.admin.password }))
      .token;
  });
  afterAll(() => server?.close());

  it('reads with includes; Date and bigint arrive as themselves', async () => {
    const page = await api.project.list.query({
      where: { name: { in: ['Rocket', 'Anvil'] } },
      orderBy: [{ name: 'asc' }],
      include: { tags: true, organization: true, releases: { orderBy: { semver: 'desc' }, limit: 1 } },
      withTotal: true,
    });
    expect(page.total).toBe(2);
    expect(page.items.map((p) => p.name)).toEqual(['Anvil', 'Rocket']);
    const anvil = page.items[0]!;
    expect(anvil.organization?.slug).toBe('acme');
    expect(anvil.tags.map((t) => t.label).sort()).toEqual(['backend', 'frontend']);
    expect(anvil.releases).toHaveLength(1);
    expect(anvil.releases[0]!.semver).toBe('1.2.0');
    expect(typeof anvil.releases[0]!.downloads).toBe('bigint');
    expect(anvil.createdAt).toBeInstanceOf(Date);
  });

  it('batches calls made together into one request', async () => {
    const before = requests;
    const [a, b, c] = await Promise.all([
      api.tag.count.query(),
      api.organization.count.query(),
      api.project.count.query(),
    ]);
    expect(requests - before).toBe(1);
    expect([a, b, c]).toEqual([3, 2, 7]);
  });

  it('reports field errors by path, before anything is written', async () => {
    const org = (await api.organization.list.query({ where: { slug: 'acme' } })).items[0]!;
    const err = await failure(
      api.project.create.mutate({ organizationId: org.id, name: '   ', description: 'x'.repeat(5000) }),
    );
    expect(err.code).toBe('BAD_REQUEST');
    expect(
      fieldErrors(await api.project.create.mutate({ organizationId: 'nope', name: 'ok' }).catch((e) => e)),
    ).toEqual({
      organizationId: 'must be a uuid',
    });
    expect(err.issues).toEqual(
      expect.arrayContaining([
        { path: ['name'], message: 'must not be empty' },
        { path: ['description'], message: 'must be at most 4000 characters' },
      ]),
    );
    expect(await api.project.count.query({ where: { organizationId: org.id } })).toBe(5);
  });

  it('maps conflicts, missing rows and stale versions to typed errors', async () => {
    const dup = await failure(api.organization.create.mutate({ name: 'Again', slug: 'acme' }));
    expect(dup).toMatchObject({ code: 'CONFLICT', httpStatus: 409, fields: ['slug'] });
    const missing = await failure(api.project.get.query({ id: '00000000-0000-4000-8000-000000000000' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    const tag = await api.tag.create.mutate({ label: 'e2e' });
    const org = (await api.organization.list.query({ where: { slug: 'globex' } })).items[0]!;
    const project = await api.project.create.mutate({
      organizationId: org.id,
      name: 'Versioned',
      tags: { connect: [tag.id] },
    });
    await api.project.update.mutate({ id: project.id, data: { description: 'first' }, expectedVersion: 1 });
    const stale = await failure(
      api.project.update.mutate({ id: project.id, data: { description: 'second' }, expectedVersion: 1 }),
    );
    expect(stale).toMatchObject({ code: 'CONFLICT', currentVersion: 2, fields: ['version'] });
    expect((await api.project.get.query({ id: project.id })).description).toBe('first');
    const badRef = await failure(
      api.release.create.mutate({ projectId: '00000000-0000-4000-8000-000000000000', semver: '1.0.0' }),
    );
    expect(badRef).toMatchObject({ code: 'BAD_REQUEST', fields: ['projectId'] });
  });

  it('upserts over HTTP: one key, both branches, typed errors', async () => {
    const org = (await api.organization.list.query({ where: { slug: 'globex' } })).items[0]!;
    const key = { organizationId: org.id, name: 'Upserted over HTTP' };
    const made = await api.project.upsert.mutate({ where: key, create: key, update: { description: 'u' } });
    const again = await api.project.upsert.mutate({ where: key, create: key, update: { description: 'u' } });
    expect([again.id, made.description, again.description, again.version]).toEqual([made.id, null, 'u', 2]);
    const stale = await failure(
      api.project.upsert.mutate({
        where: key,
        create: key,
        update: { description: 'x' },
        expectedVersion: 1,
      }),
    );
    expect(stale).toMatchObject({ code: 'CONFLICT', currentVersion: 2, fields: ['version'] });
    const notKey = await failure(
      api.tag.upsert.mutate({
        where: { color: '#000000' } as never,
        create: { label: 'x' },
        update: { color: '#000000' },
      }),
    );
    expect(notKey).toMatchObject({ code: 'BAD_REQUEST' });
    expect(notKey.issues?.map((i) => i.path.join('.'))).toContain('where.color');
  });

  it('enforces the page, batch and body limits', async () => {
    const big = await failure(api.project.list.query({ limit: 1000 }));
    expect(big).toMatchObject({
      code: 'BAD_REQUEST',
      issues: [{ path: ['limit'], message: 'limit must be at most 100' }],
    });
    // six calls in one batch against a server maximum of five
    const direct = createClient<AppRouter>({ url: server.url, token: () => token, maxBatchSize: 10 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => direct.tag.count.query()));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const batchErr = callError((results[0] as PromiseRejectedResult).reason);
    expect(batchErr).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    const tooLarge = await failure(api.tag.create.mutate({ label: 'x'.repeat(100_000) }));
    expect(tooLarge).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    expect(await api.tag.count.query({ where: { label: { startsWith: 'xxx' } } })).toBe(0);
  });

  it('signed out, only sign-in answers; the health check reports the engine', async () => {
    const anonymous = createClient<AppRouter>({ url: server.url });
    expect(await failure(anonymous.project.list.query())).toMatchObject({
      code: 'UNAUTHORIZED',
      httpStatus: 401,
    });
    expect(
      await failure(createClient<AppRouter>({ url: server.url, token: 'forged' }).tag.count.query()),
    ).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok', engine });
  });

  it('a member sees their tenant and public data only', async () => {
    const bob = createClient<AppRouter>({
      url: server.url,
      token: async () =>
        (await api.auth.signIn.mutate({ email: 'bob@acme.test', password: 'demo-password' })).token,
    });
    const names = (await bob.project.list.query({ limit: 50 })).items.map((p) => p.name).sort();
    expect(names).toEqual(['Anvil', 'Catapult', 'Hammock', 'Magnet', 'Rocket', 'Tornado']);
    expect(
      await failure(
        bob.organization.delete.mutate({
          id: (await api.organization.list.query({ where: { slug: 'acme' } })).items[0]!.id,
        }),
      ),
    ).toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});

describe('sign-in rate limit and production errors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { limits: { SIGNIN_RATE_LIMIT: 3 } });
  });
  afterAll(() => server?.close());

  it('answers password guessing with TOO_MANY_REQUESTS', async () => {
    const api = createClient<AppRouter>({ url: server.url });
    for (let i = 0; i < 3; i++) {
      expect(
        await failure(api.auth.signIn.mutate({ email: server.admin.email, password: `guess-${i}` })),
      ).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    const limited = await failure(
      api.auth.signIn.mutate({ email: server.admin.email, password: server.admin.password }),
    );
    expect(limited).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect(limited.message).toMatch(/too many sign-in attempts/);
  });

  it('in production, an internal error tells nothing of SQL or stacks', async () => {
    const { token } = await startSession(server.services, server.admin.id);
    const api = createClient<AppRouter>({ url: server.url, token });
    await server.database.db.schema.dropTable('release').execute();
    const dev = await failure(api.release.count.query()).catch((e) => e);
    expect(dev).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    Object.assign(server.services, { production: true });
    const raw = await fetch(`${server.url}/trpc/release.count`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = JSON.stringify(await raw.json());
    expect(raw.status).toBe(500);
    expect(body).toContain('internal error');
    // only the procedure's path names anything of the server: no SQL, no table, no stack
    expect(body).not.toMatch(/relation|select|from|stack|\.ts|does not exist/);
  });
});

describe.each(testEngines())('a session that renews its access token, on %s', (engine) => {
  let server: TestServer;
  let refreshes = 0;
  beforeAll(async () => {
    // access tokens of 2 s: every call past the first ones needs a renewed token
    server = await startTestServer(engine, {
      seed: true,
      services: { tokenTtlSeconds: 2 },
      beforeListen: (app) =>
        app.addHook('onRequest', async (request) => {
          if (request.url.includes('auth.refresh')) refreshes++;
        }),
    });
  });
  afterAll(() => server?.close());

  it('refreshes once for concurrent calls, keeps working past the access lifetime, and ends with the session', async () => {
    const anonymous = createClient<AppRouter>({ url: server.url });
    let held: SessionTokens | null = await anonymous.auth.signIn.mutate({
      email: 'bob@acme.test',
      password: 'demo-password',
    });
    const first = held.refreshToken;
    const seen: (SessionTokens | null)[] = [];
    const token = refreshingToken<SessionTokens>({
      get: () => held,
      set: (t) => {
        held = t;
        seen.push(t);
      },
      refresh: (refreshToken) => anonymous.auth.refresh.mutate({ refreshToken }),
      earlyMs: 1000,
    });
    const bob = createClient<AppRouter>({ url: server.url, token });
    expect((await bob.auth.me.query()).user.email).toBe('bob@acme.test');
    await new Promise((r) => setTimeout(r, 2100)); // the first access token has expired
    const before = refreshes;
    const counts = await Promise.all([
      bob.project.count.query({}),
      bob.tag.count.query({}),
      bob.auth.me.query(),
    ]);
    expect(counts[0]).toBeGreaterThan(0);
    expect(refreshes - before).toBe(1);
    expect(held?.refreshToken).not.toBe(first);
    // the old refresh token is used up: presenting it again ends the session, renewed tokens included
    expect(await failure(anonymous.auth.refresh.mutate({ refreshToken: first }))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(await failure(bob.auth.me.query())).toMatchObject({ code: 'UNAUTHORIZED' });
    await new Promise((r) => setTimeout(r, 2100));
    // the next renewal is refused: the session is over, and the holder is told so
    expect(await failure(bob.auth.me.query())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(seen.at(-1)).toBeNull();
    expect(held).toBeNull();
  });
});
