import { demoPassword } from '@typecrud/demo/server';
import { testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { dataOf, errorsOf, mutate, query, signIn } from './http.js';
import { q, type RestProblem, rest } from './rest.js';

interface ProjectRow {
  id: string;
  version: number;
  name: string;
  organizationId: string;
  archivedAt: string | null;
  tags?: { id: string; label: string }[];
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}

const missing = '00000000-0000-4000-8000-000000000000';

describe.each(testEngines())('REST on %s', (engine) => {
  let server: TestServer;
  let url: string;
  let admin: string;
  const tokens: Record<string, string> = {};
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { seed: true, limits: { BODY_LIMIT: 64 * 1024 } });
    url = server.url;
    admin = await signIn(url, server.admin.email, server.admin.password);
    for (const who of ['ada@acme.test', 'bob@acme.test', 'cleo@acme.test', 'gus@globex.test'])
      tokens[who] = await signIn(url, who, demoPassword);
    const orgs = await server.system.managers.organization.list({ db: server.database.db, caller: null }, {});
    acme = orgs.items.find((o) => o.slug === 'acme')!.id;
    globex = orgs.items.find((o) => o.slug === 'globex')!.id;
  });
  afterAll(() => server?.close());

  it('signs in and runs the CRUD workflow with HTTP semantics', async () => {
    const signedIn = await rest<{ token: string }>(url, 'POST', '/api/v1/auth/sign-in', {
      json: { email: 'ada@acme.test', password: demoPassword },
    });
    expect(signedIn.status).toBe(200);
    const token = signedIn.body.token;
    const tags = await rest<Page<{ id: string }>>(url, 'GET', `/api/v1/tags${q({ limit: 2 })}`, { token });

    const created = await rest<ProjectRow>(url, 'POST', '/api/v1/projects', {
      token,
      json: { organizationId: acme, name: 'Zeppelin', tags: { connect: tags.body.items.map((t) => t.id) } },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/projects/${created.body.id}`);
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.body.id;

    const got = await rest<ProjectRow>(
      url,
      'GET',
      `/api/v1/projects/${id}${q({ include: { tags: true } })}`,
      {
        token,
      },
    );
    expect(got.status).toBe(200);
    expect(got.body.tags?.map((t) => t.id).sort()).toEqual(tags.body.items.map((t) => t.id).sort());
    const notModified = await rest(url, 'GET', `/api/v1/projects/${id}`, {
      token,
      headers: { 'if-none-match': '"1"' },
    });
    expect(notModified.status).toBe(304);

    const updated = await rest<ProjectRow>(url, 'PATCH', `/api/v1/projects/${id}`, {
      token,
      json: { description: 'airship' },
      headers: { 'if-match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    const stale = await rest<RestProblem>(url, 'PATCH', `/api/v1/projects/${id}`, {
      token,
      json: { description: 'lost update' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', currentVersion: 2, fields: ['version'] });
    const reread = await rest<ProjectRow & { description: string }>(url, 'GET', `/api/v1/projects/${id}`, {
      token,
    });
    expect(reread.body.description).toBe('airship');

    const archived = await rest<ProjectRow>(url, 'POST', `/api/v1/projects/${id}/archive`, { token });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();
    expect((await rest(url, 'GET', `/api/v1/projects/${id}`, { token })).status).toBe(404);
    const restored = await rest<ProjectRow>(url, 'POST', `/api/v1/projects/${id}/restore`, { token });
    expect(restored.body.archivedAt).toBeNull();

    const unlinked = await rest<{ count: number }>(url, 'POST', `/api/v1/projects/${id}/tags/disconnect`, {
      token,
      json: { ids: [tags.body.items[0]!.id] },
    });
    expect(unlinked.body.count).toBe(1);

    const deleted = await rest<{ id: string }>(url, 'DELETE', `/api/v1/projects/${id}`, { token });
    expect(deleted.status).toBe(200);
    expect((await rest(url, 'GET', `/api/v1/projects/${id}`, { token })).status).toBe(404);
  });

  it('deletes with If-Match only at the version read: a stale ETag is 412 and the row stays', async () => {
    const ctx = { db: server.database.db, caller: null };
    const token = tokens['ada@acme.test']!;
    const created = await rest<ProjectRow>(url, 'POST', '/api/v1/projects', {
      token,
      json: { organizationId: acme, name: 'Delete-if-match' },
    });
    const id = created.body.id;
    const changed = await rest<ProjectRow>(url, 'PATCH', `/api/v1/projects/${id}`, {
      token,
      json: { description: 'v2' },
      headers: { 'if-match': '"1"' },
    });
    expect(changed.headers.get('etag')).toBe('"2"');
    const stale = await rest<RestProblem>(url, 'DELETE', `/api/v1/projects/${id}`, {
      token,
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', currentVersion: 2, fields: ['version'] });
    const kept = await server.system.managers.project.get(ctx, { id });
    expect(kept.version).toBe(2);
    expect((kept as ProjectRow & { description: string }).description).toBe('v2');
    // not an ETag of this API: 400 naming the header, the row stays
    const bad = await rest<RestProblem>(url, 'DELETE', `/api/v1/projects/${id}`, {
      token,
      headers: { 'if-match': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0]!.path).toEqual(['If-Match']);
    // tRPC: a stale expectedVersion is CONFLICT with the current version, nothing deleted
    const viaTrpc = await mutate(url, 'project.delete', { id, expectedVersion: 1 }, { token });
    expect(viaTrpc.status).toBe(409);
    expect(errorsOf(viaTrpc)[0]!.data.code).toBe('CONFLICT');
    expect((await server.system.managers.project.get(ctx, { id })).version).toBe(2);
    // another tenant's caller with the right ETag: 404 as for a missing row, the row stays
    const foreign = await rest<RestProblem>(url, 'DELETE', `/api/v1/projects/${id}`, {
      token: tokens['gus@globex.test'],
      headers: { 'if-match': '"2"' },
    });
    expect(foreign.status).toBe(404);
    expect((await server.system.managers.project.get(ctx, { id })).id).toBe(id);
    // the version read: deleted
    const deleted = await rest<{ id: string }>(url, 'DELETE', `/api/v1/projects/${id}`, {
      token,
      headers: { 'if-match': '"2"' },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id });
    expect((await rest(url, 'GET', `/api/v1/projects/${id}`, { token })).status).toBe(404);
    expect(await server.system.managers.project.count(ctx, { where: { id } })).toBe(0);
    // tRPC with the right expectedVersion deletes too
    const other = await server.system.managers.project.create(ctx, {
      organizationId: acme,
      name: 'Delete-trpc',
    });
    const ok = await mutate(
      url,
      'project.delete',
      { id: other.id, expectedVersion: other.version },
      { token },
    );
    expect(ok.status).toBe(200);
    expect(await server.system.managers.project.count(ctx, { where: { id: other.id } })).toBe(0);
  });

  it('upserts with PUT on the collection: create branch, update branch, a key mismatch, a refused update', async () => {
    const ctx = { db: server.database.db, caller: null };
    const token = tokens['ada@acme.test']!;
    const key = { organizationId: acme, name: 'Upsert-rest' };
    const created = await rest<ProjectRow & { description: string | null }>(url, 'PUT', '/api/v1/projects', {
      token,
      json: { where: key, create: { ...key, description: 'created' }, update: { description: 'updated' } },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ ...key, description: 'created', version: 1 });
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.body.id;
    const updated = await rest<ProjectRow & { description: string | null }>(url, 'PUT', '/api/v1/projects', {
      token,
      json: { where: key, create: key, update: { description: 'updated' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, description: 'updated', version: 2 });
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(await server.system.managers.project.count(ctx, { where: key })).toBe(1);
    // a stale expectedVersion on the update branch: 409 with the current version, nothing changes
    const stale = await rest<RestProblem>(url, 'PUT', '/api/v1/projects', {
      token,
      json: { where: key, create: key, update: { description: 'lost' }, expectedVersion: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    // create disagrees with where: 400 naming create.name, nothing written
    const mismatch = await rest<RestProblem>(url, 'PUT', '/api/v1/projects', {
      token,
      json: { where: key, create: { ...key, name: 'Other' }, update: { description: 'x' } },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(mismatch.body.code).toBe('BAD_REQUEST');
    expect(mismatch.body.issues).toEqual([{ path: ['create', 'name'], message: 'must equal where.name' }]);
    // where is not a unique key: 400 naming where
    const notKey = await rest<RestProblem>(url, 'PUT', '/api/v1/projects', {
      token,
      json: { where: { name: 'Upsert-rest' }, create: key, update: {} },
    });
    expect(notKey.status).toBe(400);
    expect(notKey.body.issues[0]!.path).toEqual(['where', 'organizationId']);
    // a viewer may not update the row: 403, the row as it was
    const before = await server.system.managers.project.get(ctx, { id });
    const refused = await rest<RestProblem>(url, 'PUT', '/api/v1/projects', {
      token: tokens['cleo@acme.test'],
      json: { where: key, create: key, update: { description: 'by a viewer' } },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    // another tenant's owner: refused alike (the create rule answers for a row it cannot read)
    const foreign = await rest<RestProblem>(url, 'PUT', '/api/v1/projects', {
      token: tokens['gus@globex.test'],
      json: { where: key, create: key, update: { description: 'by globex' } },
    });
    expect(foreign.status).toBe(403);
    expect(await server.system.managers.project.get(ctx, { id })).toEqual(before);
  });

  it('lists with a JSON where, a two-field sort, a total and the cursor', async () => {
    const params = { where: { organizationId: acme }, orderBy: [{ isPublic: 'desc' }, { name: 'asc' }] };
    const first = await rest<Page<ProjectRow & { isPublic: boolean }>>(
      url,
      'GET',
      `/api/v1/projects${q({ ...params, limit: 2, withTotal: true })}`,
      { token: admin },
    );
    expect(first.status).toBe(200);
    const all = await server.system.managers.project.list(
      { db: server.database.db, caller: null },
      { where: { organizationId: acme }, orderBy: [{ isPublic: 'desc' }, { name: 'asc' }] },
    );
    expect(first.body.total).toBe(all.items.length);
    expect(first.body.items.map((p) => p.name)).toEqual(all.items.slice(0, 2).map((p) => p.name));
    const second = await rest<Page<ProjectRow>>(
      url,
      'GET',
      `/api/v1/projects${q({ ...params, limit: 2, cursor: first.body.nextCursor })}`,
      { token: admin },
    );
    expect(second.body.items.map((p) => p.name)).toEqual(all.items.slice(2, 4).map((p) => p.name));
    const released = await rest<Page<{ releasedAt: string; downloads: string }>>(
      url,
      'GET',
      `/api/v1/releases${q({ where: { releasedAt: { gte: '2026-02-01T00:00:00.000Z' } }, limit: 100 })}`,
      { token: admin },
    );
    expect(released.body.items.length).toBeGreaterThan(0);
    for (const r of released.body.items) {
      expect(Date.parse(r.releasedAt)).toBeGreaterThanOrEqual(Date.parse('2026-02-01T00:00:00.000Z'));
      expect(r.downloads).toMatch(/^\d+$/); // a bigint, as a decimal string
    }
  });

  it('answers like tRPC for every caller: hidden is 404 like missing, refused writes change nothing', async () => {
    const ctx = { db: server.database.db, caller: null };
    const projects = (await server.system.managers.project.list(ctx, { limit: 100 })).items;
    const targets = [...projects.map((p) => p.id), missing];
    const callers: [string, string | undefined][] = [
      ['superadmin', admin],
      ...Object.entries(tokens),
      ['signed out', undefined],
    ];
    let compared = 0;
    let hidden = 0;
    let refused = 0;
    for (const [who, token] of callers) {
      // list: the same rows
      const viaRest = await rest<Page<ProjectRow> | RestProblem>(
        url,
        'GET',
        `/api/v1/projects${q({ limit: 100 })}`,
        {
          token,
        },
      );
      const viaTrpc = await query(url, 'project.list', { limit: 100 }, { token });
      expect(viaRest.status, who).toBe(viaTrpc.status);
      if (viaTrpc.status === 200)
        expect((viaRest.body as Page<ProjectRow>).items.map((p) => p.id).sort(), who).toEqual(
          dataOf<Page<ProjectRow>>(viaTrpc)
            .items.map((p) => p.id)
            .sort(),
        );
      for (const id of targets) {
        const r = await rest<RestProblem>(url, 'GET', `/api/v1/projects/${id}`, { token });
        const t = await query(url, 'project.get', { id }, { token });
        expect(r.status, `${who} get ${id}`).toBe(t.status);
        if (t.status !== 200) expect(r.body.code).toBe(errorsOf(t)[0]!.data.code);
        if (id === missing && token) expect(r.status).toBe(404);
        if (id !== missing && r.status === 404) hidden++;
        compared++;
      }
    }
    // writes: REST first; a refusal leaves the row as it was, and tRPC refuses the same call alike
    for (const [who, token] of callers) {
      for (const target of projects.slice(0, 3).concat(projects.slice(-2))) {
        const before = await server.system.managers.project.get(ctx, { id: target.id });
        const r = await rest<RestProblem>(url, 'PATCH', `/api/v1/projects/${target.id}`, {
          token,
          json: { description: `by ${who}` },
        });
        if (r.status !== 200) {
          refused++;
          expect(await server.system.managers.project.get(ctx, { id: target.id }), who).toEqual(before);
          const t = await mutate(
            url,
            'project.update',
            { id: target.id, data: { description: `by ${who}` } },
            { token },
          );
          expect(t.status, `${who} update`).toBe(r.status);
          expect(errorsOf(t)[0]!.data.code).toBe(r.body.code);
        } else {
          const t = await mutate(
            url,
            'project.update',
            { id: target.id, data: { description: `again ${who}` } },
            { token },
          );
          expect(t.status, `${who} update`).toBe(200);
        }
        // moving a row to another tenant is refused alike, and leaves it in place
        const moved = await rest<RestProblem>(url, 'PATCH', `/api/v1/projects/${target.id}`, {
          token,
          json: { organizationId: target.organizationId === acme ? globex : acme },
        });
        expect(moved.status).toBeGreaterThanOrEqual(400);
        expect(moved.status).toBeLessThan(500);
        expect((await server.system.managers.project.get(ctx, { id: target.id })).organizationId).toBe(
          target.organizationId,
        );
        compared++;
      }
      // delete on a fresh row per protocol
      const [a, b] = (
        await server.system.managers.project.createMany(ctx, [
          { organizationId: acme, name: `del-rest-${who}` },
          { organizationId: acme, name: `del-trpc-${who}` },
        ])
      ).ids;
      const r = await rest<RestProblem>(url, 'DELETE', `/api/v1/projects/${a}`, { token });
      const t = await mutate(url, 'project.delete', { id: b }, { token });
      expect(r.status, `${who} delete`).toBe(t.status);
      if (r.status !== 200) {
        expect(r.body.code).toBe(errorsOf(t)[0]!.data.code);
        expect((await server.system.managers.project.get(ctx, { id: a! })).id).toBe(a);
      }
    }
    // the matrix has both sides: rows some callers cannot see, writes some callers may not make
    expect(hidden).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(compared).toBe(callers.length * targets.length + callers.length * 5);
  });

  it('keeps every resource to its rules: another tenant gets 404 like a missing id, a viewer 403, nothing changes', async () => {
    const ctx = { db: server.database.db, caller: null };
    const m = server.system.managers;
    const gus = tokens['gus@globex.test']!;
    const cleo = tokens['cleo@acme.test']!;
    const ada = (await m.user.list(ctx, { where: { email: 'ada@acme.test' } })).items[0]!;
    const bob = (await m.user.list(ctx, { where: { email: 'bob@acme.test' } })).items[0]!;
    const privateProject = await m.project.create(ctx, { organizationId: acme, name: 'Matrix private' });
    const release = await m.release.create(ctx, { projectId: privateProject.id, semver: '9.9.9' });
    const session = await (async () => {
      await signIn(url, 'bob@acme.test', demoPassword);
      return (await m.session.list(ctx, { where: { userId: bob.id }, limit: 1 })).items[0]!;
    })();
    type Get = (id: string) => Promise<unknown>;
    const getOf =
      (manager: {
        get(c: typeof ctx, input: { id: string; withArchived?: boolean }): Promise<unknown>;
      }): Get =>
      (id) =>
        manager.get(ctx, { id, withArchived: true });
    /** Per REST resource: a row of acme's that globex's owner cannot read, a change, and whether acme's viewer may read it but not write it. */
    const resources: {
      path: string;
      id: string;
      data: Record<string, unknown>;
      get: Get;
      /** false: the resource has no such route (read-only), or its rows are readable by every signed-in caller */
      tenant: boolean;
      writes: boolean;
    }[] = [
      {
        path: 'organizations',
        id: acme,
        data: { name: 'Taken over' },
        get: getOf(m.organization),
        tenant: true,
        writes: true,
      },
      {
        path: 'memberships',
        id: (await m.membership.list(ctx, { where: { organizationId: acme, userId: bob.id } })).items[0]!.id,
        data: { role: 'owner' },
        get: getOf(m.membership),
        tenant: true,
        writes: true,
      },
      {
        path: 'users',
        id: ada.id,
        data: { displayName: 'Taken over' },
        get: getOf(m.user),
        tenant: true,
        writes: true,
      },
      {
        path: 'profiles',
        id: (await m.profile.list(ctx, { where: { userId: ada.id } })).items[0]!.id,
        data: { bio: 'taken over' },
        get: getOf(m.profile),
        tenant: true,
        writes: true,
      },
      {
        path: 'projects',
        id: privateProject.id,
        data: { description: 'taken over' },
        get: getOf(m.project),
        tenant: true,
        writes: true,
      },
      {
        path: 'releases',
        id: release.id,
        data: { notes: 'taken over' },
        get: getOf(m.release),
        tenant: true,
        writes: true,
      },
      // tags are shared by every tenant: readable by any signed-in caller, so only the viewer side applies
      {
        path: 'tags',
        id: (await m.tag.create(ctx, { label: 'matrix-tag' })).id,
        data: { label: 'taken-over' },
        get: getOf(m.tag),
        tenant: false,
        writes: true,
      },
      // sessions are read-only over REST (get/list/count): a session of bob's is hidden from globex
      {
        path: 'sessions',
        id: session.id,
        data: {},
        get: (id) => m.session.get(ctx, { id }),
        tenant: true,
        writes: false,
      },
      // the audit log is read-only and superadmins' alone: hidden from globex's owner like a missing entry
      {
        path: 'audit-entries',
        id: (await m.auditEntry.list(ctx, { limit: 1 })).items[0]!.id,
        data: {},
        get: (id) => m.auditEntry.get(ctx, { id }),
        tenant: true,
        writes: false,
      },
    ];
    // every entity the REST document serves as /api/v1/<path>/{id} is in the table
    const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const served = Object.keys(doc.paths)
      .map((p) => /^\/api\/v1\/([a-z-]+)\/\{id\}$/.exec(p)?.[1])
      .filter((p): p is string => p !== undefined)
      .sort();
    expect(resources.map((r) => r.path).sort()).toEqual(served);
    let checked = 0;
    for (const r of resources) {
      const before = await r.get(r.id);
      const methods = r.writes ? (['GET', 'PATCH', 'DELETE'] as const) : (['GET'] as const);
      if (r.tenant) {
        for (const method of methods) {
          const send = (id: string) =>
            rest<RestProblem>(url, method, `/api/v1/${r.path}/${id}`, {
              token: gus,
              ...(method === 'PATCH' ? { json: r.data } : {}),
            });
          const hidden = await send(r.id);
          const absent = await send(missing);
          expect(hidden.status, `${method} ${r.path}`).toBe(404);
          expect(hidden.body.code, `${method} ${r.path}`).toBe('NOT_FOUND');
          expect(hidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect({ status: absent.status, code: absent.body.code, title: absent.body.title }).toEqual({
            status: hidden.status,
            code: hidden.body.code,
            title: hidden.body.title,
          });
          expect(await r.get(r.id), `${method} ${r.path}`).toEqual(before);
          checked++;
        }
      }
      if (r.writes) {
        // acme's viewer reads the row, and may neither change nor delete it
        expect((await rest(url, 'GET', `/api/v1/${r.path}/${r.id}`, { token: cleo })).status, r.path).toBe(
          200,
        );
        for (const method of ['PATCH', 'DELETE'] as const) {
          const refused = await rest<RestProblem>(url, method, `/api/v1/${r.path}/${r.id}`, {
            token: cleo,
            ...(method === 'PATCH' ? { json: r.data } : {}),
          });
          expect(refused.status, `viewer ${method} ${r.path}`).toBe(403);
          expect(refused.body.code).toBe('FORBIDDEN');
          expect(await r.get(r.id), `viewer ${method} ${r.path}`).toEqual(before);
          checked++;
        }
      }
    }
    expect(checked).toBe(6 * 3 + 2 + 7 * 2);
  });

  it('refuses bad input with a problem document naming what was wrong, never a 5xx', async () => {
    const token = admin;
    const project = (
      await rest<Page<ProjectRow>>(url, 'GET', `/api/v1/projects${q({ limit: 1 })}`, { token })
    ).body.items[0]!;
    const cases: {
      name: string;
      send: () => Promise<{ status: number; body: RestProblem }>;
      status: number;
      path: string;
    }[] = [
      {
        name: 'wrong content type',
        send: () =>
          rest(url, 'POST', '/api/v1/projects', {
            token,
            body: 'name=x',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
        status: 415,
        path: 'content-type',
      },
      {
        name: 'oversized body',
        send: () =>
          rest(url, 'POST', '/api/v1/projects', {
            token,
            json: { organizationId: acme, name: 'x'.repeat(70 * 1024) },
          }),
        status: 413,
        path: '',
      },
      {
        name: 'malformed JSON',
        send: () =>
          rest(url, 'POST', '/api/v1/projects', {
            token,
            body: '{"name":',
            headers: { 'content-type': 'application/json' },
          }),
        status: 400,
        path: '(body)',
      },
      {
        name: 'unknown query parameter',
        send: () => rest(url, 'GET', '/api/v1/projects?limit=2&sortBy=name', { token }),
        status: 400,
        path: 'sortBy',
      },
      {
        name: 'where that is not JSON',
        send: () => rest(url, 'GET', '/api/v1/projects?where=name', { token }),
        status: 400,
        path: 'where',
      },
      {
        name: 'filter on an unknown field',
        send: () => rest(url, 'GET', `/api/v1/projects${q({ where: { nope: 1 } })}`, { token }),
        status: 400,
        path: 'where.nope',
      },
      {
        name: 'limit over the maximum',
        send: () => rest(url, 'GET', '/api/v1/projects?limit=100000', { token }),
        status: 400,
        path: 'limit',
      },
      {
        name: 'unknown body field',
        send: () => rest(url, 'PATCH', `/api/v1/projects/${project.id}`, { token, json: { colour: 'red' } }),
        status: 400,
        path: 'colour',
      },
      {
        name: 'bad id',
        send: () => rest(url, 'GET', '/api/v1/projects/not-a-uuid', { token }),
        status: 400,
        path: 'id',
      },
      {
        name: 'bad If-Match',
        send: () =>
          rest(url, 'PATCH', `/api/v1/projects/${project.id}`, {
            token,
            json: { name: 'y' },
            headers: { 'if-match': 'soon' },
          }),
        status: 400,
        path: 'If-Match',
      },
      {
        name: 'a date that is not a date',
        send: () =>
          rest(url, 'GET', `/api/v1/releases${q({ where: { releasedAt: { gte: 'yesterday' } } })}`, {
            token,
          }),
        status: 400,
        path: 'where.releasedAt.gte',
      },
    ];
    for (const c of cases) {
      const answer = await c.send();
      expect(answer.status, c.name).toBe(c.status);
      expect(answer.body.status, c.name).toBe(c.status);
      if (c.path)
        expect(
          answer.body.issues.map((i) => i.path.join('.')),
          c.name,
        ).toContain(c.path);
      else expect(answer.body.detail, c.name).toMatch(/larger than/);
    }
    expect((await rest(url, 'GET', `/api/v1/projects/${project.id}`, { token })).status).toBe(200);
    const unknownRoute = await rest<RestProblem>(url, 'GET', '/api/v1/nothing-here', { token });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body.code).toBe('NOT_FOUND');
  });
  it("aggregates and groups over GET and POST, under the caller's read rule", async () => {
    const token = tokens['gus@globex.test']!;
    const query = { _count: true, _sum: { downloads: true }, _max: { releasedAt: true } };
    const got = await rest<{ _count: number; _sum: { downloads: string | null } }>(
      url,
      'GET',
      `/api/v1/releases/aggregate${q(query)}`,
      { token },
    );
    expect(got.status).toBe(200);
    const posted = await rest(url, 'POST', '/api/v1/releases/aggregate', { token, json: query });
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual(got.body);
    // bigint sums travel as decimal strings
    if (got.body._sum.downloads !== null) expect(got.body._sum.downloads).toMatch(/^\d+$/);
    const all = await rest<{ _count: number }>(
      url,
      'GET',
      `/api/v1/releases/aggregate${q({ _count: true })}`,
      {
        token: admin,
      },
    );
    const ctx = { db: server.database.db, caller: null };
    expect(all.body._count).toBe(await server.system.managers.release.count(ctx, {}));
    expect(got.body._count).toBeLessThan(all.body._count);

    const groups = {
      by: ['status'],
      _count: true,
      having: { _count: { gte: 1 } },
      orderBy: { _count: 'desc' },
    };
    const grouped = await rest<{ status: string; _count: number }[]>(
      url,
      'GET',
      `/api/v1/releases/group-by${q(groups)}`,
      { token },
    );
    expect(grouped.status).toBe(200);
    expect(grouped.body.reduce((n, g) => n + g._count, 0)).toBe(got.body._count);
    const postedGroups = await rest(url, 'POST', '/api/v1/releases/group-by', { token, json: groups });
    expect(postedGroups.body).toEqual(grouped.body);

    const bad = await rest<RestProblem>(url, 'GET', `/api/v1/releases/group-by${q({ by: ['nope'] })}`, {
      token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i) => i.path.join('.'))).toContain('by.0');
  });
});
