import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  logs: string[];
  exit: Promise<number | null>;
}

// node itself runs the CLI (tsx as a loader), so signals reach the server's handlers directly.
const node = (args: string[], env: Record<string, string>) =>
  spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, ...env },
  });

/** Runs `typecrud serve` as a real process on a free port; resolves once it listens. */
function serve(env: Record<string, string>): Promise<Served> {
  const child = node(['serve'], { PORT: '0', LOG_LEVEL: 'info', ...env });
  const logs: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line in 90 s:\n${logs.join('')}`)), 90_000);
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString());
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, logs, exit });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => logs.push(c.toString()));
    exit.then((code) => reject(new Error(`exited with ${code} before listening:\n${logs.join('')}`)));
  });
}

function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = node(['serve'], env);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

const trpc = async (url: string, path: string, input: unknown, token?: string) => {
  const res = await fetch(`${url}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ json: input }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { result?: { data: { json: Record<string, unknown> } } },
  };
};

describe('typecrud serve (the main job, embedded database)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'typecrud-serve-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses bad configuration with one line per problem', async () => {
    const bad = await run({ PORT: 'eighty', DATABASE_URL: 'mysql://x', DATA_DIR: dataDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('PORT:');
    expect(bad.stderr).toContain('DATABASE_URL: must be a postgres:// connection string');
    const prod = await run({ NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(prod.code).toBe(2);
    expect(prod.stderr).toContain('JWT_SECRET: is required in production');
  });

  it('creates and seeds a new database, serves it, and shuts down cleanly on SIGTERM', async () => {
    const env = { DATA_DIR: dataDir, ADMIN_PASSWORD: 'first-admin-password' };
    const first = await serve(env);
    expect(await (await fetch(`${first.url}/health`)).json()).toEqual({ status: 'ok', engine: 'pglite' });
    const signIn = await trpc(first.url, 'auth.signIn', {
      email: 'admin@acme.test',
      password: 'first-admin-password',
    });
    const token = signIn.body.result!.data.json.token as string;
    const created = await trpc(first.url, 'tag.create', { label: 'persisted' }, token);
    expect(created.status).toBe(200);
    // an in-flight request finishes although SIGTERM arrives meanwhile
    const inFlight = trpc(
      first.url,
      'tag.createMany',
      Array.from({ length: 200 }, (_v, i) => ({ label: `late-${i}` })),
      token,
    );
    // SIGTERM once the server has the request (logged as incoming), not while it is still on the wire
    for (let i = 0; i < 500 && !first.logs.join('').includes('/trpc/tag.createMany'); i++)
      await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await first.exit).toBe(0);
    expect(first.logs.join('')).toContain('shutting down');

    // the data folder reopens cleanly, keeps the rows, and is not seeded twice
    const second = await serve(env);
    const again = await trpc(second.url, 'auth.signIn', {
      email: 'admin@acme.test',
      password: 'first-admin-password',
    });
    const t2 = again.body.result!.data.json.token as string;
    const count = await fetch(
      `${second.url}/trpc/tag.count?input=${encodeURIComponent(JSON.stringify({ json: { where: { label: { startsWith: 'late-' } } } }))}`,
      {
        headers: { authorization: `Bearer ${t2}` },
      },
    );
    expect(((await count.json()) as { result: { data: { json: number } } }).result.data.json).toBe(200);
    const orgs = await fetch(`${second.url}/trpc/organization.count`, {
      headers: { authorization: `Bearer ${t2}` },
    });
    expect(((await orgs.json()) as { result: { data: { json: number } } }).result.data.json).toBe(2);
    expect(second.logs.join('')).not.toContain('seeded the demo');
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });
});
