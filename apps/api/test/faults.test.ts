import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorsOf, mutate, query, send, signIn } from './http.js';
import {
  type Cluster,
  createCluster,
  faultSuiteBlocker,
  redisBlocker,
  type Served,
  serve,
  startRedis,
  until,
} from './processes.js';

/**
 * Faults, with real processes: the API (`typecrud serve`) under a steady bounded load while
 * PostgreSQL restarts, while it receives SIGTERM, while Redis dies. Outside CI a missing binary
 * (or not being root, for the throwaway cluster) skips a suite with its reason; in CI they run.
 */
const inCI = process.env.CI === 'true';
const shutdownTimeoutMs = 10_000;
const rowsPerBatch = 20;

interface Outcome {
  kind: 'read' | 'write';
  /** HTTP status, or 'network' when the connection failed without an answer. */
  status: number | 'network';
  started: number;
  ended: number;
  batch?: string;
  retryAfter?: string | undefined;
  message?: string | undefined;
}

/**
 * A steady, bounded load: `workers` loops, each waiting for its answer before the next call
 * (three reads, then a createMany of 20 tags with labels unique to the batch).
 */
function startLoad(url: string, token: string, workers = 6) {
  const outcomes: Outcome[] = [];
  const timeouts: { worker: number; i: number; started: number }[] = [];
  let stopping = false;
  let n = 0;
  const one = async (worker: number, i: number): Promise<Outcome> => {
    const started = Date.now();
    const write = i % 4 === 3;
    const batch = write ? `fault-${worker}-${n++}-${started.toString(36)}` : undefined;
    try {
      const answer = write
        ? await mutate(
            url,
            'tag.createMany',
            Array.from({ length: rowsPerBatch }, (_v, j) => ({ label: `${batch}-${j}` })),
            { token, timeoutMs: 30_000 },
          )
        : i % 4 === 0
          ? await query(url, 'tag.list', { limit: 20 }, { token, timeoutMs: 30_000 })
          : i % 4 === 1
            ? await query(url, 'project.count', {}, { token, timeoutMs: 30_000 })
            : await query(url, 'auth.me', undefined, { token, timeoutMs: 30_000 });
      const header = answer.headers['retry-after'];
      return {
        kind: write ? 'write' : 'read',
        status: answer.status,
        started,
        ended: Date.now(),
        ...(batch ? { batch } : {}),
        retryAfter: Array.isArray(header) ? header[0] : header,
        message: answer.status === 200 ? undefined : errorsOf(answer)[0]?.message,
      };
    } catch (e) {
      if ((e as Error).message === 'timeout') timeouts.push({ worker, i, started });
      return {
        kind: write ? 'write' : 'read',
        status: 'network',
        message: String((e as Error)?.stack ?? e).slice(0, 300),
        started,
        ended: Date.now(),
        ...(batch ? { batch } : {}),
      };
    }
  };
  const loops = Array.from({ length: workers }, async (_v, worker) => {
    for (let i = 0; !stopping; i++) outcomes.push(await one(worker, i));
  });
  return {
    outcomes,
    timeouts,
    ok: () => outcomes.filter((o) => o.status === 200).length,
    /** Stops issuing calls; resolves once every call in flight has its answer. */
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

const histogram = (outcomes: Outcome[]) => {
  const h: Record<string, number> = {};
  for (const o of outcomes) h[String(o.status)] = (h[String(o.status)] ?? 0) + 1;
  return h;
};

/** Rows per batch label prefix: every batch must have all its rows or none. */
async function batchRows(connectionString: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ batch: string; n: number }>(
      `select regexp_replace(label, '-[0-9]+$', '') as batch, count(*)::int as n from tag where label like 'fault-%' group by 1`,
    );
    return new Map(rows.map((r) => [r.batch, r.n]));
  } finally {
    await client.end();
  }
}

