import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Engine } from './contenders/contender.js';
import type { LoadMessage, LoadResult, LoadSpec } from './loadgen.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const execArgv = ['--import', 'tsx'];

/** A server process's counters: SQL statements sent, resident memory, CPU time used (user + system). */
export interface ServerStats {
  statements: number;
  memory: number;
  cpuMicros: number;
}

export interface ServerProcess {
  readonly name: string;
  readonly port: number;
  readonly headers: Record<string, string>;
  readonly pid: number;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

function waitFor<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code} while waiting for ${type}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Forks one contender's server process and waits until it listens. */
export async function startServer(
  name: string,
  engine: Engine,
  port: number,
  url: string,
  extraArgv: string[] = [],
): Promise<ServerProcess> {
  const child = fork(here('./server.ts'), [name, engine, String(port), url], {
    execArgv: [...execArgv, ...extraArgv],
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await waitFor<{ headers: Record<string, string> }>(child, 'ready', 180_000);
  return {
    name,
    port,
    headers: ready.headers,
    pid: child.pid!,
    async stats() {
      const reply = waitFor<ServerStats>(child, 'stats', 10_000);
      child.send({ type: 'stats' });
      return reply;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface LoadHooks {
  /** Before a contender's run: read its statement counter. */
  before(contender: string, run: number): Promise<void>;
  /** After it: read the counter again, clean up writes. */
  after(contender: string, run: number, result: LoadResult): Promise<void>;
}

/** Runs one scenario at one concurrency in a load process of its own, the contenders taking turns run by run. */
export function runLoad(spec: LoadSpec, hooks: LoadHooks): Promise<void> {
  const child = fork(here('./loadgen.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const go = () => child.send({ type: 'go' });
    child.on('message', (m: LoadMessage) => {
      if (m.type === 'before') hooks.before(m.contender, m.run).then(go, reject);
      else if (m.type === 'after') hooks.after(m.contender, m.run, m.result).then(go, reject);
      else if (m.type === 'done') resolve();
      else if (m.type === 'error') reject(new Error(m.error));
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load process exited with ${code}`));
    });
    child.send(spec);
  });
}
