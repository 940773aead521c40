/**
 * The load generator: a process of its own, forked by the runner per measurement. It drives one
 * contender with autocannon at a fixed concurrency for a fixed time and sends the result back.
 */
import autocannon from 'autocannon';
import type { Wire } from './contenders/index.js';
import { type LoadState, scenarioByName } from './scenarios.js';
import { readFixtures } from './seed.js';

export interface LoadSpec {
  target: string;
  wire: Wire;
  scenario: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  runs: number;
  /** PostgreSQL URL to read the seeded ids and current versions from. */
  dbUrl: string;
  /** Sent with every request (the contender's bearer token, if any). */
  headers: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Status codes other than 2xx, with counts (to tell a conflict from a crash). */
  statuses: Record<string, number>;
}

/** Messages from the load process to the runner. */
export type LoadMessage =
  | { type: 'warm' }
  | { type: 'result'; runs: LoadResult[] }
  | { type: 'error'; error: string };

async function once(spec: LoadSpec, state: LoadState, seconds: number): Promise<LoadResult> {
  const scenario = scenarioByName(spec.scenario);
  const result = await autocannon({
    url: spec.target,
    connections: spec.connections,
    duration: seconds,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        setupRequest: (request) => {
          const next = scenario.request(spec.wire, state);
          state.seq++;
          return {
            ...request,
            method: next.method,
            path: next.path,
            body: next.body,
            headers: { ...request.headers, ...spec.headers, ...next.headers },
          } as never;
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith('2')) statuses[code] = stat.count ?? 0;
  }
  const requests = result['2xx'] + result.non2xx;
  return {
    requests,
    seconds: result.duration,
    rps: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
  };
}

const send = (message: LoadMessage) =>
  new Promise<void>((resolve) => process.send?.(message, () => resolve()));
const nextMessage = () => new Promise<unknown>((resolve) => process.once('message', resolve));

/** Warm-up, then (after the runner's go, once it has read the statement counter) the measured runs. */
async function main(spec: LoadSpec) {
  const fixtures = await readFixtures(spec.dbUrl);
  const state: LoadState = {
    projectIds: fixtures.projectIds,
    versions: fixtures.versions,
    nonce: Math.floor(Date.now() % 1e8) + process.pid,
    seq: 0,
  };
  if (spec.warmupSeconds > 0) await once(spec, state, spec.warmupSeconds);
  await send({ type: 'warm' });
  await nextMessage();
  const runs: LoadResult[] = [];
  for (let i = 0; i < spec.runs; i++) runs.push(await once(spec, state, spec.durationSeconds));
  await send({ type: 'result', runs });
}

process.once('message', (spec: LoadSpec) => {
  main(spec).then(
    () => process.exit(0),
    async (e: unknown) => {
      await send({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      process.exit(1);
    },
  );
});
