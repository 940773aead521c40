import superjson from 'superjson';
import { benchNote } from './config.js';
import type { Wire } from './contenders/index.js';

/** One HTTP request, as autocannon sends it. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** The project this request updates: its answer carries the row's new version. */
  updates?: string;
}

/** The state a load generator process keeps while it runs one cell. */
export interface LoadState {
  projectIds: string[];
  versions: Record<string, number>;
  /** Unique per load process: keeps created semvers unique across runs. */
  nonce: number;
  seq: number;
}

export type ScenarioName =
  | 'get'
  | 'list'
  | 'include'
  | 'aggregate'
  | 'groupBy'
  | 'create'
  | 'update'
  | 'createMany'
  | 'mixed';

export interface Scenario {
  readonly name: ScenarioName;
  readonly title: string;
  readonly kind: 'read' | 'write' | 'mixed';
  /** Contenders it applies to (by name); all but naive when absent. */
  readonly only?: readonly string[];
  /** The request of call number `state.seq` for a contender speaking `wire`. */
  request(wire: Wire, state: LoadState): HttpRequest;
}

const json = { 'content-type': 'application/json' };

/** httpBatchLink's wire format: GET /trpc/a.b?batch=1&input={"0":<superjson>} (a POST body for mutations). */
export function trpcQuery(path: string, input: unknown): HttpRequest {
  const batch = JSON.stringify({ 0: superjson.serialize(input) });
  return { method: 'GET', path: `/trpc/${path}?batch=1&input=${encodeURIComponent(batch)}` };
}
export function trpcMutation(path: string, input: unknown): HttpRequest {
  return {
    method: 'POST',
    path: `/trpc/${path}?batch=1`,
    body: JSON.stringify({ 0: superjson.serialize(input) }),
    headers: json,
  };
}

const pick = (s: LoadState) => s.projectIds[s.seq % s.projectIds.length]!;

const listLimit = 50;
const releasesLimit = 10;
const typecrudList = {
  where: { isPublic: true },
  orderBy: [{ name: 'asc' }, { createdAt: 'desc' }],
  limit: listLimit,
};
const typecrudInclude = {
  ...typecrudList,
  include: {
    organization: true,
    tags: true,
    releases: { orderBy: { semver: 'desc' }, limit: releasesLimit },
  },
};

function newRelease(s: LoadState, i = 0) {
  return {
    projectId: s.projectIds[(s.seq + i) % s.projectIds.length]!,
    semver: `${s.nonce}.${s.seq}.${i}`,
    status: 'draft',
    notes: benchNote,
  };
}

function get(wire: Wire, s: LoadState): HttpRequest {
  const id = pick(s);
  if (wire === 'raw') return { method: 'GET', path: `/project/${id}` };
  return trpcQuery('project.get', { id });
}

function list(wire: Wire): HttpRequest {
  if (wire === 'typecrud') return trpcQuery('project.list', typecrudList);
  if (wire === 'trpc') return trpcQuery('project.list', { isPublic: true, limit: listLimit });
  return { method: 'GET', path: `/projects?isPublic=true&limit=${listLimit}` };
}

function include(wire: Wire): HttpRequest {
  if (wire === 'typecrud') return trpcQuery('project.list', typecrudInclude);
  if (wire === 'trpc')
    return trpcQuery('project.listWithRelations', { isPublic: true, limit: listLimit, releasesLimit });
  return {
    method: 'GET',
    path: `/projects/with-relations?isPublic=true&limit=${listLimit}&releasesLimit=${releasesLimit}`,
  };
}

/** Releases of public projects: typecrud's relation filter is the hand-written join. */
const ofPublicProjects = { project: { is: { isPublic: true } } };

function groupBy(wire: Wire): HttpRequest {
  if (wire === 'typecrud')
    return trpcQuery('release.groupBy', {
      by: ['status'],
      where: ofPublicProjects,
      _count: true,
      _max: { createdAt: true },
    });
  return trpcQuery('release.groupBy', { isPublic: true });
}

function aggregate(wire: Wire): HttpRequest {
  if (wire === 'typecrud')
    return trpcQuery('release.aggregate', {
      where: { ...ofPublicProjects, status: 'published' },
      _count: true,
      _sum: { downloads: true },
      _max: { releasedAt: true },
    });
  return trpcQuery('release.aggregate', { isPublic: true });
}

function create(wire: Wire, s: LoadState): HttpRequest {
  const input = newRelease(s);
  if (wire === 'raw') return { method: 'POST', path: '/release', body: JSON.stringify(input), headers: json };
  return trpcMutation('release.create', input);
}

function update(wire: Wire, s: LoadState): HttpRequest {
  const id = pick(s);
  // the version the last answer for this row carried (ids cycle, so calls on one row never overlap)
  const expectedVersion = s.versions[id] ?? 1;
  const data = { description: `Updated by the benchmark, call ${s.seq}.` };
  if (wire === 'raw') {
    return {
      method: 'PATCH',
      path: `/project/${id}`,
      body: JSON.stringify({ expectedVersion, data }),
      headers: json,
      updates: id,
    };
  }
  return { ...trpcMutation('project.update', { id, expectedVersion, data }), updates: id };
}

const batchSize = 1000;
function createMany(wire: Wire, s: LoadState): HttpRequest {
  const rows = Array.from({ length: batchSize }, (_, i) => newRelease(s, i));
  if (wire === 'raw') return { method: 'POST', path: '/releases', body: JSON.stringify(rows), headers: json };
  return trpcMutation('release.createMany', rows);
}

/** Reads and writes the way an admin app mixes them: 5 gets, 2 lists, 1 include, 1 create, 1 update per 10. */
const mixPattern = [get, list, get, create, get, include, list, get, update, get] as const;

export const scenarios: readonly Scenario[] = [
  { name: 'get', title: 'get by id', kind: 'read', request: get },
  { name: 'list', title: 'list 50, filter + 2-field sort', kind: 'read', request: list },
  {
    name: 'include',
    title: 'list 50 + includes (organization, tags, releases)',
    kind: 'read',
    only: ['typecrud', 'handwritten', 'raw', 'naive', 'drizzle'],
    request: include,
  },
  {
    name: 'aggregate',
    title: 'aggregate: count, sum, max of published releases',
    kind: 'read',
    only: ['typecrud', 'handwritten', 'handwritten-auth'],
    request: aggregate,
  },
  {
    name: 'groupBy',
    title: 'groupBy status: count, latest',
    kind: 'read',
    only: ['typecrud', 'handwritten', 'handwritten-auth'],
    request: groupBy,
  },
  { name: 'create', title: 'create', kind: 'write', request: create },
  { name: 'update', title: 'update with version', kind: 'write', request: update },
  { name: 'createMany', title: 'createMany 1,000 rows', kind: 'write', request: createMany },
  {
    name: 'mixed',
    title: 'mixed 80% read / 20% write',
    kind: 'mixed',
    request: (w, s) => mixPattern[s.seq % mixPattern.length]!(w, s),
  },
];

export const scenarioByName = (name: string): Scenario => {
  const s = scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}`);
  return s;
};

export const appliesTo = (scenario: Scenario, contender: string): boolean =>
  scenario.only ? scenario.only.includes(contender) : contender !== 'naive';
