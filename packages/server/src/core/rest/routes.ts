import { type AnyTRPCRouter, TRPCError } from '@trpc/server';
import type { AnySchema } from '@typecrud/shared';
import type { z } from 'zod';
import { badRequest, CrudError, toApiError } from '../errors.js';
import type { RequestContext } from '../services.js';
import { type Problem, problem, problemContentType, problemOf } from './problem.js';
import { revive } from './wire.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route does: one generated procedure of an entity, or a custom procedure that opted in. */
export type RouteKind =
  | 'list'
  | 'count'
  | 'aggregate'
  | 'groupBy'
  | 'get'
  | 'create'
  | 'createMany'
  | 'update'
  | 'updateMany'
  | 'upsert'
  | 'delete'
  | 'deleteMany'
  | 'archive'
  | 'restore'
  | 'connect'
  | 'disconnect'
  | 'procedure';

/** One REST route: a method and path in front of exactly one tRPC procedure. */
export interface RestRoute {
  readonly method: HttpMethod;
  /** Under the API's base path, with OpenAPI-style parameters: `/projects/{id}`. */
  readonly path: string;
  /** `project_list`, `project_get`, `release_publish`, ... */
  readonly operationId: string;
  /** The procedure it calls: `project.list`. */
  readonly procedure: string;
  readonly kind: RouteKind;
  /** The router key and entity of a generated route. */
  readonly resource?: { readonly key: string; readonly entity: string; readonly path: string };
  /** connect / disconnect: the many-to-many relation. */
  readonly relation?: string;
  /** The query parameters it accepts; any other is BAD_REQUEST. */
  readonly query: readonly string[];
  /** Whether it reads a JSON body. */
  readonly body: boolean;
  /** The procedure's input schema (custom procedures). */
  readonly input?: z.ZodType;
  readonly summary: string;
}

type HeaderValue = string | string[] | undefined;

/** A request as the HTTP layer parsed it (JSON body, decoded query, lower-cased header names). */
export interface RestRequest {
  /** The client's address (for limits such as sign-in attempts). */
  ip?: string;
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, HeaderValue>>;
  headers: Readonly<Record<string, HeaderValue>>;
  body?: unknown;
}

/** A response for the HTTP layer to send: `body` is serialized with `toJson` (bigints as strings). */
export interface RestResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** A custom procedure that opts in to REST: `'release.publish': { method: 'POST', path: '/releases/{id}/publish' }`. */
export interface RestProcedureRoute {
  method: HttpMethod;
  path: string;
  summary?: string;
}

export interface RestApiOptions<S extends AnySchema> {
  schema: S;
  /** The app's tRPC router: every route calls one of its procedures through a caller. */
  router: AnyTRPCRouter;
  /** The request context of a REST request, as the tRPC adapter builds it (the caller from `authorization`). */
  createContext(request: RestRequest, route: RestRoute): Promise<RequestContext>;
  /** Where the routes are mounted; `/api/v1` by default. */
  basePath?: string;
  /**
   * Router keys served as resources beside the default ones (every router key that names an
   * entity, at its plural: `project` → `/projects`), or another path for one of those.
   */
  resources?: Readonly<Record<string, { entity: keyof S['entities'] & string; path?: string }>>;
  /** Custom procedures served too, by their router path. */
  procedures?: Readonly<Record<string, RestProcedureRoute>>;
  /** PATCH or DELETE of one row without `If-Match` is 428 Precondition Required. */
  requireIfMatch?: boolean;
}

