import { startTestServer, type TestServer } from '@typecrud/api/testing';
import { demoPassword } from '@typecrud/demo/server';
import { testEngines } from '@typecrud/server/testing';
import { type DataProvider, HttpError } from 'ra-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restDataProvider } from '../src/index.js';

async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return ((await res.json()) as { token: string }).token;
}

describe.each(testEngines())('react-admin data provider over REST on %s', (engine) => {
  let server: TestServer;
  let provider: DataProvider;
  let acme: string;
  const sys = () => ({ db: server.database.db, caller: null });

  beforeAll(async () => {
    server = await startTestServer(engine, { seed: true });
    const token = await signIn(server.url, 'ada@acme.test', demoPassword);
    provider = restDataProvider({ baseUrl: `${server.url}/api/v1`, token: () => token });
    const orgs = await server.system.managers.organization.list(sys(), {});
    acme = orgs.items.find((o) => o.slug === 'acme')!.id;
  });
  afterAll(() => server?.close());

  it('getList: filter, sort, pagination and total, as the manager answers them', async () => {
    const filter = { organizationId: acme, isPublic: true };
    const all = await server.system.managers.project.list(sys(), {
      where: filter,
      orderBy: [{ name: 'desc' }],
      withTotal: true,
    });
    expect(all.items.length).toBeGreaterThan(1);
    const first = await provider.getList('projects', {
      filter,
      sort: { field: 'name', order: 'DESC' },
      pagination: { page: 1, perPage: 2 },
    });
    expect(first.total).toBe(all.total);
    expect(first.data.map((p) => p.name)).toEqual(all.items.slice(0, 2).map((p) => p.name));
    const second = await provider.getList('projects', {
      filter,
      sort: { field: 'name', order: 'DESC' },
      pagination: { page: 2, perPage: 2 },
    });
    expect(second.data.map((p) => p.name)).toEqual(all.items.slice(2, 4).map((p) => p.name));
    const named = await provider.getList('projects', {
      filter: { name: { contains: 'rock', mode: 'insensitive' } },
      sort: { field: 'name', order: 'ASC' },
      pagination: { page: 1, perPage: 10 },
    });
    expect(named.data.map((p) => p.name)).toEqual(['Rocket']);
  });

  it('getList: the full-text `q` filter is the search, under the caller’s read rule', async () => {
    const q = 'demo -rocket';
    const got = await provider.getList('projects', {
      filter: { q },
      sort: { field: 'name', order: 'ASC' },
      pagination: { page: 1, perPage: 100 },
    });
    const readable = await server.system.managers.project.list(sys(), {
      where: { AND: [{ search: q }, { OR: [{ isPublic: true }, { organizationId: acme }] }] },
      orderBy: [{ name: 'asc' }],
      limit: 100,
    });
    // Acme's projects but Rocket, and Globex's public one (its private Volcano never)
    expect(got.data.map((p) => p.name)).toEqual(['Anvil', 'Catapult', 'Hammock', 'Magnet', 'Tornado']);
    expect(got.data.map((p) => p.name)).toEqual(readable.items.map((p) => p.name));
    expect(got.total).toBe(5);
    // a blank q is no filter
    const blank = await provider.getList('projects', {
      filter: { q: '  ', organizationId: acme },
      sort: { field: 'name', order: 'ASC' },
      pagination: { page: 1, perPage: 100 },
    });
    expect(blank.total).toBe(5);
  });

  it('getOne, getMany and getManyReference', async () => {
    const projects = (await server.system.managers.project.list(sys(), { where: { organizationId: acme } }))
      .items;
    const one = await provider.getOne('projects', { id: projects[0]!.id });
    expect(one.data).toMatchObject({ id: projects[0]!.id, name: projects[0]!.name });
    const many = await provider.getMany('projects', { ids: [projects[1]!.id, projects[2]!.id] });
    expect(many.data.map((p) => p.id).sort()).toEqual([projects[1]!.id, projects[2]!.id].sort());
    const releases = await provider.getManyReference('releases', {
      target: 'projectId',
      id: projects[0]!.id,
      filter: {},
      sort: { field: 'semver', order: 'ASC' },
      pagination: { page: 1, perPage: 2 },
      meta: undefined,
    });
    expect(releases.total).toBe(3);
    expect(releases.data.map((r) => r.semver)).toEqual(['1.0.0', '1.1.0']);
    expect(releases.data.every((r) => r.projectId === projects[0]!.id)).toBe(true);
  });

  it('create, update with the version, a stale edit refused, delete; bulk update and delete', async () => {
    const created = await provider.create('projects', {
      data: { organizationId: acme, name: 'From react-admin' },
    });
    expect(created.data.version).toBe(1);
    const id = created.data.id;
    const updated = await provider.update('projects', {
      id,
      data: { ...created.data, description: 'edited' },
      previousData: created.data,
    });
    expect(updated.data).toMatchObject({ description: 'edited', version: 2 });
    // an edit of the old copy fails and changes nothing
    const stale = await provider
      .update('projects', { id, data: { ...created.data, description: 'stale' }, previousData: created.data })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(HttpError);
    expect((stale as HttpError).status).toBe(412);
    expect((await server.system.managers.project.get(sys(), { id })).description).toBe('edited');

    const bad = await provider
      .create('projects', { data: { organizationId: acme, name: '' } })
      .catch((e: unknown) => e);
    expect((bad as HttpError).status).toBe(400);
    expect(Object.keys((bad as HttpError).body.errors)).toContain('name');

    const deleted = await provider.delete('projects', { id, previousData: updated.data });
    expect(deleted.data.id).toBe(id);
    expect((await provider.getOne('projects', { id }).catch((e: HttpError) => e)) as HttpError).toMatchObject(
      {
        status: 404,
      },
    );

    const { ids } = await server.system.managers.project.createMany(sys(), [
      { organizationId: acme, name: 'bulk one' },
      { organizationId: acme, name: 'bulk two' },
    ]);
    expect((await provider.updateMany('projects', { ids, data: { description: 'bulk' } })).data).toEqual(ids);
    const after = await server.system.managers.project.list(sys(), { where: { id: { in: ids } } });
    expect(after.items.map((p) => p.description)).toEqual(['bulk', 'bulk']);
    expect((await provider.deleteMany('projects', { ids })).data).toEqual(ids);
    expect(await server.system.managers.project.count(sys(), { where: { id: { in: ids } } })).toBe(0);
  });

  it('answers 404 for a row hidden from the caller, like a missing one', async () => {
    const globexProject = (
      await server.system.managers.project.list(sys(), {
        where: { isPublic: false, organization: { is: { slug: 'globex' } } },
      })
    ).items[0]!;
    const hidden = await provider.getOne('projects', { id: globexProject.id }).catch((e: HttpError) => e);
    const missing = await provider
      .getOne('projects', { id: '00000000-0000-4000-8000-000000000000' })
      .catch((e: HttpError) => e);
    expect((hidden as HttpError).status).toBe(404);
    expect((missing as HttpError).status).toBe(404);
    expect((hidden as HttpError).body.code).toBe((missing as HttpError).body.code);
  });
});
