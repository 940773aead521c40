import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Waits until `ready()` holds, polling; fails after `timeoutMs` with `what`. */
export async function until(what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Served {
  child: ChildProcess;
  url: string;
  logs: string[];
  exit: Promise<{ code: number | null; at: number }>;
}

/** `typecrud serve` as a real process (node runs tsx as a loader, so signals reach it); resolves once it listens. */
export function serve(env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, at: Date.now() })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line in 120 s:\n${logs.join('')}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      logs.push(chunk.toString());
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, logs, exit });
      }
    });
    child.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
    exit.then(({ code }) => reject(new Error(`exited with ${code} before listening:\n${logs.join('')}`)));
  });
}

/** Why the fault suites cannot run here (missing binaries, not root), or undefined when they can. */
export function faultSuiteBlocker(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (the throwaway cluster runs as postgres through runuser)';
  const bindir = pgBindir();
  if (!bindir) return 'pg_config is not installed';
  for (const bin of ['initdb', 'pg_ctl', 'postgres'])
    if (!existsSync(join(bindir, bin))) return `${bin} is missing from ${bindir}`;
  if (spawnSync('runuser', ['--help']).error) return 'runuser is missing';
  if (spawnSync('id', ['postgres']).status !== 0) return 'there is no postgres user';
  return undefined;
}

export function redisBlocker(): string | undefined {
  return spawnSync('redis-server', ['--version']).error ? 'redis-server is not installed' : undefined;
}

function pgBindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** A throwaway PostgreSQL cluster owned by the test: initdb in /tmp, a free port, started and stopped with pg_ctl as postgres. */
export interface Cluster {
  port: number;
  url: string;
  start(): Promise<void>;
  /** Fast shutdown: open connections are terminated (57P01), new ones refused until start(). */
  stop(): Promise<void>;
  destroy(): void;
}

export async function createCluster(): Promise<Cluster> {
  const bindir = pgBindir()!;
  const dir = mkdtempSync(join(tmpdir(), 'typecrud-faults-pg-'));
  chmodSync(dir, 0o700);
  const { uid, gid } = userIds('postgres');
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (bin: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bindir, bin), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const asPostgresAsync = (bin: string, args: string[]) =>
    new Promise<void>((resolve, reject) =>
      execFile('runuser', ['-u', 'postgres', '--', join(bindir, bin), ...args], (err, _out, stderr) =>
        err ? reject(new Error(`${bin} failed: ${stderr}`)) : resolve(),
      ),
    );
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const cluster: Cluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // asynchronous, so a load running in this process goes on while PostgreSQL stops and starts
    start: () =>
      asPostgresAsync('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(dir, 'log'),
        '-w',
        '-t',
        '60',
        'start',
      ]),
    stop: () => asPostgresAsync('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']),
    destroy: () => {
      spawnSync('runuser', [
        '-u',
        'postgres',
        '--',
        join(bindir, 'pg_ctl'),
        '-D',
        data,
        '-m',
        'immediate',
        'stop',
      ]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** A redis-server of the test's own on a free port, no persistence. */
export async function startRedis(): Promise<{ url: string; kill(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
