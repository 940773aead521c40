import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppRouter } from '@typecrud/demo/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type TypecrudClient } from '../src/index.js';

const cli = join(import.meta.dirname, '..', '..', '..', 'apps', 'api', 'src', 'cli.ts');
const admin = process.env.TEST_DATABASE_URL;

/** `typecrud serve` as a real process; resolves with its URL once it listens. */
function serve(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
    cwd: join(cli, '..', '..'),
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line:\n${logs.join('')}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      logs.push(chunk.toString());
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${logs.join('')}`)));
  });
}

interface Received {
  id: string;
  at: number;
  data: { action: string; rowId: string; removed: boolean; row: { name?: string } | null };
}

/** Subscribes to project changes, recording each event with its arrival time. */
function watchProjects(api: TypecrudClient<AppRouter>, lastEventId?: string) {
  const got: Received[] = [];
  let error: unknown;
  const sub = api.project.onChange.subscribe(lastEventId ? { lastEventId } : undefined, {
    onData: (e) => {
      got.push({ id: e.id, at: performance.now(), data: e.data as unknown as Received['data'] });
    },
    onError: (e) => {
      error = e;
    },
  });
  return {
    got,
    get error() {
      return error;
    },
    stop: () => sub.unsubscribe(),
    async until(n: number, ms = 5000) {
      const end = Date.now() + ms;
      while (got.length < n && !error && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      return got;
    },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

describe.skipIf(!admin)('live events across two API processes on one PostgreSQL', () => {
  const name = `typecrud_live_${randomBytes(4).toString('hex')}`;
  let url: string;
  let a: { child: ChildProcess; url: string };
  let b: { child: ChildProcess; url: string };
  let apiA: TypecrudClient<AppRouter>;
  let apiB: TypecrudClient<AppRouter>;
  let orgId: string;

  beforeAll(async () => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`create database "${name}"`);
    await c.end();
    const u = new URL(admin!);
    u.pathname = `/${name}`;
    url = u.toString();
    const env = {
      DATABASE_URL: url,
      JWT_SECRET: 'live-two-instances-secret-0123456789abcdef',
      CURSOR_SECRET: 'live-cursor-secret-0123',
      ADMIN_PASSWORD: 'admin-password',
    };
    a = await serve(env);
    b = await serve(env);
    const signIn = async (base: string) => {
      let token: string | null = null;
      const api = createClient<AppRouter>({ url: base, token: () => token });
      token = (await api.auth.signIn.mutate({ email: 'admin@acme.test', password: 'admin-password' })).token;
      return api;
    };
    apiA = await signIn(a.url);
    apiB = await signIn(b.url);
    orgId = (await apiA.organization.list.query({ where: { slug: 'acme' } })).items[0]!.id;
  }, 180_000);
  afterAll(async () => {
    a?.child.kill('SIGTERM');
    b?.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.end();
  });

  /** Writes `n` projects on `writer`, one at a time, and measures commit-to-subscriber latency on `reader`. */
  async function latencies(writer: TypecrudClient<AppRouter>, reader: TypecrudClient<AppRouter>, n: number) {
    const w = watchProjects(reader);
    await new Promise((r) => setTimeout(r, 500));
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const tag = randomBytes(4).toString('hex');
      const p = await writer.project.create.mutate({ organizationId: orgId, name: `lat-${tag}` });
      const committed = performance.now();
      const end = Date.now() + 2000;
      let hit: Received | undefined;
      while (!hit && Date.now() < end) {
        hit = w.got.find((e) => e.data.rowId === p.id);
        if (!hit) await new Promise((r) => setTimeout(r, 1));
      }
      expect(hit, `event of write ${i}`).toBeDefined();
      out.push(Math.max(0, hit!.at - committed));
    }
    w.stop();
    return out;
  }

  it('a write on A reaches a subscriber on B within 1 s (p99), and on one instance too', async () => {
    // `bench:live` runs this with more writes (BENCH_LIVE_WRITES)
    const writes = Number(process.env.BENCH_LIVE_WRITES ?? 60);
    const two = await latencies(apiA, apiB, writes);
    const one = await latencies(apiA, apiA, writes);
    const figures = {
      twoInstances: { p50: pct(two, 50), p99: pct(two, 99) },
      oneInstance: { p50: pct(one, 50), p99: pct(one, 99) },
    };
    console.log(`event latency (ms): ${JSON.stringify(figures)}`);
    expect(figures.twoInstances.p99).toBeLessThan(1000);
    expect(figures.oneInstance.p99).toBeLessThan(1000);
  }, 600_000);

  it("invalidates B's read cache when A writes", async () => {
    // organization reads are cached (in process on each instance: no Redis here)
    const before = await apiB.organization.get.query({ id: orgId });
    await apiB.organization.get.query({ id: orgId });
    const renamed = `${before.name} ${randomBytes(2).toString('hex')}`;
    await apiA.organization.update.mutate({ id: orgId, data: { name: renamed } });
    const deadline = Date.now() + 1000;
    let after = await apiB.organization.get.query({ id: orgId });
    while (after.name !== renamed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      after = await apiB.organization.get.query({ id: orgId });
    }
    expect(after.name).toBe(renamed);
  });

  it('resumes over SSE after a reconnect with nothing lost; refuses a bad resume point', async () => {
    const first = watchProjects(apiB);
    await new Promise((r) => setTimeout(r, 300));
    const p = await apiA.project.create.mutate({
      organizationId: orgId,
      name: `resume-${randomBytes(3).toString('hex')}`,
    });
    const [created] = await first.until(1);
    first.stop();
    expect(created!.data.rowId).toBe(p.id);
    await apiA.project.update.mutate({ id: p.id, data: { description: 'missed 1' } });
    await apiA.project.update.mutate({ id: p.id, data: { description: 'missed 2' } });
    const again = watchProjects(apiB, created!.id);
    const got = await again.until(2);
    again.stop();
    expect(got.map((e) => [e.data.rowId, e.data.action])).toEqual([
      [p.id, 'update'],
      [p.id, 'update'],
    ]);
    const bad = watchProjects(apiB, 'not-an-id');
    await bad.until(1, 2000);
    expect(String((bad.error as Error | undefined)?.message)).toContain('lastEventId');
    // signed out: refused
    const anon = createClient<AppRouter>({ url: b.url });
    let refused: unknown;
    const s = anon.project.onChange.subscribe(undefined, { onError: (e) => (refused = e) });
    const end = Date.now() + 2000;
    while (!refused && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    s.unsubscribe();
    expect((refused as { data?: { code?: string } }).data?.code).toBe('UNAUTHORIZED');
  });
});
