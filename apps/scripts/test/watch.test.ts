import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@typecrud/api/testing';
import { testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, signedInClient } from '../src/api.js';

const scriptsDir = join(import.meta.dirname, '..');
const tsx = join(scriptsDir, 'node_modules', '.bin', 'tsx');

/** `watch` as a process: resolves once it says it is watching; `done` resolves with its output at exit. */
function watch(args: string[], env: Record<string, string>) {
  const child = spawn(tsx, ['src/watch.ts', ...args], {
    cwd: scriptsDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  const started = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes('watching')) resolve();
    });
    done.then(() => reject(new Error(`watch exited: ${stderr}`)));
  });
  started.catch(() => {});
  return { started, done };
}

describe.each(testEngines())('pnpm --filter @typecrud/scripts watch on %s', (engine) => {
  let server: TestServer;
  let env: Record<string, string>;
  let api: Api;
  let orgId: string;
  beforeAll(async () => {
    server = await startTestServer(engine);
    env = {
      API_URL: server.url,
      TYPECRUD_EMAIL: server.admin.email,
      TYPECRUD_PASSWORD: server.admin.password,
    };
    api = await signedInClient(env as never);
    orgId = (await api.organization.create.mutate({ name: 'Watched', slug: 'watched' })).id;
  }, 60_000);
  afterAll(() => server?.close());

  it('prints committed changes as JSON lines, and replays after --since', async () => {
    const w = watch(['--entity', 'project', '--count', '2'], env);
    await w.started;
    const one = await api.project.create.mutate({ organizationId: orgId, name: 'Watched one' });
    await api.project.update.mutate({ id: one.id, data: { description: 'changed' } });
    const out = await w.done;
    expect(out.code).toBe(0);
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.rowId, l.action])).toEqual([
      [one.id, 'create'],
      [one.id, 'update'],
    ]);
    expect(lines[1].changedFields).toContain('description');
    // resumed after the first event: the update comes again, nothing else before it
    const again = watch(['--entity', 'project', '--since', lines[0].id, '--count', '1'], env);
    const replayed = await again.done;
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout.trim()).id).toBe(lines[1].id);
    // a bad resume point is one clear line and exit code 1
    const bad = watch(['--entity', 'project', '--since', 'abc'], env);
    const refused = await bad.done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--since');
  }, 60_000);
});
