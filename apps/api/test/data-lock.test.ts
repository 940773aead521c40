import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const apiDir = join(import.meta.dirname, '..');
const cli = join(apiDir, 'src', 'cli.ts');
const env = (dataDir: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  LOG_LEVEL: 'info',
  NODE_ENV: 'test',
  SEED_DEMO: 'false',
  DATA_DIR: dataDir,
  INIT_CWD: apiDir,
});

function command(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, ...args],
      { cwd: apiDir, env: env(dataDir) },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('the embedded database is one process at a time', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'typecrud-lock-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a second process while `serve` runs, naming it, and loses nothing', async () => {
    const server = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
      cwd: apiDir,
      env: { ...env(dataDir), PORT: '0' },
    });
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.stderr.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      exited.then((code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
    });

    const status = await command(['migrate', 'status'], dataDir);
    expect(status.code).toBe(1);
    expect(status.stderr.trim()).toBe(
      `error: the database under ${dataDir} is in use by process ${server.pid}; stop it or use DATABASE_URL`,
    );
    const second = await command(['serve'], dataDir);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is in use by process ${server.pid}`);
    // the running server did not notice
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    const after = await command(['migrate', 'status'], dataDir);
    expect(after.stderr).toBe('');
    expect(after.stdout).toMatch(/\d+ applied, 0 pending/);
    expect(after.stdout).toContain('the schema matches the entity definitions');
    expect(after.code).toBe(0);
  }, 120_000);

  it('takes over a lock left by a process that is gone', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    writeFileSync(join(dataDir, 'pglite.lock'), `${gone.pid}\n`);
    const status = await command(['migrate', 'status'], dataDir);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
  }, 60_000);
});