/** SIGTERM while keep-alive clients are busy: in-flight calls all answered, exit 0 well within the timeout. */
async function sigtermUnderLoad(
  served: Served,
  token: string,
  rowsOf: (() => Promise<Map<string, number>>) | undefined,
) {
  const load = startLoad(served.url, token);
  await until('100 answered calls before SIGTERM', () => load.ok() >= 100);
  const signalAt = Date.now();
  const stopped = load.stop(); // no call starts after the signal; those in flight go on
  served.child.kill('SIGTERM');
  await stopped;
  const { code, at } = await served.exit;
  const inFlight = load.outcomes.filter((o) => o.started <= signalAt && o.ended >= signalAt);
  const answeredBadly = inFlight.filter((o) => o.status !== 200 && o.status !== 'network');
  // a reset is a failure only if the server had the call: a write whose rows exist was processed, its answer lost
  const rows = rowsOf ? await rowsOf() : undefined;
  const lost = inFlight.filter((o) => o.status === 'network' && o.batch && (rows?.get(o.batch) ?? 0) > 0);
  const figures = {
    calls: load.outcomes.length,
    inFlightAtSignal: inFlight.length,
    answeredBadly: answeredBadly.length,
    lostAnswers: lost.length,
    resetBeforeReceived: inFlight.filter((o) => o.status === 'network').length - lost.length,
    exitCode: code,
    exitAfterMs: at - signalAt,
    statuses: histogram(load.outcomes),
  };
  console.log(`SIGTERM under load: ${JSON.stringify(figures)}`);
  expect(code).toBe(0);
  expect(at - signalAt).toBeLessThan(shutdownTimeoutMs / 2);
  expect(inFlight.length).toBeGreaterThan(0);
  expect(answeredBadly).toEqual([]);
  expect(lost).toEqual([]);
  expect(served.logs.join('')).not.toMatch(/shutdown timed out/);
  if (rows) {
    for (const o of load.outcomes.filter((x) => x.batch && x.status === 200))
      expect(rows.get(o.batch!), o.batch).toBe(rowsPerBatch);
  }
}

const clusterBlocker = faultSuiteBlocker();
describe.skipIf(!!clusterBlocker && !inCI)('PostgreSQL restarted under load (a throwaway cluster)', () => {
  let cluster: Cluster;
  let served: Served;
  let token: string;

  beforeAll(async () => {
    if (clusterBlocker) throw new Error(`the fault suite must run in CI: ${clusterBlocker}`);
    cluster = await createCluster();
    served = await serve({
      DATABASE_URL: cluster.url,
      NODE_ENV: 'production',
      JWT_SECRET: 'faults-jwt-secret-0123456789abcdefghij',
      CURSOR_SECRET: 'faults-cursor-secret-0123',
      ADMIN_PASSWORD: 'faults-admin-password',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      SEED_DEMO: 'true',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'typecrud-faults-data-')),
    }).catch(async (e) => {
      cluster.destroy();
      throw e;
    });
    token = await signIn(served.url, 'admin@acme.test', 'faults-admin-password');
  }, 240_000);
  afterAll(async () => {
    if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
    cluster?.destroy();
  });

  it('recovers without a restart: 503 with Retry-After during the outage, never 500, no partial write', async () => {
    const health: string[] = [];
    const probe = async () => {
      const h = await send(served.url, '/health');
      const status = (h.body as { status: string }).status;
      if (health.at(-1) !== status) health.push(status);
      return status;
    };
    expect(await probe()).toBe('ok');
    const load = startLoad(served.url, token);
    await until('150 answered calls before the outage', () => load.ok() >= 150);
    const outageStart = Date.now();
    await cluster.stop();
    const before = load.outcomes.length;
    await until('50 refused calls and a degraded health check', async () => {
      const refused = load.outcomes.slice(before).filter((o) => o.status === 503).length;
      return refused >= 50 && (await probe()) === 'degraded';
    }).catch((e) => {
      throw new Error(
        `${(e as Error).message}: ${JSON.stringify({ statuses: histogram(load.outcomes.slice(before)), errors: [...new Set(load.outcomes.slice(before).map((o) => o.message))].slice(0, 5), health, timeouts: load.timeouts })}\n${served.logs.join('').slice(-4000)}`,
      );
    });
    await cluster.start();
    const outageEnd = Date.now();
    const okAtRestart = load.ok();
    await until('the health check and 150 calls answered after the restart', async () => {
      return (await probe()) === 'ok' && load.ok() >= okAtRestart + 150;
    });
    await load.stop();

    const statuses = histogram(load.outcomes);
    const unavailable = load.outcomes.filter((o) => o.status === 503);
    const rows = await batchRows(cluster.url);
    const writes = load.outcomes.filter((o) => o.batch);
    const partial = [...rows.entries()].filter(([, n]) => n !== rowsPerBatch);
    console.log(
      `PostgreSQL restart under load: ${JSON.stringify({
        calls: load.outcomes.length,
        outageMs: outageEnd - outageStart,
        statuses,
        createMany: writes.length,
        createManyCommitted: rows.size,
        partialBatches: partial.length,
        health,
      })}`,
    );
    expect(Object.keys(statuses).every((s) => s === '200' || s === '503')).toBe(true);
    expect(unavailable.length).toBeGreaterThanOrEqual(50);
    for (const o of unavailable) {
      expect(o.retryAfter).toBe('2');
      expect(o.message).toBe('the service is temporarily unavailable; try again shortly');
    }
    expect(health).toEqual(['ok', 'degraded', 'ok']);
    // all or nothing: every batch has all its rows or none, and every answered one has all
    expect(partial).toEqual([]);
    for (const o of writes.filter((w) => w.status === 200))
      expect(rows.get(o.batch!), o.batch).toBe(rowsPerBatch);
    expect(served.child.exitCode).toBeNull();
  });

  it('SIGTERM under load: every call in flight answered, the pool closed, exit 0', async () => {
    await sigtermUnderLoad(served, token, () => batchRows(cluster.url));
  });
});

