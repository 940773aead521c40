// A client of the REST API written only against the types openapi-typescript generates from
// /api/openapi.json (api.generated.d.ts, written by openapi.test.ts), through openapi-fetch.
import createClient from 'openapi-fetch';
import type { components, paths } from './api.generated.js';
import type { WorkflowResult } from './workflow-result.js';

type Schemas = components['schemas'];

/** where / orderBy / include are JSON query parameters (`content: application/json`): typed by their components. */
const json = <T>(value: T) => JSON.stringify(value);

export async function workflow(
  baseUrl: string,
  credentials: { email: string; password: string },
  organizationId: string,
): Promise<WorkflowResult> {
  const anonymous = createClient<paths>({ baseUrl });
  const signIn = await anonymous.POST('/api/v1/auth/sign-in', { body: credentials });
  const token = (signIn.data as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string') throw new Error(`sign-in failed: ${signIn.response.status}`);
  const api = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });

  const tags = await api.GET('/api/v1/tags', {
    params: { query: { limit: 2, orderBy: json<Schemas['TagOrderBy']>({ label: 'asc' }) } },
  });
  const tagIds = (tags.data?.items ?? []).map((t) => t.id);
  const created = await api.POST('/api/v1/projects', {
    body: { organizationId, name: 'Generated client', isPublic: true, tags: { connect: tagIds } },
  });
  if (!created.data) throw new Error(`create failed: ${JSON.stringify(created.error)}`);
  const id = created.data.id;

  const query = {
    where: json<Schemas['ProjectWhere']>({ organizationId, name: { contains: 'e', mode: 'insensitive' } }),
    orderBy: json<Schemas['ProjectOrderBy']>([{ isPublic: 'desc' }, { name: 'asc' }]),
    limit: 2,
  };
  const first = await api.GET('/api/v1/projects', { params: { query: { ...query, withTotal: true } } });
  const cursor = first.data?.nextCursor ?? undefined;
  const second = await api.GET('/api/v1/projects', { params: { query: { ...query, cursor } } });

  const got = await api.GET('/api/v1/projects/{id}', { params: { path: { id } } });
  const etag = got.response.headers.get('etag') ?? '';
  const updated = await api.PATCH('/api/v1/projects/{id}', {
    params: { path: { id }, header: { 'If-Match': etag } },
    body: { description: 'written by a generated client' },
  });
  const stale = await api.PATCH('/api/v1/projects/{id}', {
    params: { path: { id }, header: { 'If-Match': etag } },
    body: { description: 'a lost update' },
  });
  const archived = await api.POST('/api/v1/projects/{id}/archive', { params: { path: { id } } });
  const restored = await api.POST('/api/v1/projects/{id}/restore', { params: { path: { id } } });
  const deleted = await api.DELETE('/api/v1/projects/{id}', { params: { path: { id } } });
  const after = await api.GET('/api/v1/projects/{id}', { params: { path: { id } } });

  return {
    created: created.data,
    createdStatus: created.response.status,
    location: created.response.headers.get('location'),
    tagIds,
    firstPage: (first.data?.items ?? []).map((p) => p.name),
    secondPage: (second.data?.items ?? []).map((p) => p.name),
    total: first.data?.total,
    updatedEtag: updated.response.headers.get('etag'),
    staleStatus: stale.response.status,
    staleCode: stale.error?.code,
    archivedAt: archived.data?.archivedAt ?? null,
    restoredAt: restored.data?.archivedAt ?? null,
    deleteStatus: deleted.response.status,
    afterDeleteStatus: after.response.status,
  };
}
