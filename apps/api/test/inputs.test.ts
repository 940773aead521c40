import { testEngines } from '@typecrud/server/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { errorsOf, mutate, query, send, signIn } from './http.js';

const nul = 'a\u0000b';
const loneHigh = 'a\uD800b';
const loneLow = '\uDC00';

/** What the database cannot store is refused by validation, naming the field: never a 500. */
describe.each(testEngines())('bad characters and out-of-range values, on %s', (engine) => {
  let server: TestServer;
  let token: string;
  let projectId: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { seed: true });
    token = await signIn(server.url, server.admin.email, server.admin.password);
    const projects = await query(server.url, 'project.list', { limit: 1 }, { token });
    projectId = (projects.body as { result: { data: { json: { items: { id: string }[] } } } }).result.data
      .json.items[0]!.id;
  });
  afterAll(() => server?.close());

  const refused = async (answer: Promise<import('./http.js').Answer>, path: (string | number)[]) => {
    const a = await answer;
    expect(a.status, a.text.slice(0, 300)).toBe(400);
    const issues = errorsOf(a)[0]?.data.typecrud?.issues ?? [];
    expect(issues.map((i) => i.path)).toContainEqual(path);
    expect(issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path))?.message).toMatch(
      /NUL characters or unpaired surrogates|range|year|digits|at (most|least)/,
    );
  };

  it('NUL and lone surrogates in a string field, a filter, the sign-in email', async () => {
    for (const bad of [nul, loneHigh, loneLow]) {
      await refused(mutate(server.url, 'tag.create', { label: bad }, { token }), ['label']);
      await refused(
        mutate(server.url, 'project.update', { id: projectId, data: { description: bad } }, { token }),
        ['data', 'description'],
      );
      await refused(query(server.url, 'project.count', { where: { name: { contains: bad } } }, { token }), [
        'where',
        'name',
        'contains',
      ]);
      await refused(query(server.url, 'project.count', { where: { name: bad } }, { token }), [
        'where',
        'name',
      ]);
      await refused(mutate(server.url, 'auth.signIn', { email: `x${bad}@y.test`, password: 'p' }), ['email']);
    }
    // a surrogate pair is a character like any other
    const emoji = await mutate(server.url, 'tag.create', { label: 'rocket \u{1F680}' }, { token });
    expect(emoji.status).toBe(200);
  });

  it('NUL in a JSON value, a JSON key and a JSON path', async () => {
    await refused(
      mutate(server.url, 'project.update', { id: projectId, data: { properties: { tier: nul } } }, { token }),
      ['data', 'properties', 'tier'],
    );
    await refused(
      mutate(
        server.url,
        'project.update',
        { id: projectId, data: { properties: { deep: [1, { [nul]: 1 }] } } },
        { token },
      ),
      ['data', 'properties', 'deep', 1, nul],
    );
    await refused(
      query(server.url, 'project.count', { where: { properties: { path: [nul], equals: 'x' } } }, { token }),
      ['where', 'properties', 'path', 0],
    );
    await refused(
      query(
        server.url,
        'project.count',
        { where: { properties: { path: ['tier'], equals: { a: loneHigh } } } },
        { token },
      ),
      ['where', 'properties', 'equals', 'a'],
    );
  });

  it('numbers and dates outside what the columns hold', async () => {
    const releases = await query(server.url, 'release.list', { limit: 1 }, { token });
    const releaseId = (releases.body as { result: { data: { json: { items: { id: string }[] } } } }).result
      .data.json.items[0]!.id;
    await refused(
      mutate(server.url, 'release.update', { id: releaseId, data: { downloads: 2n ** 64n } }, { token }),
      ['data', 'downloads'],
    );
    await refused(
      mutate(
        server.url,
        'release.update',
        { id: releaseId, data: { releasedAt: new Date('-010000-01-01T00:00:00Z') } },
        { token },
      ),
      ['data', 'releasedAt'],
    );
    await refused(
      query(server.url, 'release.count', { where: { downloads: { gt: -(2n ** 70n) } } }, { token }),
      ['where', 'downloads', 'gt'],
    );
  });

  it('a bigint or a Date inside a JSON value (superjson carries both): 400 naming the path', async () => {
    const notJson = async (
      answer: Promise<import('./http.js').Answer>,
      path: (string | number)[],
      what: RegExp,
    ) => {
      const a = await answer;
      expect(a.status, a.text.slice(0, 300)).toBe(400);
      const issue = errorsOf(a)[0]?.data.typecrud?.issues?.find(
        (i) => JSON.stringify(i.path) === JSON.stringify(path),
      );
      expect(issue?.message, a.text.slice(0, 300)).toMatch(what);
    };
    await notJson(
      mutate(server.url, 'project.update', { id: projectId, data: { properties: { n: 5n } } }, { token }),
      ['data', 'properties', 'n'],
      /bigint is not a JSON value/,
    );
    await notJson(
      mutate(
        server.url,
        'project.update',
        { id: projectId, data: { properties: { at: [new Date()] } } },
        { token },
      ),
      ['data', 'properties', 'at', 0],
      /Date is not a JSON value/,
    );
    await notJson(
      query(server.url, 'project.count', { where: { properties: { path: ['n'], equals: 5n } } }, { token }),
      ['where', 'properties', 'equals'],
      /bigint is not a JSON value/,
    );
    await notJson(
      query(server.url, 'project.count', { where: { properties: { path: ['n'], gt: '5' } } }, { token }),
      ['where', 'properties', 'gt'],
      /must be a number/,
    );
  });
});