/** `project` → `projects`, `auditEntry` → `audit-entries`. */
export function resourcePath(key: string): string {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  if (/[^aeiou]y$/.test(kebab)) return `${kebab.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(kebab)) return `${kebab}es`;
  return `${kebab}s`;
}

interface ProcedureLike {
  _def: { type: string; inputs: unknown[] };
}

const listParams = [
  'where',
  'orderBy',
  'include',
  'select',
  'omit',
  'distinct',
  'limit',
  'offset',
  'cursor',
  'withTotal',
  'withArchived',
];
const aggregateParams = ['where', 'withArchived', '_count', '_sum', '_avg', '_min', '_max'];
const groupByParams = ['by', ...aggregateParams, 'having', 'orderBy', 'limit'];
/** Query parameters carried as JSON text. */
const jsonParams = new Set([
  'where',
  'orderBy',
  'include',
  'select',
  'omit',
  'distinct',
  'by',
  'having',
  '_count',
  '_sum',
  '_avg',
  '_min',
  '_max',
]);

/** The route table of a router: generated routes for every resource, then the custom ones that opted in. */
export function restRoutes<S extends AnySchema>(options: RestApiOptions<S>): RestRoute[] {
  const procedures = options.router._def.procedures as Record<string, ProcedureLike>;
  const has = (path: string) => Object.hasOwn(procedures, path);
  const resources: Readonly<Record<string, { entity: string; path?: string }>> = {
    ...Object.fromEntries(
      Object.keys(options.schema.entities)
        .filter((name) => Object.keys(procedures).some((p) => p.startsWith(`${name}.`)))
        .map((name) => [name, { entity: name }]),
    ),
    ...options.resources,
  };
  const routes: RestRoute[] = [];
  for (const [key, { entity, path: segment }] of Object.entries(resources)) {
    const base = `/${segment ?? resourcePath(key)}`;
    const resource = { key, entity, path: base };
    const add = (
      kind: Exclude<RouteKind, 'procedure'>,
      method: HttpMethod,
      path: string,
      summary: string,
      more: Partial<RestRoute> = {},
    ) => {
      if (!has(`${key}.${kind}`)) return;
      routes.push({
        method,
        path,
        operationId: `${key}_${more.relation ? `${more.relation}_` : ''}${kind}`,
        procedure: `${key}.${kind}`,
        kind,
        resource,
        query: [],
        body: method === 'POST' || method === 'PUT' || method === 'PATCH',
        summary,
        ...more,
      });
    };
    add('list', 'GET', base, `List ${entity} rows (filter, sort, page)`, { query: listParams });
    add('count', 'GET', `${base}/count`, `Count ${entity} rows`, { query: ['where', 'withArchived'] });
    add(
      'aggregate',
      'GET',
      `${base}/aggregate`,
      `Aggregates (_count, _sum, _avg, _min, _max) of ${entity} rows`,
      {
        query: aggregateParams,
      },
    );
    add('aggregate', 'POST', `${base}/aggregate`, `Aggregates of ${entity} rows (the query as a JSON body)`, {
      operationId: `${key}_aggregate_post`,
    });
    add('groupBy', 'GET', `${base}/group-by`, `${entity} rows grouped by fields, with aggregates`, {
      query: groupByParams,
    });
    add('groupBy', 'POST', `${base}/group-by`, `${entity} groups (the query as a JSON body)`, {
      operationId: `${key}_groupBy_post`,
    });
    add('create', 'POST', base, `Create a ${entity}`);
    add('createMany', 'POST', `${base}/bulk`, `Create several ${entity} rows (all or nothing)`);
    add('updateMany', 'PATCH', base, `Update every ${entity} a where matches`);
    add(
      'upsert',
      'PUT',
      base,
      `Update the ${entity} a unique key names, or create it when none exists (one statement)`,
    );
    add('deleteMany', 'DELETE', base, `Delete every ${entity} a where matches`, { query: ['where'] });
    add('get', 'GET', `${base}/{id}`, `One ${entity} by id`, {
      query: ['include', 'select', 'omit', 'withArchived'],
    });
    add('update', 'PATCH', `${base}/{id}`, `Change fields of a ${entity} (If-Match: its ETag)`, {
      query: ['withArchived'],
    });
    add('delete', 'DELETE', `${base}/{id}`, `Delete a ${entity} (If-Match: its ETag)`, {
      query: ['withArchived'],
    });
    add('archive', 'POST', `${base}/{id}/archive`, `Archive a ${entity}`, { body: false });
    add('restore', 'POST', `${base}/{id}/restore`, `Restore an archived ${entity}`, { body: false });
    for (const rel of options.schema.relations(entity)) {
      if (rel.kind !== 'manyToMany') continue;
      add('connect', 'POST', `${base}/{id}/${rel.name}/connect`, `Link ${rel.name} to a ${entity}`, {
        relation: rel.name,
      });
      add(
        'disconnect',
        'POST',
        `${base}/{id}/${rel.name}/disconnect`,
        `Unlink ${rel.name} from a ${entity}`,
        {
          relation: rel.name,
        },
      );
    }
  }
  for (const [path, route] of Object.entries(options.procedures ?? {})) {
    const procedure = procedures[path];
    if (!procedure) throw new Error(`rest: procedure '${path}' is not in the router`);
    const input = procedure._def.inputs[0] as z.ZodType | undefined;
    const shape = (input as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    routes.push({
      method: route.method,
      path: route.path,
      operationId: path.replace(/\./g, '_'),
      procedure: path,
      kind: 'procedure',
      query: route.method === 'GET' ? Object.keys(shape).filter((k) => !params.includes(k)) : [],
      body: route.method !== 'GET' && Object.keys(shape).some((k) => !params.includes(k)),
      ...(input ? { input } : {}),
      summary: route.summary ?? path,
    });
  }
  return routes;
}

const single = (request: RestRequest, name: string): string | undefined => {
  const v = request.query[name];
  if (Array.isArray(v))
    throw badRequest(`${name} is given more than once`, [
      { path: [name], message: 'is given more than once' },
    ]);
  return v;
};

/** A query parameter as the DTO takes it: JSON for where/orderBy/include/select/omit/distinct, numbers, booleans, strings. */
function queryValue(name: string, raw: string): unknown {
  if (jsonParams.has(name)) {
    try {
      return JSON.parse(raw);
    } catch {
      throw badRequest(`${name} is not valid JSON`, [{ path: [name], message: 'is not valid JSON' }]);
    }
  }
  if (name === 'limit' || name === 'offset') return /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
  if (name === 'withTotal' || name === 'withArchived')
    return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

function queryInput(request: RestRequest, names: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const name of names) {
    const raw = single(request, name);
    if (raw !== undefined) input[name] = queryValue(name, raw);
  }
  return input;
}

const header = (request: RestRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The version an `If-Match` header names (`"3"`, `W/"3"`); undefined for none or `*`. */
function ifMatchVersion(request: RestRequest): number | undefined {
  const raw = header(request, 'if-match')?.trim();
  if (raw === undefined || raw === '*') return undefined;
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(raw);
  if (!m)
    throw badRequest('If-Match must be an ETag of this API, e.g. "3"', [
      { path: ['If-Match'], message: 'is not an ETag of this API' },
    ]);
  return Number(m[1]);
}

const etagOf = (row: unknown): string | undefined => {
  const version = (row as { version?: unknown } | null)?.version;
  return typeof version === 'number' ? `"${version}"` : undefined;
};

/** Answers depend on the caller: caches keep them private and revalidate (If-None-Match) before reuse. */
const json = (status: number, body: unknown, headers: Record<string, string> = {}): RestResponse => ({
  status,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'private, no-cache',
    ...headers,
  },
  body,
});

/** Calls `path` (`project.list`) on a caller of the router. */
type Call = (path: string, input: unknown) => Promise<unknown>;

function callerOf(router: AnyTRPCRouter, ctx: RequestContext): Call {
  const caller = router.createCaller(ctx) as unknown as Record<string, unknown>;
  return (path, input) => {
    let target: unknown = caller;
    for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
    return (target as (input: unknown) => Promise<unknown>)(input);
  };
}

/** Runs a route: the request becomes the procedure's input, the procedure's answer (or error) the response. */
export async function handleRoute<S extends AnySchema>(
  options: RestApiOptions<S>,
  route: RestRoute,
  request: RestRequest,
): Promise<RestResponse> {
  const precondition = header(request, 'if-match') !== undefined;
  try {
    const unknown = Object.keys(request.query).filter((k) => !route.query.includes(k));
    if (unknown.length > 0) {
      throw badRequest(
        `unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
        unknown.map((k) => ({ path: [k], message: 'is not a known query parameter' })),
      );
    }
    const call = callerOf(options.router, await options.createContext(request, route));
    return await run(options, route, request, call);
  } catch (e) {
    const error = e instanceof TRPCError ? e : toApiError(e, route.resource?.entity ?? route.procedure);
    const p = problemOf(error, { precondition });
    // PATCH's body is the update's `data`: its issues are named as the body has them
    if (route.kind === 'update')
      p.issues = p.issues.map((i) => (i.path[0] === 'data' ? { ...i, path: i.path.slice(1) } : i));
    return problemResponse(p);
  }
}

