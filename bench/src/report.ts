import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Engine } from './contenders/contender.js';
import { contenderByName } from './contenders/index.js';
import type { LoadResult } from './loadgen.js';
import { type ScenarioName, scenarioByName, scenarios } from './scenarios.js';
import type { TypecheckPoint } from './typecheck/measure.js';

/** One measured cell: a contender, a scenario, a concurrency level (medians over the runs). */
export interface Cell {
  engine: Engine;
  scenario: ScenarioName;
  contender: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  statementsPerRequest: number;
  /** Server process CPU time (user + system) per answered request: steadier than req/s on a shared machine. */
  cpuMsPerRequest: number;
  requests: number;
  non2xx: number;
  errors: number;
  runs: LoadResult[];
}

export interface BenchResults {
  mode: 'full' | 'quick';
  startedAt: string;
  finishedAt: string;
  machine: {
    cores: number;
    cpu: string;
    memoryGiB: number;
    node: string;
    postgres: string;
    platform: string;
    commit: string;
    uncommittedFiles: number;
    loadAverage: { start: number[]; end: number[] };
  };
  settings: Record<string, unknown>;
  cells: Cell[];
  typecheck: TypecheckPoint[];
  skipped: { name: string; reason: string }[];
}

/** Peers the issue names that do not run here, and exactly why (checked when the bench was built). */
export const skippedPeers = [
  {
    name: 'ZenStack v3 (@zenstackhq/orm 3.9.4, @zenstackhq/server 3.9.4)',
    reason:
      'its ORM depends on kysely ~0.29.0, and every kysely 0.29.x declares engines node >=22.0.0; this project runs on Node 20 ' +
      '(the CLI, @zenstackhq/cli 3.9.5, also depends on prisma ^6.19, whose engines postinstall downloads binaries).',
  },
  {
    name: 'Prisma 7 (prisma 7.10.1, @prisma/client 7.10.0, @prisma/adapter-pg 7.10.1)',
    reason:
      "not installed (pnpm-workspace.yaml overrides drop it from drizzle-orm's optional peers): `prisma generate` cannot run offline: the CLI lists `generate` among the " +
      'commands that call ensureNeededBinariesExist, which fetches the schema-engine binary from binaries.prisma.sh ' +
      "(getaddrinfo ENOTFOUND here); @prisma/engines' postinstall downloads the same binary.",
  },
];

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const find = (cells: Cell[], engine: Engine, scenario: ScenarioName, contender: string, c: number) =>
  cells.find(
    (x) => x.engine === engine && x.scenario === scenario && x.contender === contender && x.connections === c,
  );

/**
 * The issue's targets for one typecrud cell, judged on req/s (as the issue states them) and, since
 * other work shares this machine, on server CPU per request too (the same ratio, from CPU time).
 */
export function judge(cells: Cell[], cell: Cell): { met: boolean; text: string } | undefined {
  if (cell.contender !== 'typecrud') return undefined;
  const scenario = scenarioByName(cell.scenario);
  const misses: string[] = [];
  const cpuMisses: string[] = [];
  if (cell.rps === 0) return { met: false, text: 'not measured: no request completed within a run' };
  /** `need` = 1 means "ahead of": a peer's ratio must exceed 1. */
  const check = (other: Cell | undefined, need: number, what: string) => {
    if (!other || other.rps === 0) return;
    const miss = (r: number) => (need === 1 ? r <= 1 : r < need);
    const say = (r: number) =>
      need === 1 ? `behind ${what} (${fmtRatio(r)})` : `${fmtRatio(r)} < ${need}x ${what}`;
    const ratio = cell.rps / other.rps;
    if (miss(ratio)) misses.push(say(ratio));
    const cpuRatio = other.cpuMsPerRequest / cell.cpuMsPerRequest;
    if (cell.cpuMsPerRequest > 0 && miss(cpuRatio)) cpuMisses.push(say(cpuRatio));
  };
  check(
    find(cells, cell.engine, cell.scenario, 'handwritten', cell.connections),
    scenario.kind === 'read' ? 0.9 : 0.8,
    'hand-written',
  );
  if (cell.scenario === 'include')
    check(find(cells, cell.engine, cell.scenario, 'naive', cell.connections), 5, 'naive');
  check(find(cells, cell.engine, cell.scenario, 'drizzle', cell.connections), 1, 'Drizzle');
  const failed = cell.non2xx || cell.errors ? [`${cell.non2xx} non-2xx, ${cell.errors} errors`] : [];
  const met = misses.length === 0 && failed.length === 0;
  const cpuMet = cpuMisses.length === 0;
  const text = [
    met ? 'req/s: yes' : `req/s: **no** (${[...misses, ...failed].join('; ')})`,
    cpuMet ? 'CPU/req: yes' : `CPU/req: **no** (${cpuMisses.join('; ')})`,
  ].join('<br>');
  return { met, text };
}

