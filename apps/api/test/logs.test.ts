import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');

/** Runs `typecrud serve` until it listens, stops it with SIGTERM, and returns its stdout. */
function serveOnce(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', SEED_DEMO: 'false', ...env },
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/Server listening at http:\/\/127\.0\.0\.1:\d+/.test(out)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) =>
      /Server listening/.test(out) ? resolve(out) : reject(new Error(`exited with ${code}:\n${out}${err}`)),
    );
  });
}

describe('server logs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'typecrud-logs-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('are human lines in development and JSON lines otherwise', async () => {
    const dev = await serveOnce({ NODE_ENV: 'development', DATA_DIR: dataDir });
    const devLines = dev.split('\n').filter((l) => l.trim() !== '');
    expect(devLines.some((l) => /INFO.*Server listening at http:\/\/127\.0\.0\.1:\d+/.test(l))).toBe(true);
    expect(devLines.filter((l) => l.startsWith('{'))).toEqual([]);

    const json = await serveOnce({ NODE_ENV: 'test', DATA_DIR: dataDir });
    const records = json
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(records.find((r) => r.msg.startsWith('Server listening'))?.level).toBe(30);

    const forced = await serveOnce({ NODE_ENV: 'development', LOG_FORMAT: 'json', DATA_DIR: dataDir });
    expect(JSON.parse(forced.split('\n')[0]!)).toMatchObject({ level: 30 });
  }, 120_000);
});
