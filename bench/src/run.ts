/**
 * `pnpm --filter @typecrud/bench bench [--quick]`: seeds a dedicated PostgreSQL database, starts
 * every contender as its own server process, drives each scenario from a separate load process at
 * fixed concurrency levels, repeats the PGlite read scenarios, measures type-check scaling, and
 * writes results/latest.md + results/latest.json (raw runs under results/raw/).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { adminUrl, benchDatabase, benchUrl, fullSeed } from './config.js';
import type { Engine } from './contenders/contender.js';
import { contenderByName, contenders } from './contenders/index.js';
import type { LoadResult } from './loadgen.js';
import { runLoad, type ServerProcess, startServer } from './processes.js';
import { type BenchResults, type Cell, median, skippedPeers, writeResults } from './report.js';
import { appliesTo, type ScenarioName, scenarioByName, scenarios } from './scenarios.js';
import { cleanWrites, recreatePostgres } from './seed.js';
import { measureTypecheck } from './typecheck/measure.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string) =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')[1]
    ?.split(',');

const settings = quick
  ? {
      warmupSeconds: 1,
      durationSeconds: 1.5,
      runs: 3,
      concurrency: [16],
      heavyConcurrency: [16],
      pgliteConcurrency: [16],
      typecheckSizes: [10, 50],
    }
  : {
      warmupSeconds: 1.5,
      durationSeconds: 3,
      runs: 3,
      concurrency: [1, 16, 64],
      heavyConcurrency: [1, 16],
      pgliteConcurrency: [1, 16],
      typecheckSizes: [10, 50, 100, 200],
    };

const onlyScenarios = option('scenarios') as ScenarioName[] | undefined;
const onlyContenders = option('contenders');
const skipTypecheck = args.includes('--no-typecheck');
const skipPglite = args.includes('--no-pglite');

async function machine() {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres: rows[0]?.server_version ?? 'unknown',
    platform: `${process.platform} ${process.arch}`,
    ...gitState(),
  };
}

/** Which typecrud was measured: the commit, and whether the packages had uncommitted changes then. */
function gitState(): { commit: string; uncommittedFiles: number } {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', '../packages', '../apps')
      .split('\n')
      .filter(Boolean).length;
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedFiles: dirty };
  } catch {
    return { commit: 'unknown', uncommittedFiles: -1 };
  }
}

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function measure(
  server: ServerProcess,
  engine: Engine,
  scenario: ScenarioName,
  connections: number,
  dbUrl: string,
): Promise<Cell> {
  const info = contenderByName(server.name);
  let before = 0;
  const runs: LoadResult[] = await runLoad(
    {
      target: `http://127.0.0.1:${server.port}`,
      wire: info.wire,
      scenario,
      connections,
      warmupSeconds: settings.warmupSeconds,
      durationSeconds: settings.durationSeconds,
      runs: settings.runs,
      dbUrl,
      headers: server.headers,
    },
    async () => {
      before = (await server.stats()).statements;
    },
  );
  const after = (await server.stats()).statements;
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const cell: Cell = {
    engine,
    scenario,
    contender: server.name,
    connections,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    statementsPerRequest: requests ? (after - before) / requests : 0,
    requests,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    runs,
  };
  const bad =
    cell.non2xx || cell.errors
      ? `  !! non2xx=${cell.non2xx} errors=${cell.errors} ${JSON.stringify(runs.map((r) => r.statuses))}`
      : '';
  log(
    `${engine} ${scenario} c=${connections} ${server.name}: ${cell.rps.toFixed(0)} req/s p50=${cell.p50}ms p99=${cell.p99}ms sql/req=${cell.statementsPerRequest.toFixed(2)}${bad}`,
  );
  return cell;
}

/** Every scenario x concurrency, contenders taking turns cell by cell so drift in the machine's load hits all alike. */
async function phase(engine: Engine, names: string[], which: ScenarioName[], dbUrl: string, cells: Cell[]) {
  const servers: ServerProcess[] = [];
  try {
    let port = engine === 'postgres' ? 4100 : 4200;
    for (const name of names) {
      log(`starting ${name} (${engine})`);
      servers.push(await startServer(name, engine, port++, benchUrl()));
    }
    for (const name of which) {
      const scenario = scenarioByName(name);
      const levels =
        engine === 'pglite'
          ? settings.pgliteConcurrency
          : name === 'createMany'
            ? settings.heavyConcurrency
            : settings.concurrency;
      for (const connections of levels) {
        for (const server of servers) {
          if (!appliesTo(scenario, server.name)) continue;
          cells.push(await measure(server, engine, name, connections, dbUrl));
          if (scenario.kind !== 'read') await cleanWrites(dbUrl);
        }
      }
    }
  } finally {
    for (const s of servers) await s.stop();
  }
}

async function main() {
  const startedAt = new Date().toISOString();
  const load = { start: loadavg() };
  log(
    `machine load average ${load.start.map((x) => x.toFixed(2)).join(' ')}; ${quick ? 'quick' : 'full'} run`,
  );
  const info = await machine();
  log(`seeding ${benchDatabase}: ${JSON.stringify(fullSeed)}`);
  await recreatePostgres(benchDatabase, fullSeed);
  const dbUrl = benchUrl();
  const cells: Cell[] = [];

  const which = scenarios.map((s) => s.name).filter((n) => !onlyScenarios || onlyScenarios.includes(n));
  const names = contenders
    .filter((c) => c.engines.includes('postgres') && (!onlyContenders || onlyContenders.includes(c.name)))
    .map((c) => c.name);
  await phase('postgres', names, which, dbUrl, cells);

  if (!skipPglite) {
    const reads = which.filter((n) => scenarioByName(n).kind === 'read');
    const lite = contenders
      .filter((c) => c.engines.includes('pglite') && (!onlyContenders || onlyContenders.includes(c.name)))
      .map((c) => c.name);
    await phase('pglite', lite, reads, dbUrl, cells);
  }

  const typecheck = skipTypecheck ? [] : await measureTypecheck(settings.typecheckSizes, log);
  const results: BenchResults = {
    mode: quick ? 'quick' : 'full',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { ...info, loadAverage: { start: load.start, end: loadavg() } },
    settings: { ...settings, seed: fullSeed },
    cells,
    typecheck,
    skipped: skippedPeers,
  };
  const files = await writeResults(results, {
    partial: Boolean(onlyScenarios || onlyContenders || skipTypecheck || skipPglite),
  });
  log(`wrote ${files.join(', ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
