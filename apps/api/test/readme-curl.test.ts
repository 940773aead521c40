import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadPrincipal } from '@typecrud/demo/server';
import { testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';

/** The README's REST curl block, run as written by bash against a real seeded API. */
describe.each(testEngines())("README's curl commands on %s", (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { seed: true });
  });
  afterAll(() => server?.close());

  it('run as written and answer as the README says', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const block = /<!-- rest-curl -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    // a clean non-interactive shell, as a reader's script runs. stdin is closed: bash takes a socket
    // on stdin for a remote shell and sources the system bashrc (Node's pipes are socket pairs)
    const { BASH_ENV: _bashEnv, ENV: _env, ...env } = process.env;
    const { stdout, stderr } = await runBash(block!, { ...env, API: server.url });
    expect(stderr).toBe('');
    const ctx = { db: server.database.db, caller: null };
    const [ada] = (await server.system.managers.user.list(ctx, { where: { email: 'ada@acme.test' } })).items;
    const asAda = { db: server.database.db, caller: await loadPrincipal(server.database.db, ada!.id) };
    const total = (
      await server.services.managers.project.list(asAda, {
        where: { name: { contains: 'o', mode: 'insensitive' } },
        withTotal: true,
      })
    ).total;
    // the created project ("From curl") is deleted by the last command
    expect(await server.system.managers.project.count(ctx, { where: { name: 'From curl' } })).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      String(total),
      'update: 200',
      'stale update: 412',
      'unknown query parameter: sortBy',
      'delete: 200',
    ]);
  });
});

/** Runs a script with `bash -euo pipefail`, stdin closed; rejects on a non-zero exit with its stderr. */
function runBash(script: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`bash exited with ${code}: ${stderr}`)),
    );
  });
}
