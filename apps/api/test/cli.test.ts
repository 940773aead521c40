import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations } from '@typecrud/server';
import { openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir } from '../src/prepare-database.js';

const apiDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(apiDir, 'node_modules', '.bin', 'tsx');
const temp: string[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI process (`tsx src/cli.ts ...`) with only the environment given. */
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['src/cli.ts', ...args],
      {
        cwd: apiDir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'typecrud-cli-'));
  temp.push(d);
  return d;
}

afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

describe('cli', () => {
  it('explains itself', async () => {
    const help = await cli(['--help'], {});
    expect(help.code).toBe(0);
    for (const word of ['serve', 'migrate', 'seed', 'reset', 'Exit codes'])
      expect(help.stdout).toContain(word);
  });

  it('says when the database cannot be reached, exit code 1', async () => {
    const run = await cli(['migrate', 'status'], {
      DATABASE_URL: 'postgres://app:secret@127.0.0.1:1/nowhere',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach the database (postgres://app:***@127.0.0.1:1/nowhere)');
    expect(run.stderr).not.toContain('secret');
  });
});

describe.each(testEngines())('cli on %s', (engine) => {
  let env: Record<string, string>;
  let database: TestDatabase | undefined;
  let names: string[];
  beforeAll(async () => {
    names = (await loadMigrations(defaultMigrationsDir)).map((m) => m.name);
    env = { DATA_DIR: join(tempDir(), 'data'), ADMIN_EMAIL: 'root@acme.test' };
    if (engine === 'postgres') {
      database = await openTestDatabase('postgres');
      env.DATABASE_URL = database.url!;
    }
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it('status, up, seed, a refused destructive down, generate with nothing to do, reset refused in production', async () => {
    const pending = await cli(['migrate', 'status'], env);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toContain(`0 applied, ${names.length} pending`);
    for (const n of names) expect(pending.stdout).toMatch(new RegExp(`pending\\s+${n}`));

    const up = await cli(['migrate', 'up'], env);
    expect(up.code).toBe(0);
    for (const n of names) expect(up.stdout).toContain(`applied  ${n}`);

    const seed = await cli(['seed'], env);
    expect(seed.code).toBe(0);
    expect(seed.stdout).toContain('created the superadmin root@acme.test');

    // the newest migration adds only a generated column and its index: reverting it loses nothing
    const down = await cli(['migrate', 'down'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain(`reverted ${names.at(-1)}`);
    // the one before drops a table of rows (the change events): refused without --allow-destructive
    const lossy = await cli(['migrate', 'down'], env);
    expect(lossy.code).toBe(1);
    expect(lossy.stderr).toContain('nothing reverted: reverting loses data');
    const again = await cli(['migrate', 'up'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`applied  ${names.at(-1)}`);

    const generate = await cli(['migrate', 'generate', 'nothing'], env);
    expect(generate.code).toBe(0);
    expect(generate.stdout).toContain('nothing to generate');

    const reset = await cli(['reset'], {
      ...env,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      ADMIN_PASSWORD: 'production-password',
    });
    expect(reset.code).toBe(1);
    expect(reset.stderr).toContain('refused because NODE_ENV=production');
  });

  it('a failing migration: exit code 1, the error, and the schema left at the last good migration', async () => {
    const root = tempDir();
    const dir = join(root, 'migrations');
    cpSync(defaultMigrationsDir, dir, { recursive: true });
    mkdirSync(join(root, 'node_modules'));
    symlinkSync(join(apiDir, 'node_modules', 'kysely'), join(root, 'node_modules', 'kysely'), 'dir');
    writeFileSync(
      join(dir, '29990101000000_broken.ts'),
      `import { type Kysely, sql } from 'kysely';
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql\`alter table organization add column half_done text\`.execute(db);
  await sql\`alter table organization add column slug text\`.execute(db);
}
`,
    );
    const up = await cli(['--migrations', dir, 'migrate', 'up'], env);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('applying migration 29990101000000_broken failed');
    expect(up.stderr).toContain(`the schema is at ${names.at(-1)}`);
    const status = await cli(['--migrations', dir, 'migrate', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/pending\s+29990101000000_broken/);
    expect(status.stdout).toContain(`${names.length} applied, 1 pending`);
    // the first statement of the broken migration was rolled back with it: no drift
    const check = await cli(['migrate', 'status'], env);
    expect(check.stdout).toContain(`${names.length} applied, 0 pending`);
    expect(check.stdout).toContain('the schema matches the entity definitions');
  });
});
