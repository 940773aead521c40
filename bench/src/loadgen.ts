/**
 * The load generator: a process of its own, forked by the runner per measurement. It drives one
 * contender with autocannon at a fixed concurrency for a fixed time and sends the result back.
 */
import autocannon from 'autocannon';
import type { Wire } from './contenders/index.js';
import { type LoadState, scenarioByName } from './scenarios.js';
import { readFixtures } from './seed.js';

export interface LoadTarget {
  contender: string;
  url: string;
  wire: Wire;
  /** Sent with every request (the contender's bearer token, if any). */
  headers: Record<string, string>;
}

export interface LoadSpec {
  targets: LoadTarget[];
  scenario: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  runs: number;
  /** PostgreSQL URL to read the seeded ids and current versions from. */
  dbUrl: string;
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

/** Messages from the load process to the runner; the runner answers each `before`/`after` with `go`. */
export type LoadMessage =
  | { type: 'before'; contender: string; run: number }
  | { type: 'after'; contender: string; run: number; result: LoadResult }
  | { type: 'done' }
  | { type: 'error'; error: string };

interface Context {
  updating?: string;
}

/** The version an update answered with (tRPC batch or raw body), so the next update of that row expects it. */
function answeredVersion(wire: Wire, body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const row =
      wire === 'raw'
        ? parsed
        : (parsed as [{ result?: { data?: { json?: unknown } } }])[0]?.result?.data?.json;
    return (row as { version?: number } | undefined)?.version;
  } catch {
    return undefined;
  }
}

async function once(
  spec: LoadSpec,
  target: LoadTarget,
  state: LoadState,
  seconds: number,
): Promise<LoadResult> {
  const scenario = scenarioByName(spec.scenario);
  const result = await autocannon({
    url: target.url,
    connections: spec.connections,
    duration: seconds,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        setupRequest: (request, context: Context) => {
          const next = scenario.request(target.wire, state);
          state.seq++;
          context.updating = next.updates;
          return {
            ...request,
            method: next.method,
            path: next.path,
            body: next.body,
            headers: { ...request.headers, ...target.headers, ...next.headers },
          } as never;
        },
        onResponse: (status, body, context: Context) => {
          if (!context.updating || status !== 200) return;
          const version = answeredVersion(target.wire, body);
          if (version !== undefined) state.versions[context.updating] = version;
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
const go = () => new Promise<unknown>((resolve) => process.once('message', resolve));

/**
 * Warm-up of every target, then the runs: contenders take turns run by run, so a change in the
 * machine's load during the cell hits them alike. All targets share one database, and one state
 * (the rows' current versions), since only one of them is ever under load.
 */
async function main(spec: LoadSpec) {
  const fixtures = await readFixtures(spec.dbUrl);
  const state: LoadState = {
    projectIds: fixtures.projectIds,
    versions: fixtures.versions,
    nonce: Math.floor(Date.now() % 1e8) + process.pid,
    seq: 0,
  };
  const writesVersions = spec.scenario === 'update' || spec.scenario === 'mixed';
  if (spec.warmupSeconds > 0) for (const t of spec.targets) await once(spec, t, state, spec.warmupSeconds);
  for (let run = 0; run < spec.runs; run++) {
    for (const target of spec.targets) {
      await send({ type: 'before', contender: target.contender, run });
      await go();
      // a request cut off at the end of the last run may still have bumped a row's version: re-read them
      if (writesVersions) state.versions = (await readFixtures(spec.dbUrl)).versions;
      const result = await once(spec, target, state, spec.durationSeconds);
      await send({ type: 'after', contender: target.contender, run, result });
      await go();
    }
  }
  await send({ type: 'done' });
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