describe('SIGTERM under keep-alive load on the embedded database', () => {
  it('finishes in-flight calls (never 503), closes idle sockets, exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'typecrud-faults-pglite-'));
    try {
      const served = await serve({
        DATA_DIR: dataDir,
        ADMIN_PASSWORD: 'faults-admin-password',
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
        SEED_DEMO: 'false',
      });
      const token = await signIn(served.url, 'admin@acme.test', 'faults-admin-password');
      await sigtermUnderLoad(served, token, undefined);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});

const noRedis = redisBlocker();
describe.skipIf(!!noRedis && !inCI)('Redis dies under load (REDIS_URL set)', () => {
  it('reads fall back to the database, sign-in falls back to the in-process limiter, no 5xx', async () => {
    if (noRedis) throw new Error(`the Redis fault suite must run in CI: ${noRedis}`);
    const redis = await startRedis();
    const dataDir = mkdtempSync(join(tmpdir(), 'typecrud-faults-redis-'));
    let served: Served | undefined;
    try {
      served = await serve({
        DATA_DIR: dataDir,
        REDIS_URL: redis.url,
        ADMIN_PASSWORD: 'faults-admin-password',
      });
      const token = await signIn(served.url, 'admin@acme.test', 'faults-admin-password');
      const load = startLoad(served.url, token);
      // organization and tag reads go through the cache
      const cached = () => query(served!.url, 'organization.list', { limit: 5 }, { token });
      await until('30 answered calls with Redis up', () => load.ok() >= 30);
      expect((await cached()).status).toBe(200);
      await redis.kill();
      const okAtKill = load.ok();
      await until('30 answered calls with Redis down', () => load.ok() >= okAtKill + 30);
      const afterKill = await Promise.all([
        cached(),
        mutate(served.url, 'auth.signIn', { email: 'admin@acme.test', password: 'faults-admin-password' }),
      ]);
      await load.stop();
      console.log(
        `Redis down under load: ${JSON.stringify({ calls: load.outcomes.length, statuses: histogram(load.outcomes) })}`,
      );
      expect(afterKill.map((a) => a.status)).toEqual([200, 200]);
      expect(Object.keys(histogram(load.outcomes))).toEqual(['200']);
      served.child.kill('SIGTERM');
      expect((await served.exit).code).toBe(0);
    } finally {
      if (served && served.child.exitCode === null) served.child.kill('SIGKILL');
      await redis.kill().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});

if (clusterBlocker && !inCI) console.log(`PostgreSQL fault suite skipped: ${clusterBlocker}`);
if (noRedis && !inCI) console.log(`Redis fault suite skipped: ${noRedis}`);
