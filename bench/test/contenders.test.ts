import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchUrl, configuredAdminUrl, smokeSeed } from '../src/config.js';
import { contenderByName, contenders } from '../src/contenders/index.js';
import { type ServerProcess, startServer } from '../src/processes.js';
import { appliesTo, type HttpRequest, type LoadState, scenarioByName } from '../src/scenarios.js';
import { readFixtures, recreatePostgres } from '../src/seed.js';

/**
 * Not a benchmark: each contender answers one request of each read scenario, and they all answer
 * alike (the same JSON once Dates and bigints are written the same way). No timing here.
 */
const database = 'typecrud_bench_smoke';
const servers: ServerProcess[] = [];
let state: LoadState;

async function call(server: ServerProcess, request: HttpRequest): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${server.port}${request.path}`, {
    method: request.method,
    headers: { ...server.headers, ...request.headers },
    ...(request.body ? { body: request.body } : {}),
  });
  const body = (await res.json()) as unknown;
  if (!res.ok)
    throw new Error(`${server.name} ${request.path}: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  if (contenderByName(server.name).wire === 'raw') return body;
  const [first] = body as [{ result: { data: { json: unknown; meta?: never } } }];
  return superjson.deserialize(first.result.data as never);
}

/** One shape for every wire: Dates as ISO strings, bigints as decimal strings, typecrud-only extras dropped. */
const timestamp = /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/;
function normal(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    // raw pg embeds PostgreSQL's JSON timestamps (+00:00); the others send Date objects
    (_k, v) => (typeof v === 'string' && timestamp.test(v) ? new Date(v).toISOString() : v),
  );
}

// The contenders run on PostgreSQL only: the default test run needs nothing but Node.
const skipped = !configuredAdminUrl;
if (skipped)
  console.warn('bench smoke test skipped: no PostgreSQL (set TEST_DATABASE_URL or BENCH_ADMIN_URL)');

describe.skipIf(skipped)('every contender on PostgreSQL', () => {
  beforeAll(async () => {
    await recreatePostgres(database, smokeSeed);
    const fixtures = await readFixtures(benchUrl(database));
    state = { ...fixtures, nonce: 1, seq: 3 };
    let port = 4300;
    for (const c of contenders)
      servers.push(await startServer(c.name, 'postgres', port++, benchUrl(database)));
  }, 180_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  describe.each(['get', 'list', 'include', 'aggregate', 'groupBy'] as const)('%s', (name) => {
    it('answers alike on every contender, with the statements it should', async () => {
      const scenario = scenarioByName(name);
      const answers: Record<string, unknown> = {};
      for (const server of servers) {
        if (!appliesTo(scenario, server.name)) continue;
        const before = (await server.stats()).statements;
        answers[server.name] = normal(
          await call(server, scenario.request(contenderByName(server.name).wire, state)),
        );
        const sent = (await server.stats()).statements - before;
        // the counter sees every statement; typecrud's own count is measured (and reported) by the bench
        if (name === 'include' && server.name === 'naive') expect(sent).toBeGreaterThan(3);
        else if (server.name === 'typecrud') expect(sent).toBeGreaterThanOrEqual(1);
        else if (server.name === 'handwritten-auth')
          expect(sent).toBe(2); // the principal, then the read
        else expect(sent, server.name).toBe(1);
      }
      const reference = answers.handwritten;
      // something to compare: the asked row, a non-empty page
      if (name === 'get')
        expect((reference as { id: string }).id).toBe(state.projectIds[state.seq % state.projectIds.length]);
      if (name === 'list' || name === 'include')
        expect((reference as { items: unknown[] }).items.length).toBeGreaterThan(0);
      expect(Object.keys(answers).length).toBeGreaterThanOrEqual(2);
      // the seed gives the aggregates something to count: equal answers are not two empty ones
      if (name === 'groupBy') expect((reference as unknown[]).length).toBeGreaterThan(1);
      if (name === 'aggregate') expect((reference as { _count: number })._count).toBeGreaterThan(0);
      for (const [contender, answer] of Object.entries(answers)) {
        const shape = (v: unknown) =>
          name === 'get' || name === 'aggregate' || name === 'groupBy'
            ? v
            : { ...(v as object), nextCursor: Boolean((v as { nextCursor: unknown }).nextCursor) };
        expect(shape(answer), contender).toEqual(shape(reference));
      }
    });
  });
});
