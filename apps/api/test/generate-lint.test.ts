import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const apiDir = fileURLToPath(new URL('..', import.meta.url));
const root = join(apiDir, '..', '..');
const bin = (dir: string, name: string) => join(dir, 'node_modules', '.bin', name);

function run(file: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent' } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          output: stdout + stderr,
        }),
    );
  });
}

describe('migrate generate', () => {
  // Inside apps/api, where the committed migrations live: the same lint rules and kysely resolution.
  const dir = mkdtempSync(join(apiDir, 'migrations-generated-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes files that pass biome check and the type checker as written', async () => {
    // From an empty folder: every table, index, constraint, comment and foreign key of the schema,
    // long statements included; then an empty one (`--empty`, hand-written change).
    const initial = await run(
      bin(apiDir, 'tsx'),
      ['src/cli.ts', '--migrations', dir, 'migrate', 'generate', 'initial'],
      apiDir,
    );
    expect(initial.output).toMatch(/wrote .*_initial\.ts \(\d+ changes\)/);
    const empty = await run(
      bin(apiDir, 'tsx'),
      ['src/cli.ts', '--migrations', dir, 'migrate', 'generate', 'by-hand', '--empty'],
      apiDir,
    );
    expect(empty.output).toMatch(/wrote .*_by_hand\.ts \(0 changes\)/);
    const files = readdirSync(dir).map((f) => join(dir, f));
    expect(files).toHaveLength(2);

    const lint = await run(bin(root, 'biome'), ['check', ...files], root);
    expect(lint.output).toContain('Checked 2 files');
    expect(lint.code, lint.output).toBe(0);

    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../tsconfig.json', include: ['*.ts'] }),
    );
    const types = await run(bin(apiDir, 'tsc'), ['--noEmit', '-p', join(dir, 'tsconfig.json')], apiDir);
    expect(types.code, types.output).toBe(0);
  }, 120_000);
});
