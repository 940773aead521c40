/**
 * `tsx src/profile.ts <contender> <scenario> [connections] [seconds]`: runs one contender under
 * `node --cpu-prof` against a seeded database (run the bench once first), drives one scenario, and
 * prints the functions with the most self time and the packages they belong to.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { benchUrl } from './config.js';
import { contenderByName } from './contenders/index.js';
import type { LoadResult } from './loadgen.js';
import { runLoad, startServer } from './processes.js';
import type { ScenarioName } from './scenarios.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [name = 'typecrud', scenario = 'get', connections = '16', seconds = '10'] = process.argv.slice(2);
const dir = fileURLToPath(
  new URL(`../results/raw/profiles/${name}-${scenario}-${Date.now()}/`, import.meta.url),
);
const server = await startServer(name, 'postgres', 4500, benchUrl(), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
let run: LoadResult | undefined;
await runLoad(
  {
    targets: [
      {
        contender: name,
        url: `http://127.0.0.1:${server.port}`,
        wire: contenderByName(name).wire,
        headers: server.headers,
      },
    ],
    scenario: scenario as ScenarioName,
    connections: Number(connections),
    warmupSeconds: 1,
    durationSeconds: Number(seconds),
    runs: 1,
    dbUrl: benchUrl(),
  },
  {
    before: async () => {},
    after: async (_name, _run, result) => {
      run = result;
    },
  },
);
await server.stop();
console.log(
  `${name} ${scenario} c=${connections}: ${run?.rps.toFixed(0)} req/s, p50 ${run?.p50} ms (under the profiler)`,
);

const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile in ${dir}`);
const profile = JSON.parse(await readFile(`${dir}${file}`, 'utf8')) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (!hits) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace('/work/main/', '');
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  const pkg = url.includes('node_modules')
    ? ((/node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)/.exec(
        url.split('node_modules/.pnpm/')[1]?.split('/node_modules/').slice(1).join('/node_modules/') ?? '',
      ) ?? [])[0] ?? 'node_modules')
    : url.startsWith('node:') || !url
      ? functionName.startsWith('(')
        ? functionName
        : 'node internals'
      : (where.split('/').slice(0, 2).join('/') ?? where);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
}
const top = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(
  `\nself time by package/folder:\n${top(byPackage, 15)}\n\nself time by function:\n${top(byFunction, 30)}\n\nprofile: ${dir}${file}`,
);
