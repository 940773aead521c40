import { testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { batchBody, dataOf, envelope, errorsOf, mutate, query, send, signIn } from './http.js';

/**
 * Every limit, and the ways one could try to get around it: encodings tRPC decodes, batches,
 * chunked bodies, defaults standing in for explicit values. Real HTTP against the real app.
 */
describe.each(testEngines())('limits that cannot be bypassed, on %s', (engine) => {
  let server: TestServer;
  let token: string;
  const maxBatch = 5;

  beforeAll(async () => {
    server = await startTestServer(engine, {
      seed: true,
      limits: { MAX_BATCH_SIZE: maxBatch, BODY_LIMIT: 64 * 1024, MAX_RESPONSE_BYTES: 4096 },
    });
    token = await signIn(server.url, server.admin.email, server.admin.password);
  });
  afterAll(() => server?.close());

  const input = (v: unknown) =>
    encodeURIComponent(JSON.stringify(Object.fromEntries([...Array(6)].map((_x, i) => [i, envelope(v)]))));

  it('the batch limit counts the calls tRPC parsed, however the URL spells them', async () => {
    const six = Array(6).fill('tag.count');
    const forms = [
      { path: six.join(','), query: 'batch=1' },
      { path: six.join('%2C'), query: 'batch=1' },
      { path: six.join('%2c'), query: '%62atch=1' },
      { path: six.join(','), query: 'batch=%31' },
      { path: six.join('%2C'), query: '%62%61%74%63%68=%31' },
      { path: six.join(','), query: 'other=1&batch=1' },
    ];
    for (const form of forms) {
      const answer = await send(server.url, `/trpc/${form.path}`, {
        query: `${form.query}&input=${input({})}`,
        token,
      });
      expect(answer.status, `${form.path}?${form.query}`).toBe(413);
      const errors = errorsOf(answer);
      expect(errors).toHaveLength(6);
      expect(errors[0]).toMatchObject({
        message: `a batch may carry at most ${maxBatch} calls (got 6)`,
        data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
      });
    }
    // at the limit, in the encoded form, it runs
    const five = await send(server.url, `/trpc/${Array(5).fill('tag.count').join('%2C')}`, {
      query: `%62atch=%31&input=${input({})}`,
      token,
    });
    expect(five.status).toBe(200);
    expect(five.body).toHaveLength(5);
  });

  it('the body limit holds with and without a content-length, and the batch shape is kept', async () => {
    const big = JSON.stringify(envelope({ label: 'x'.repeat(70 * 1024) }));
    const plain = await send(server.url, '/trpc/tag.create', { body: big, token });
    expect(plain.status).toBe(413);
    expect(errorsOf(plain)[0]?.data.code).toBe('PAYLOAD_TOO_LARGE');
    const chunked = await send(server.url, '/trpc/tag.create', {
      body: big,
      token,
      headers: { 'transfer-encoding': 'chunked' },
    });
    expect(chunked.status).toBe(413);
    const batched = await send(server.url, '/trpc/tag.create,tag.create', {
      query: 'batch=1',
      body: batchBody([{ label: 'x'.repeat(40 * 1024) }, { label: 'y'.repeat(40 * 1024) }]),
      token,
    });
    expect(batched.status).toBe(413);
    expect(errorsOf(batched)).toHaveLength(2);
    expect(
      dataOf<number>(
        await query(server.url, 'tag.count', { where: { label: { startsWith: 'xxx' } } }, { token }),
      ),
    ).toBe(0);
  });

  it('the page limit: explicit, in an include, as a string or a float', async () => {
    for (const [q, path] of [
      [{ limit: 101 }, ['limit']],
      [{ limit: '101' }, ['limit']],
      [{ limit: 100.5 }, ['limit']],
      [{ limit: 1e12 }, ['limit']],
      [{ offset: 100_001 }, ['offset']],
      [{ include: { tags: { limit: 101 } } }, ['include', 'tags']],
    ] as const) {
      const answer = await query(server.url, 'project.list', q, { token });
      expect(answer.status, JSON.stringify(q)).toBe(400);
      const issue = errorsOf(answer)[0]?.data.typecrud?.issues?.[0];
      expect(issue?.path.slice(0, path.length)).toEqual(path);
    }
  });

  it('include depth and total embedded rows, computed before anything runs', async () => {
    const deep = await query(
      server.url,
      'project.list',
      {
        include: {
          tags: { include: { projects: { include: { releases: { include: { project: true } } } } } },
        },
      },
      { token },
    );
    expect(deep.status).toBe(400);
    expect(errorsOf(deep)[0]?.message).toMatch(/include nests deeper than 3 levels/);
    // three deep with defaults: 100 tags x 100 projects x 100 releases
    const wide = await query(
      server.url,
      'tag.list',
      { limit: 100, include: { projects: { include: { releases: { include: { project: true } } } } } },
      { token },
    );
    expect(wide.status).toBe(400);
    const error = errorsOf(wide)[0]!;
    expect(error.message).toMatch(
      /^include projects\.releases would embed up to 1,000,000 rows; the limit is 10,000: give it a smaller limit$/,
    );
    // the defaults count like explicit limits; `true` is no way around them
    const viaTrue = await query(
      server.url,
      'project.get',
      {
        id: '00000000-0000-4000-8000-000000000000',
        include: { tags: { include: { projects: { include: { releases: true } } } } },
      },
      { token },
    );
    expect(viaTrue.status).toBe(400);
    expect(errorsOf(viaTrue)[0]?.data.typecrud?.issues?.[0]?.path).toEqual([
      'include',
      'tags',
      'include',
      'projects',
      'include',
      'releases',
      'limit',
    ]);
    // narrowed, it runs
    const narrow = await query(
      server.url,
      'tag.list',
      { limit: 1, include: { projects: { limit: 1, include: { releases: { limit: 1 } } } } },
      { token },
    );
    expect(narrow.status).toBe(200);
  });

  it('the response size: one call or a batch of calls each under the row cap', async () => {
    // each call is small in rows, but the page of releases with notes is more than 4 kB
    const one = await query(server.url, 'release.list', { limit: 100 }, { token });
    expect(one.status).toBe(400);
    expect(errorsOf(one)[0]?.message).toMatch(/^the response would be [\d,]+ bytes; the limit is 4,096/);
    const batch = await send(server.url, `/trpc/${Array(5).fill('release.list').join(',')}`, {
      query: `batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries([0, 1, 2, 3, 4].map((i) => [i, envelope({ limit: 8 })]))))}`,
      token,
    });
    expect(batch.status).toBe(400);
    expect(errorsOf(batch)).toHaveLength(5);
    const small = await query(server.url, 'tag.count', {}, { token });
    expect(small.status).toBe(200);
  });

  it('where depth and list sizes, directly and through relation filters', async () => {
    let where: Record<string, unknown> = { name: 'x' };
    for (let i = 0; i < 6; i++) where = { NOT: where };
    const deep = await query(server.url, 'project.count', { where }, { token });
    expect(deep.status).toBe(400);
    expect(errorsOf(deep)[0]?.message).toMatch(/where nests deeper than 5 levels/);
    const viaRelations = await query(
      server.url,
      'project.count',
      {
        where: {
          tags: {
            some: {
              projects: {
                some: { tags: { some: { projects: { some: { releases: { some: { semver: '1' } } } } } } },
              },
            },
          },
        },
      },
      { token },
    );
    expect(viaRelations.status).toBe(400);
    // short values, so 1,001 of them fit in a URL
    const names = Array.from({ length: 1001 }, () => 'x');
    const inList = await query(server.url, 'project.count', { where: { name: { in: names } } }, { token });
    expect(inList.status).toBe(400);
    expect(errorsOf(inList)[0]?.data.typecrud?.issues?.[0]).toEqual({
      path: ['where', 'name', 'in'],
      message: 'at most 1000 values',
    });
    const nested = await query(
      server.url,
      'project.count',
      { where: { tags: { some: { label: { notIn: names } } } } },
      { token },
    );
    expect(nested.status).toBe(400);
    const manyOr = await query(
      server.url,
      'project.count',
      { where: { OR: Array.from({ length: 51 }, () => ({ name: 'x' })) } },
      { token },
    );
    expect(manyOr.status).toBe(400);
  });
});

describe('the sign-in rate limit, per address and per account, on pglite', () => {
  let server: TestServer;
  const limit = 3;
  beforeAll(async () => {
    server = await startTestServer('pglite', { limits: { SIGNIN_RATE_LIMIT: limit } });
  });
  afterAll(() => server?.close());

  const attempt = (password: string, from: string, email = server.admin.email) =>
    mutate(server.url, 'auth.signIn', { email, password }, { localAddress: from });

  it('counts every call after tRPC parsed the path: encoded names and batches included', async () => {
    const from = '127.0.0.2';
    for (let i = 0; i < limit; i++) expect((await attempt(`guess-${i}`, from)).status).toBe(401);
    const limited = await attempt(server.admin.password, from);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(errorsOf(limited)[0]).toMatchObject({
      message: expect.stringMatching(/^too many sign-in attempts; try again in \d+ s$/),
      data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 },
    });
    const body = JSON.stringify(envelope({ email: server.admin.email, password: server.admin.password }));
    // the same procedure spelled with an encoded dot
    const encoded = await send(server.url, '/trpc/auth%2EsignIn', { body, localAddress: from });
    expect(encoded.status).toBe(429);
    // behind another procedure in a batch
    const behind = await send(server.url, '/trpc/auth.setPassword,auth.signIn', {
      query: 'batch=1',
      body: batchBody([{}, { email: server.admin.email, password: server.admin.password }]),
      localAddress: from,
    });
    const [first, second] = errorsOf(behind);
    expect(first?.data.code).toBe('TOO_MANY_REQUESTS');
    expect(second?.data.code).toBe('TOO_MANY_REQUESTS');
    expect(JSON.stringify(behind.body)).not.toContain('"token"');
    // with the encoded batch flag and separator
    const sneaky = await send(server.url, '/trpc/auth.setPassword%2Cauth%2EsignIn', {
      query: '%62atch=%31',
      body: batchBody([undefined, { email: server.admin.email, password: server.admin.password }]),
      localAddress: from,
    });
    expect(JSON.stringify(sneaky.body)).not.toContain('"token"');
    expect(errorsOf(sneaky).map((e) => e.data.code)).toContain('TOO_MANY_REQUESTS');
  });

  it('refuses a batch carrying more than one sign-in, before any password is checked', async () => {
    const fifty = await send(server.url, `/trpc/${Array(50).fill('auth.signIn').join(',')}`, {
      query: 'batch=1',
      body: batchBody(
        Array.from({ length: 50 }, (_v, i) => ({ email: server.admin.email, password: `p${i}` })),
      ),
      localAddress: '127.0.0.3',
    });
    expect(fifty.status).toBe(400);
    expect(errorsOf(fifty)[0]?.message).toBe('a batch may carry at most one auth.signIn call');
    const two = await send(server.url, '/trpc/auth.signIn%2Cauth.signIn', {
      query: 'batch=1',
      body: batchBody([
        { email: 'a@x.test', password: 'p' },
        { email: 'b@x.test', password: 'p' },
      ]),
      localAddress: '127.0.0.3',
    });
    expect(two.status).toBe(400);
    // those attempts were refused whole: the address still has its full allowance
    const ok = await mutate(
      server.url,
      'auth.signIn',
      { email: 'nobody@x.test', password: 'p' },
      { localAddress: '127.0.0.3' },
    );
    expect(ok.status).toBe(401);
  });

  it('counts per account too: another address guessing the same account is limited', async () => {
    const victim = 'victim@e2e.test';
    // three guesses from three addresses, the email spelled three ways
    for (const [i, spelling] of ['victim@e2e.test', ' VICTIM@e2e.test', 'Victim@E2E.test '].entries())
      expect((await attempt('guess', `127.0.1.${i + 1}`, spelling)).status).toBe(401);
    const fromFresh = await attempt('guess', '127.0.1.9', victim);
    expect(fromFresh.status).toBe(429);
    // that address may still try another account
    expect((await attempt('guess', '127.0.1.9', 'someone-else@e2e.test')).status).toBe(401);
  });
});