/** A problem document as a response: its status, `application/problem+json`, and Retry-After / WWW-Authenticate where they apply. */
export function problemResponse(p: Problem): RestResponse {
  const headers: Record<string, string> = { 'content-type': problemContentType };
  if (p.retryAfterSeconds) headers['retry-after'] = String(p.retryAfterSeconds);
  if (p.status === 401) headers['www-authenticate'] = 'Bearer';
  return { status: p.status, headers, body: p };
}

async function run<S extends AnySchema>(
  options: RestApiOptions<S>,
  route: RestRoute,
  request: RestRequest,
  call: Call,
): Promise<RestResponse> {
  const id = request.params.id;
  const resource = route.resource;
  if (!resource) {
    const input = {
      ...(route.method === 'GET' ? request.query : ((request.body as object | undefined) ?? {})),
      ...request.params,
    };
    const result = await call(route.procedure, route.input ? revive(route.input, input) : input);
    return json(200, result ?? null);
  }
  const dto = options.schema.dto(resource.entity);
  const input = (schema: z.ZodType, value: unknown) => revive(schema, value);
  switch (route.kind) {
    case 'list':
      return json(200, await call(route.procedure, input(dto.list, queryInput(request, route.query))));
    case 'count': {
      const count = await call(route.procedure, input(dto.count, queryInput(request, route.query)));
      return json(200, { count });
    }
    case 'aggregate':
    case 'groupBy': {
      const schema = route.kind === 'aggregate' ? dto.aggregate : dto.groupBy;
      const value = route.method === 'GET' ? queryInput(request, route.query) : (request.body ?? {});
      return json(200, await call(route.procedure, input(schema, value)));
    }
    case 'get': {
      const query = queryInput(request, route.query);
      const row = await call(route.procedure, input(dto.get, { id, ...query }));
      // the version is the row's own: embedded relations (of include or select) change without it, so they get no ETag
      const etag = query.include === undefined && query.select === undefined ? etagOf(row) : undefined;
      if (
        etag &&
        header(request, 'if-none-match')
          ?.split(',')
          .some((t) => t.trim().replace(/^W\//, '') === etag)
      )
        return { status: 304, headers: { etag, 'cache-control': 'private, no-cache' } };
      return json(200, row, etag ? { etag } : {});
    }
    case 'create': {
      const row = (await call(route.procedure, input(dto.create, request.body))) as { id: string };
      const etag = etagOf(row);
      return json(201, row, {
        location: `${options.basePath ?? '/api/v1'}${resource.path}/${row.id}`,
        ...(etag ? { etag } : {}),
      });
    }
    case 'createMany':
      return json(201, await call(route.procedure, input(dto.createMany, request.body)));
    case 'update': {
      const expectedVersion = ifMatchVersion(request);
      if (options.requireIfMatch && header(request, 'if-match') === undefined)
        return problemResponse(
          problem(428, 'PRECONDITION_FAILED', 'send If-Match with the ETag of the row you read', {
            issues: [{ path: ['If-Match'], message: 'is required' }],
          }),
        );
      const row = await call(
        route.procedure,
        input(dto.update, {
          id,
          data: request.body,
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
          ...queryInput(request, route.query),
        }),
      );
      const etag = etagOf(row);
      return json(200, row, etag ? { etag } : {});
    }
    case 'updateMany':
      return json(200, await call(route.procedure, input(dto.updateMany, request.body)));
    case 'upsert': {
      // only entities with a unique key have the procedure (and so the route)
      const row = await call(route.procedure, input(dto.upsert!, request.body));
      const etag = etagOf(row);
      return json(200, row, etag ? { etag } : {});
    }
    case 'delete': {
      const expectedVersion = ifMatchVersion(request);
      if (options.requireIfMatch && header(request, 'if-match') === undefined)
        return problemResponse(
          problem(428, 'PRECONDITION_FAILED', 'send If-Match with the ETag of the row you read', {
            issues: [{ path: ['If-Match'], message: 'is required' }],
          }),
        );
      return json(
        200,
        await call(
          route.procedure,
          input(dto.deleteOne, {
            id,
            ...(expectedVersion !== undefined ? { expectedVersion } : {}),
            ...queryInput(request, route.query),
          }),
        ),
      );
    }
    case 'deleteMany':
      return json(200, await call(route.procedure, input(dto.deleteMany, queryInput(request, route.query))));
    case 'archive':
    case 'restore': {
      const row = await call(route.procedure, { id });
      const etag = etagOf(row);
      return json(200, row, etag ? { etag } : {});
    }
    case 'connect':
    case 'disconnect': {
      const { ids, ...rest } = (request.body ?? {}) as Record<string, unknown>;
      const extra = Object.keys(rest);
      if (extra.length > 0)
        throw badRequest(
          `unknown field${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`,
          extra.map((k) => ({ path: [k], message: 'is not a known field' })),
        );
      return json(200, await call(route.procedure, { id, relation: route.relation, ids }));
    }
    default:
      throw new CrudError('NOT_IMPLEMENTED', `${route.kind} has no REST handler`);
  }
}