const fmtRatio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'inf (0 answered)');
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function ratioText(cells: Cell[], cell: Cell) {
  const base = find(cells, cell.engine, cell.scenario, 'handwritten', cell.connections);
  return base ? fmtRatio(cell.rps / base.rps) : '';
}

function cpuRatioText(cells: Cell[], cell: Cell) {
  const base = find(cells, cell.engine, cell.scenario, 'handwritten', cell.connections);
  return base && cell.cpuMsPerRequest ? fmtRatio(base.cpuMsPerRequest / cell.cpuMsPerRequest) : '';
}

function scenarioTable(cells: Cell[], engine: Engine, name: ScenarioName): string {
  const rows = cells.filter((c) => c.engine === engine && c.scenario === name);
  if (rows.length === 0) return '';
  const lines = [
    '| contender | conc. | req/s | p50 ms | p99 ms | SQL/req | server CPU ms/req | x hand-written (req/s) | x hand-written (CPU/req) | target met? |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of rows) {
    const j = judge(cells, c);
    const flag = c.non2xx || c.errors ? ` (${c.non2xx} non-2xx)` : '';
    lines.push(
      `| ${contenderByName(c.contender).label}${flag} | ${c.connections} | ${fmt(c.rps)} | ${fmt(c.p50, 1)} | ${fmt(c.p99, 1)} | ${fmt(c.statementsPerRequest, 2)} | ${fmt(c.cpuMsPerRequest, 2)} | ${ratioText(cells, c)} | ${cpuRatioText(cells, c)} | ${j?.text ?? ''} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The headline table: typecrud against the floor, the naive N+1 and the peers, per scenario and level. */
export function summaryTable(r: BenchResults, engine: Engine = 'postgres'): string {
  const lines = [
    '| scenario | conc. | typecrud req/s | hand-written req/s | raw pg req/s | x hand-written | x hand-written + same sign-in | x naive N+1 | x Drizzle | typecrud CPU ms/req | x hand-written (CPU/req) | typecrud SQL/req | target met? |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const s of scenarios) {
    for (const t of r.cells.filter(
      (c) => c.engine === engine && c.scenario === s.name && c.contender === 'typecrud',
    )) {
      const other = (name: string) => find(r.cells, engine, s.name, name, t.connections);
      const hw = other('handwritten');
      const hwa = other('handwritten-auth');
      const raw = other('raw');
      const naive = other('naive');
      const dz = other('drizzle');
      lines.push(
        `| ${s.title} | ${t.connections} | ${fmt(t.rps)} | ${hw ? fmt(hw.rps) : ''} | ${raw ? fmt(raw.rps) : ''} | ${hw ? fmtRatio(t.rps / hw.rps) : ''} | ${hwa ? fmtRatio(t.rps / hwa.rps) : ''} | ${naive ? fmtRatio(t.rps / naive.rps) : ''} | ${dz ? fmtRatio(t.rps / dz.rps) : ''} | ${fmt(t.cpuMsPerRequest, 2)} | ${cpuRatioText(r.cells, t)} | ${fmt(t.statementsPerRequest, 2)} | ${judge(r.cells, t)?.text ?? ''} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function typecheckTable(points: TypecheckPoint[]): string {
  if (points.length === 0) return '';
  const lines = [
    '| entities | typecrud check s | typecrud instantiations | typecrud memory MB | hand-written check s | hand-written instantiations | hand-written memory MB | typecrud instantiations per added entity |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [i, p] of points.entries()) {
    const prev = points[i - 1];
    const marginal = prev
      ? fmt((p.typecrud.instantiations - prev.typecrud.instantiations) / (p.entities - prev.entities))
      : '';
    lines.push(
      `| ${p.entities} | ${fmt(p.typecrud.checkSeconds, 2)} | ${fmt(p.typecrud.instantiations)} | ${fmt(p.typecrud.memoryMB)} | ${fmt(p.handwritten.checkSeconds, 2)} | ${fmt(p.handwritten.instantiations)} | ${fmt(p.handwritten.memoryMB)} | ${marginal} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Least squares: y ~ a + b x, and R². */
function fit(xs: number[], ys: number[]): { a: number; b: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const sxy = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const b = sxy / sxx;
  const a = my - b * mx;
  const ssTot = ys.reduce((s, y) => s + (y - my) ** 2, 0);
  const ssRes = ys.reduce((s, y, i) => s + (y - (a + b * xs[i]!)) ** 2, 0);
  return { a, b, r2: ssTot ? 1 - ssRes / ssTot : 1 };
}

/**
 * Linear in N? Instantiations are deterministic, so they decide; check seconds follow the machine's
 * load as much as N on a shared machine, so their fit is shown beside, with the 200-entity budget.
 */
export function typecheckVerdict(points: TypecheckPoint[]): string {
  if (points.length < 2) return '';
  const xs = points.map((p) => p.entities);
  const inst = fit(
    xs,
    points.map((p) => p.typecrud.instantiations),
  );
  const secs = fit(
    xs,
    points.map((p) => p.typecrud.checkSeconds),
  );
  const last = points[points.length - 1]!;
  const linear = inst.r2 >= 0.98;
  const budget =
    last.entities < 200 ? 'not measured' : last.typecrud.checkSeconds < 20 ? 'met' : '**missed**';
  return (
    `typecrud instantiations ~ ${fmt(inst.a)} + ${fmt(inst.b)} x N (R² ${inst.r2.toFixed(4)}): linear in N ${linear ? 'yes' : '**no**'}, ` +
    `a fixed cost (typecrud's own types, checked from source) and a small per-entity one. ` +
    `Check time ~ ${fmt(secs.a, 2)} s + ${fmt(secs.b * 1000, 1)} ms x N (R² ${secs.r2.toFixed(3)}; noisy under the machine's load); ` +
    `at ${last.entities} entities ${fmt(last.typecrud.checkSeconds, 1)} s: target < 20 s at 200 ${budget}.\n`
  );
}

export function markdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# typecrud benchmark (${r.mode} run, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC)\n`);
  out.push(
    'Generated by `pnpm bench` (bench/src/run.ts); raw numbers in latest.json. Medians of the runs; ratios are req/s against the hand-written tRPC + Kysely router.\n',
  );
  out.push('## Machine\n');
  out.push(
    '| cores | CPU | memory | Node | PostgreSQL | load average at start / end |\n| --- | --- | --- | --- | --- | --- |',
  );
  out.push(
    `| ${m.cores} | ${m.cpu} | ${m.memoryGiB} GiB | ${m.node} | ${m.postgres} | ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} / ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} |\n`,
  );
  out.push(
    `typecrud measured at commit ${m.commit}${m.uncommittedFiles > 0 ? ` plus ${m.uncommittedFiles} uncommitted files under packages/ and apps/ (work in progress of others, as it stood during the run)` : ''}. ` +
      'The machine is shared: a load average above the core count means other work competed for the CPU during the run, and absolute numbers are then lower and noisier than on an idle machine; the ratios, measured cell by cell in turn, are the figures to read.\n',
  );
  const s = r.settings as {
    warmupSeconds: number;
    durationSeconds: number;
    runs: number;
    seed: Record<string, number>;
  };
  out.push(
    `Each cell: ${s.warmupSeconds} s warm-up, then ${s.runs} runs of ${s.durationSeconds} s (autocannon in its own process, one HTTP/1.1 connection per concurrent client). ` +
      `Data: ${JSON.stringify(s.seed)}. SQL/req counts every statement the server process sent (BEGIN/COMMIT included), at the pg driver.\n`,
  );
  out.push('## Summary: typecrud on PostgreSQL\n');
  out.push(summaryTable(r));
  out.push(
    'Targets: >= 0.9x hand-written on reads, >= 0.8x on writes (and the mixed workload), >= 5x the naive N+1 on includes, ahead of every peer that runs. ' +
      "Judged twice: on req/s, as the issue states them, and on server CPU time per request (x = the other's CPU/req over typecrud's), which other work on a shared machine disturbs far less.\n",
  );
  for (const scenario of scenarios) {
    const t = scenarioTable(r.cells, 'postgres', scenario.name);
    if (t) out.push(`### ${scenario.title}\n\n${t}`);
  }
  const lite = scenarios.map(
    (sc) =>
      scenarioTable(r.cells, 'pglite', sc.name) &&
      `### ${sc.title} (PGlite)\n\n${scenarioTable(r.cells, 'pglite', sc.name)}`,
  );
  if (lite.some(Boolean)) {
    out.push('## The embedded engine: PGlite (in-process, in memory)\n');
    out.push(lite.filter(Boolean).join('\n'));
  }
  if (r.typecheck.length) {
    out.push('## Type-check scaling\n');
    out.push(
      '`tsc --noEmit --extendedDiagnostics` on a generated project of N entities (each with a belongsTo to the previous one and its hasMany back), ' +
        'a router of crudProcedures, and a client file that calls get (with an include) and list on every entity through createClient<AppRouter>; ' +
        'against a hand-written tRPC router of the same size (zod inputs, Kysely-typed outputs) called through createTRPCClient.\n',
    );
    out.push(typecheckTable(r.typecheck));
    out.push(typecheckVerdict(r.typecheck));
  }
  out.push('## Peers that could not run here\n');
  for (const p of r.skipped) out.push(`- **${p.name}**: ${p.reason}`);
  out.push('');
  return out.join('\n');
}

/** The README's Performance section: the summary table between its markers. */
export async function updateReadme(r: BenchResults): Promise<string> {
  const file = fileURLToPath(new URL('../README.md', import.meta.url));
  const text = await readFile(file, 'utf8');
  const m = r.machine;
  const section = [
    '<!-- bench:summary:start -->',
    `Full run of ${r.startedAt.slice(0, 10)} on ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}; ` +
      `load average ${m.loadAverage.start[0]?.toFixed(1)} at the start, ${m.loadAverage.end[0]?.toFixed(1)} at the end (the machine is shared). ` +
      `typecrud at ${m.commit}${m.uncommittedFiles > 0 ? ` + ${m.uncommittedFiles} uncommitted files` : ''}. Rerun: \`pnpm bench\`.`,
    '',
    summaryTable(r),
    typecheckVerdict(r.typecheck),
    '<!-- bench:summary:end -->',
  ].join('\n');
  await writeFile(
    file,
    text.replace(/<!-- bench:summary:start -->[\s\S]*<!-- bench:summary:end -->/, section),
  );
  return file;
}

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

/** latest.md + latest.json for a full run; every run also lands under results/raw/ (git-ignored). */
export async function writeResults(r: BenchResults, { partial }: { partial: boolean }): Promise<string[]> {
  await mkdir(`${resultsDir}raw`, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, '-');
  const md = markdown(r);
  const json = `${JSON.stringify(r, null, 2)}\n`;
  const files = [`${resultsDir}raw/${stamp}-${r.mode}.json`, `${resultsDir}raw/${stamp}-${r.mode}.md`];
  await writeFile(files[0]!, json);
  await writeFile(files[1]!, md);
  if (r.mode === 'full' && !partial) {
    await writeFile(`${resultsDir}latest.json`, json);
    await writeFile(`${resultsDir}latest.md`, md);
    files.push(`${resultsDir}latest.json`, `${resultsDir}latest.md`, await updateReadme(r));
  }
  return files;
}
