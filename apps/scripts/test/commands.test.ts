import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@typecrud/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInClient } from '../src/api.js';
import { seedThroughApi } from '../src/seed.js';

const scriptsDir = join(import.meta.dirname, '..');
const root = join(scriptsDir, '..', '..');
const tsx = join(scriptsDir, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** The README's export command, as documented (its words, without the comment and the redirection). */
function readmeExportCommand(): string[] {
  const line = readFileSync(join(root, 'README.md'), 'utf8')
    .split('\n')
    .find((l) => l.includes('@typecrud/scripts export'));
  if (!line) throw new Error('README.md documents no export command');
  return line
    .replace(/#.*$/, '')
    .replace(/>\s*\S+/, '')
    .trim()
    .split(/\s+/);
}

/** A port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('the scripts as commands (real processes, PGlite)', () => {
  let server: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    env = {
      API_URL: server.url,
      TYPECRUD_EMAIL: server.admin.email,
      TYPECRUD_PASSWORD: server.admin.password,
    };
    const api = await signedInClient({
      API_URL: server.url,
      TYPECRUD_EMAIL: server.admin.email,
      TYPECRUD_PASSWORD: server.admin.password,
    });
    await seedThroughApi(api, { slug: 'exported', projects: 7, releasesPerProject: 1 });
  }, 60_000);
  afterAll(() => server?.close());

  it("the README's export command writes clean JSON lines to stdout, progress to stderr", async () => {
    const [command, ...args] = readmeExportCommand();
    expect(command).toBe('npx');
    const slug = args.indexOf('--slug');
    expect(slug).toBeGreaterThan(0);
    args[slug + 1] = 'exported';
    const result = await run(command!, args, root, env);
    expect(result.stderr).toContain('exported 7 projects');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n').filter((l) => l !== '');
    const projects = lines.map((l) => JSON.parse(l) as { name: string; releases: unknown[] });
    expect(projects.map((p) => p.name)).toEqual(
      Array.from({ length: 7 }, (_v, i) => `Project ${String(i + 1).padStart(3, '0')}`),
    );
    expect(projects.every((p) => p.releases.length === 1)).toBe(true);
    expect(result.stderr).toContain('exported projects 7/7');
  }, 120_000);

  it('seed --releases 0 seeds projects without releases', async () => {
    const result = await run(
      tsx,
      ['src/seed-demo.ts', '--slug', 'no-releases', '--projects', '2', '--releases', '0'],
      scriptsDir,
      env,
    );
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ createdProjects: 2, createdReleases: 0 });
    const bad = await run(tsx, ['src/seed-demo.ts', '--releases', 'many'], scriptsDir, env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "option '--releases <n>' argument 'many' is invalid. must be 0 or a positive integer",
    );
  }, 60_000);

  it('names the URL when the API is down', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const script of [['src/export-projects.ts', '--slug', 'acme'], ['src/seed-demo.ts']]) {
      const result = await run(tsx, script, scriptsDir, { ...env, API_URL: url });
      expect(result.stderr.trim()).toBe(`cannot reach ${url}: ECONNREFUSED`);
      expect(result.stdout).toBe('');
      expect(result.code).toBe(1);
    }
  }, 60_000);
});
