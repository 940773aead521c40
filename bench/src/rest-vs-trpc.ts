/**
 * REST beside tRPC on the same server and data: GET by id and a list of 20, each through both
 * projections, at a fixed concurrency. `pnpm --filter @typecrud/bench bench:rest [pglite|postgres]`
 * (postgres needs TEST_DATABASE_URL). Prints one line per measurement: requests/s, p50 and p99 ms.
 */
import { startTestServer } from '@typecrud/api/testing';
import type { Engine } from '@typecrud/server';
import autocannon from 'autocannon';
import superjson from 'superjson';

const engine = (process.argv[2] ?? 'pglite') as Engine;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

const server = await startTestServer(engine, { seed: true });
try {
  const signIn = await fetch(`${server.url}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: server.admin.email, password: server.admin.password }),
  });
  const { token } = (await signIn.json()) as { token: string };
  const headers = { authorization: `Bearer ${token}` };
  const page = (await (await fetch(`${server.url}/api/v1/projects?limit=1`, { headers })).json()) as {
    items: { id: string }[];
  };
  const id = page.items[0]!.id;
  const trpc = (path: string, input: unknown) =>
    `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  const cases: [string, string][] = [
    ['get by id   REST', `/api/v1/projects/${id}`],
    ['get by id   tRPC', trpc('project.get', { id })],
    ['list of 20  REST', '/api/v1/releases?limit=20'],
    ['list of 20  tRPC', trpc('release.list', { limit: 20 })],
  ];
  for (const [name, path] of cases) {
    const ok = await fetch(`${server.url}${path}`, { headers });
    if (ok.status !== 200) throw new Error(`${name}: ${ok.status} ${await ok.text()}`);
    await autocannon({ url: `${server.url}${path}`, headers, connections, duration: 1 }); // warm-up
    const r = await autocannon({ url: `${server.url}${path}`, headers, connections, duration: seconds });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    console.log(
      `${engine.padEnd(8)} ${name}  ${Math.round(r.requests.average).toString().padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms`,
    );
  }
} finally {
  await server.close();
}
