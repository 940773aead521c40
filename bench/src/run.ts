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
      warmupSeconds: 1,
      durationSeconds: 2.5,
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

/** One scenario at one concurrency level: every applicable contender, run by run in turn. */
async function measure(
  servers: ServerProcess[],
  engine: Engine,
  scenario: ScenarioName,
  connections: number,
  dbUrl: string,
): Promise<Cell[]> {
  const targets = servers.filter((s) => appliesTo(scenarioByName(scenario), s.name));
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  const statements = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const cpu = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const byName = new Map(targets.map((t) => [t.name, t]));
  let before = { statements: 0, memory: 0, cpuMicros: 0 };
  await runLoad(
    {
      targets: targets.map((t) => ({
        contender: t.name,
        url: `http://127.0.0.1:${t.port}`,
        wire: contenderByName(t.name).wire,
        headers: t.headers,
      })),
      scenario,
      connections,
      warmupSeconds: settings.warmupSeconds,
      durationSeconds: settings.durationSeconds,
      runs: settings.runs,
      dbUrl,
    },
    {
      async before(name) {
        before = await byName.get(name)!.stats();
      },
      async after(name, _run, result) {
        const after = await byName.get(name)!.stats();
        statements.set(name, statements.get(name)! + after.statements - before.statements);
        cpu.set(name, cpu.get(name)! + after.cpuMicros - before.cpuMicros);
        runs.get(name)!.push(result);
        if (scenarioByName(scenario).kind !== 'read' && engine === 'postgres') await cleanWrites(dbUrl);
      },
    },
  );
  return targets.map((t) => {
    const r = runs.get(t.name)!;
    const requests = r.reduce((n, x) => n + x.requests, 0);
    const cell: Cell = {
      engine,
      scenario,
      contender: t.name,
      connections,
      rps: median(r.map((x) => x.rps)),
      p50: median(r.map((x) => x.p50)),
      p99: median(r.map((x) => x.p99)),
      statementsPerRequest: requests ? statements.get(t.name)! / requests : 0,
      cpuMsPerRequest: requests ? cpu.get(t.name)! / 1000 / requests : 0,
      requests,
      non2xx: r.reduce((n, x) => n + x.non2xx, 0),
      errors: r.reduce((n, x) => n + x.errors, 0),
      runs: r,
    };
    const bad =
      cell.non2xx || cell.errors
        ? `  !! non2xx=${cell.non2xx} errors=${cell.errors} ${JSON.stringify(r.map((x) => x.statuses))}`
        : '';
    log(
      `${engine} ${scenario} c=${connections} ${t.name}: ${cell.rps.toFixed(0)} req/s p50=${cell.p50}ms p99=${cell.p99}ms sql/req=${cell.statementsPerRequest.toFixed(2)} cpu/req=${cell.cpuMsPerRequest.toFixed(2)}ms (runs: ${r.map((x) => x.rps.toFixed(0)).join(' ')})${bad}`,
    );
    return cell;
  });
}

/** Every scenario x concurrency level on one engine, with all its contenders' servers up. */
async function phase(engine: Engine, names: string[], which: ScenarioName[], dbUrl: string, cells: Cell[]) {
  const servers: ServerProcess[] = [];
  try {
    let port = engine === 'postgres' ? 4100 : 4200;
    for (const name of names) {
      log(`starting ${name} (${engine})`);
      servers.push(await startServer(name, engine, port++, benchUrl()));
    }
    for (const name of which) {
      const levels =
        engine === 'pglite'
          ? settings.pgliteConcurrency
          : name === 'createMany'
            ? settings.heavyConcurrency
            : settings.concurrency;
      for (const connections of levels)
        cells.push(...(await measure(servers, engine, name, connections, dbUrl)));
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
