import { type DataProvider, HttpError, type Identifier, type RaRecord } from 'ra-core';

export interface RestDataProviderOptions {
  /** The API's REST base URL, e.g. `http://localhost:3000/api/v1`. */
  baseUrl: string;
  /** The bearer token of the signed-in user, read on every request (none: signed out). */
  token?: () => string | null | undefined;
  /** The fetch to use (tests, SSR); the global one by default. */
  fetch?: typeof fetch;
}

/** An RFC 9457 problem document as the API sends it. */
interface Problem {
  status: number;
  detail: string;
  code: string;
  issues?: { path: (string | number)[]; message: string }[];
}

/** Fields the server sets itself: never sent in an update. */
const systemFields = new Set([
  'id',
  'createdAt',
  'updatedAt',
  'version',
  'createdBy',
  'updatedBy',
  'archivedAt',
]);

/**
 * A react-admin filter as a typecrud `where`: arrays become `in`, `q` (react-admin's full-text
 * search input) becomes `search` (entities that declare search), everything else passes as it is
 * (plain values are equality).
 */
export function whereOf(filter: Record<string, unknown> = {}): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(filter)) {
    if (value === undefined || value === '') continue;
    if (field === 'q' && typeof value === 'string') {
      if (value.trim() !== '') where.search = value;
      continue;
    }
    where[field] = Array.isArray(value) ? { in: value } : value;
  }
  return where;
}

/** The fields an edit changed: react-admin sends the whole record, the API takes only what changes. */
export function changedFields(data: Record<string, unknown>, previous?: Record<string, unknown>) {
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (systemFields.has(field)) continue;
    if (previous && JSON.stringify(previous[field]) === JSON.stringify(value)) continue;
    changes[field] = value;
  }
  return changes;
}

/**
 * A react-admin data provider over typecrud's REST routes: `getList` is `GET /<resource>` with
 * `where`, `orderBy`, `limit`/`offset` and `withTotal`; updates are PATCHes of the changed fields
 * with `If-Match` (a stale edit fails, it never overwrites); errors are `HttpError`s whose `body.errors`
 * name the fields, as react-admin's forms read them. The resource is the REST path segment (`projects`).
 *
 * @example <Admin dataProvider={restDataProvider({ baseUrl: '/api/v1', token: () => session.token })} />
 */
export function restDataProvider(options: RestDataProviderOptions): DataProvider {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const call = async <T>(
    method: string,
    path: string,
    init: {
      query?: Record<string, unknown>;
      body?: unknown;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(init.query ?? {})) {
      if (v !== undefined) params.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    const qs = params.toString();
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const token = options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await doFetch(`${options.baseUrl}${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const text = await res.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (res.ok) return body as T;
    const problem = body as Partial<Problem> | undefined;
    const errors = Object.fromEntries(
      (problem?.issues ?? []).map((i) => [i.path.join('.') || 'root', i.message]),
    );
    throw new HttpError(problem?.detail ?? res.statusText, res.status, { ...problem, errors });
  };
  const page = (pagination?: { page: number; perPage: number }) =>
    pagination ? { limit: pagination.perPage, offset: (pagination.page - 1) * pagination.perPage } : {};
  const orderBy = (sort?: { field: string; order: string }) =>
    sort?.field ? [{ [sort.field]: sort.order.toLowerCase() === 'desc' ? 'desc' : 'asc' }] : undefined;
  const ids = (list: Identifier[]) => list.map(String);
  const versionOf = (record?: Partial<RaRecord>) =>
    typeof record?.version === 'number' ? { 'if-match': `"${record.version}"` } : undefined;

  interface Page {
    items: RaRecord[];
    total?: number;
  }
  return {
    async getList(resource, params) {
      const result = await call<Page>('GET', `/${resource}`, {
        query: {
          where: whereOf(params.filter),
          orderBy: orderBy(params.sort),
          ...page(params.pagination),
          withTotal: true,
        },
        signal: params.signal,
      });
      return { data: result.items as never, total: result.total ?? result.items.length };
    },
    async getOne(resource, params) {
      return { data: await call(`GET`, `/${resource}/${params.id}`, { signal: params.signal }) };
    },
    async getMany(resource, params) {
      if (params.ids.length === 0) return { data: [] };
      const result = await call<Page>('GET', `/${resource}`, {
        query: { where: { id: { in: ids(params.ids) } }, limit: params.ids.length },
        signal: params.signal,
      });
      return { data: result.items as never };
    },
    async getManyReference(resource, params) {
      const result = await call<Page>('GET', `/${resource}`, {
        query: {
          where: { ...whereOf(params.filter), [params.target]: params.id },
          orderBy: orderBy(params.sort),
          ...page(params.pagination),
          withTotal: true,
        },
        signal: params.signal,
      });
      return { data: result.items as never, total: result.total ?? result.items.length };
    },
    async create(resource, params) {
      return { data: await call('POST', `/${resource}`, { body: params.data }) };
    },
    async update(resource, params) {
      const previous = params.previousData as Record<string, unknown> | undefined;
      const data = await call('PATCH', `/${resource}/${params.id}`, {
        body: changedFields(params.data as Record<string, unknown>, previous),
        ...(versionOf(params.previousData) ? { headers: versionOf(params.previousData) } : {}),
      });
      return { data: data as never };
    },
    async updateMany(resource, params) {
      await call('PATCH', `/${resource}`, {
        body: {
          where: { id: { in: ids(params.ids) } },
          data: changedFields(params.data as Record<string, unknown>),
        },
      });
      return { data: params.ids };
    },
    async delete(resource, params) {
      await call('DELETE', `/${resource}/${params.id}`);
      return { data: (params.previousData ?? { id: params.id }) as never };
    },
    async deleteMany(resource, params) {
      await call('DELETE', `/${resource}`, { query: { where: { id: { in: ids(params.ids) } } } });
      return { data: params.ids };
    },
  };
}
