import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { ServicesBase } from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import { sql } from 'kysely';
import superjson from 'superjson';
import { beforeAll, describe, expect, it } from 'vitest';
import { appRouter, createAppServices } from '../src/server/index.js';
import { testTokenSecret, useApp } from './fixtures.js';
import { missingId } from './helpers.js';

interface ErrorBody {
  message: string;
  data: {
    code: string;
    httpStatus: number;
    stack?: string;
    typecrud: { issues?: { path: (string | number)[]; message: string }[]; fields?: string[] };
  };
}

describe.each(testEngines())('error shapes over HTTP on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as { orgId: string };

  /** One call through tRPC's HTTP handler (no socket): the error as a client receives it. */
  const call = async (
    path: string,
    input: unknown,
    type: 'query' | 'mutation' = 'mutation',
    services: ServicesBase = app.services,
  ): Promise<ErrorBody> => {
    const payload = encodeURIComponent(JSON.stringify(superjson.serialize(input)));
    const req =
      type === 'query'
        ? new Request(`http://local/trpc/${path}?input=${payload}`)
        : new Request(`http://local/trpc/${path}`, {
            method: 'POST',
            body: JSON.stringify(superjson.serialize(input)),
            headers: { 'content-type': 'application/json' },
          });
    const res = await fetchRequestHandler({
      endpoint: '/trpc',
      req,
      router: appRouter,
      createContext: () => ({
        services,
        db: app.database.db,
        caller: app.ctx.caller,
      }),
    });
    const body = (await res.json()) as { error?: { json: ErrorBody } };
    expect(body.error, `${path} should fail`).toBeDefined();
    expect(res.status).toBe(body.error!.json.data.httpStatus);
    return body.error!.json;
  };
  const paths = (e: ErrorBody) => (e.data.typecrud.issues ?? []).map((i) => i.path.join('.'));

  beforeAll(async () => {
    s.orgId = (await app.api.organization.create({ name: 'Http', slug: 'http' })).id;
  });

  it('a Zod issue is BAD_REQUEST (400) with the field path in the message and in typecrud.issues', async () => {
    const e = await call('organization.create', { name: ' ', slug: 'x' });
    expect(e.data.code).toBe('BAD_REQUEST');
    expect(e.data.httpStatus).toBe(400);
    expect(paths(e)).toEqual(['name']);
    expect(e.message).toContain('name: must not be empty');
    const nested = await call('project.update', { id: missingId, data: { name: 'x'.repeat(201) } });
    expect(paths(nested)).toEqual(['data.name']);
    expect(nested.message).toContain('data.name: must be at most 200 characters');
  });

  it('an unknown or system field is named in the message', async () => {
    const e = await call('organization.create', { name: 'A', slug: 'a', version: 5 });
    expect(e.data.code).toBe('BAD_REQUEST');
    expect(e.message).toContain('version');
    const w = await call('project.list', { where: { nmae: 'x' } }, 'query');
    expect(w.data.code).toBe('BAD_REQUEST');
    expect(w.message).toContain('nmae');
  });

  it('a duplicate is CONFLICT (409) naming the fields', async () => {
    const e = await call('organization.create', { name: 'Again', slug: 'http' });
    expect(e.data.code).toBe('CONFLICT');
    expect(e.data.httpStatus).toBe(409);
    expect(e.data.typecrud.fields).toEqual(['slug']);
    expect(paths(e)).toEqual(['slug']);
  });

  it('a missing reference is BAD_REQUEST naming the field; a missing row is NOT_FOUND (404)', async () => {
    const e = await call('project.create', { organizationId: missingId, name: 'P' });
    expect(e.data.code).toBe('BAD_REQUEST');
    expect(e.data.typecrud.fields).toEqual(['organizationId']);
    expect(e.message).not.toMatch(/violates|insert into/i);
    const nf = await call('project.get', { id: missingId }, 'query');
    expect(nf.data.code).toBe('NOT_FOUND');
    expect(nf.data.httpStatus).toBe(404);
  });

  it('an unexpected database error is INTERNAL_SERVER_ERROR; in production its message stays on the server', async () => {
    const production = createAppServices(app.database, { tokenSecret: testTokenSecret, production: true });
    await sql`alter table tag rename to tag_away`.execute(app.database.db);
    try {
      const prod = await call('tag.list', {}, 'query', production);
      expect(prod.data.code).toBe('INTERNAL_SERVER_ERROR');
      expect(prod.data.httpStatus).toBe(500);
      expect(prod.message).toBe('internal error');
      const write = await call('tag.create', { label: 'x' }, 'mutation', production);
      expect(write.message).toBe('internal error');
      const dev = await call('tag.list', {}, 'query');
      expect(dev.data.code).toBe('INTERNAL_SERVER_ERROR');
      expect(dev.message).toContain('tag');
    } finally {
      await sql`alter table tag_away rename to tag`.execute(app.database.db);
    }
  });

  it('a bad cursor names the cursor', async () => {
    const e = await call('project.list', { cursor: 'abc.def' }, 'query');
    expect(e.data.code).toBe('BAD_REQUEST');
    expect(paths(e)).toEqual(['cursor']);
  });
});