/** Authentication fails closed and never as a 500; an outage is 503 with Retry-After on every path. */
describe.each(testEngines())('authentication and outages, on %s', (engine) => {
  let server: TestServer;
  let token: string;
  const secret = new TextEncoder().encode('e2e-token-secret-0123456789abcdefgh');

  beforeAll(async () => {
    server = await startTestServer(engine, { production: true });
    token = await signIn(server.url, server.admin.email, server.admin.password);
  });
  afterAll(() => server?.close());

  const signed = (sub: string) =>
    new SignJWT({ sid: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer('typecrud')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(secret);

  it('a validly signed token whose sub is not a user id is 401', async () => {
    for (const sub of [
      'not-a-uuid',
      "'; drop table app_user; --",
      '',
      '00000000-0000-4000-8000-000000000000',
    ]) {
      const answer = await query(server.url, 'auth.me', undefined, { token: await signed(sub) });
      expect(answer.status, sub).toBe(401);
      expect(errorsOf(answer)[0]?.data.code).toBe('UNAUTHORIZED');
    }
  });

  it('a database that went away: 503, Retry-After, a fixed message, on every path', async () => {
    expect((await query(server.url, 'tag.count', {}, { token })).status).toBe(200);
    await server.database.close();
    const fresh = await signed(server.admin.id); // not in the caller cache: authentication reads the database
    const calls = [
      query(server.url, 'tag.count', {}, { token: fresh }), // while authenticating
      query(server.url, 'tag.count', {}, { token }), // a cached caller: in the procedure
      mutate(server.url, 'tag.create', { label: 'during the outage' }, { token }), // a transaction
      mutate(server.url, 'auth.signIn', { email: server.admin.email, password: server.admin.password }),
    ];
    for (const answer of await Promise.all(calls)) {
      expect(answer.status, answer.text).toBe(503);
      expect(answer.headers['retry-after']).toBe('2');
      const error = errorsOf(answer)[0]!;
      expect(error.message).toBe('the service is temporarily unavailable; try again shortly');
      expect(error.data.code).toBe('SERVICE_UNAVAILABLE');
      expect(answer.text).not.toMatch(/stack|destroyed|closed|select|pglite|\.ts/i);
    }
    const health = await send(server.url, '/health');
    expect(health.status).toBe(503);
    expect(health.headers['retry-after']).toBe('2');
    expect(health.body).toEqual({ status: 'degraded', engine });
  });
});
