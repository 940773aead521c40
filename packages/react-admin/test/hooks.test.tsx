// @vitest-environment happy-dom
import { act, renderHook, waitFor } from '@testing-library/react';
import {
  CoreAdminContext,
  type DataProvider,
  useCreate,
  useDelete,
  useGetList,
  useGetOne,
  useUpdate,
} from 'ra-core';
import type { ReactNode } from 'react';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { restDataProvider } from '../src/index.js';

/**
 * The data provider mounted in react-admin's own core (CoreAdminContext) and driven through its
 * hooks, against the real API: list, create, edit and delete as an admin page would do them.
 */
interface Row {
  id: string;
  name: string;
  version: number;
}

/** Signs in over REST; the token. */
async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return ((await res.json()) as { token: string }).token;
}

describe.each(inject('apis'))('react-admin hooks over REST on $engine', (api) => {
  let provider: DataProvider;
  /** What the superadmin reads over REST: the check from outside, not through the provider under test. */
  let check: DataProvider;
  let acme: string;
  const wrapper = ({ children }: { children: ReactNode }) => (
    <CoreAdminContext dataProvider={provider}>{children}</CoreAdminContext>
  );

  beforeAll(async () => {
    const token = await signIn(api.url, 'ada@acme.test', 'demo-password');
    const admin = await signIn(api.url, api.admin.email, api.admin.password);
    provider = restDataProvider({ baseUrl: `${api.url}/api/v1`, token: () => token });
    check = restDataProvider({ baseUrl: `${api.url}/api/v1`, token: () => admin });
    const orgs = await check.getList('organizations', { filter: { slug: 'acme' } });
    acme = String(orgs.data[0]!.id);
  });
  const read = async (id: string) => (await check.getOne<Row>('projects', { id })).data;

  it('lists, creates, edits and deletes through useGetList, useCreate, useUpdate, useDelete', async () => {
    const list = renderHook(
      () =>
        useGetList('projects', {
          filter: { organizationId: acme },
          sort: { field: 'name', order: 'ASC' },
          pagination: { page: 1, perPage: 3 },
        }),
      { wrapper },
    );
    await waitFor(() => expect(list.result.current.isSuccess).toBe(true), { timeout: 10_000 });
    const expected = await check.getList<Row>('projects', {
      filter: { organizationId: acme },
      sort: { field: 'name', order: 'ASC' },
      pagination: { page: 1, perPage: 100 },
    });
    expect(expected.total).toBeGreaterThan(3);
    expect(list.result.current.total).toBe(expected.total);
    expect(list.result.current.data?.map((p) => p.name)).toEqual(
      expected.data.slice(0, 3).map((p) => p.name),
    );

    const create = renderHook(() => useCreate(undefined, undefined, { returnPromise: true }), { wrapper });
    let id = '';
    await act(async () => {
      const row = await create.result.current[0]('projects', {
        data: { organizationId: acme, name: 'Hooked' },
      });
      id = String(row.id);
    });
    expect((await read(id)).name).toBe('Hooked');

    const one = renderHook(() => useGetOne('projects', { id }), { wrapper });
    await waitFor(() => expect(one.result.current.data?.name).toBe('Hooked'), { timeout: 10_000 });
    const update = renderHook(
      () => useUpdate(undefined, undefined, { mutationMode: 'pessimistic', returnPromise: true }),
      {
        wrapper,
      },
    );
    await act(async () => {
      await update.result.current[0]('projects', {
        id,
        data: { ...one.result.current.data, name: 'Hooked, edited' },
        previousData: one.result.current.data,
      });
    });
    const edited = await read(id);
    expect(edited).toMatchObject({ name: 'Hooked, edited', version: 2 });

    const remove = renderHook(
      () => useDelete(undefined, undefined, { mutationMode: 'pessimistic', returnPromise: true }),
      {
        wrapper,
      },
    );
    await act(async () => {
      await remove.result.current[0]('projects', { id, previousData: edited as never });
    });
    const gone = await check.getOne('projects', { id }).catch((e: { status?: number }) => e);
    expect((gone as { status?: number }).status).toBe(404);
  });
});
