import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { schema } from '@typecrud/demo';
import { demoPassword } from '@typecrud/demo/server';
import { testEngines } from '@typecrud/server/testing';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import type { WorkflowResult } from './openapi-client/workflow-result.js';

const clientDir = fileURLToPath(new URL('./openapi-client/', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

interface Operation {
  operationId: string;
  responses: Record<string, unknown>;
}

describe.each(testEngines())('OpenAPI on %s', (engine) => {
  let server: TestServer;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };

  beforeAll(async () => {
    server = await startTestServer(engine, { seed: true });
    const res = await fetch(`${server.url}/api/openapi.json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as typeof doc;
  });
  afterAll(() => server?.close());

  it('is a valid OpenAPI 3.1 document with an operation, components and security per entity', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(new Set(ops).size).toBe(ops.length);
    for (const key of ['organization', 'membership', 'user', 'profile', 'project', 'tag', 'release']) {
      for (const op of [
        'list',
        'get',
        'create',
        'update',
        'delete',
        'count',
        'createMany',
        'updateMany',
        'deleteMany',
        // every resource here has a unique key, so an upsert (PUT on the collection)
        'upsert',
      ])
        expect(ops).toContain(`${key}_${op}`);
      const p = key[0]!.toUpperCase() + key.slice(1);
      for (const c of ['Row', 'CreateInput', 'UpdateInput', 'Page', 'Where', 'OrderBy', 'Include'])
        expect(Object.keys(doc.components.schemas)).toContain(`${p}${c}`);
    }
    expect(ops).toEqual(
      expect.arrayContaining([
        'project_archive',
        'project_restore',
        'project_tags_connect',
        'release_publish',
        'auth_signIn',
        'audit_list',
      ]),
    );
    expect(ops).not.toContain('audit_create'); // the audit log is read-only in the router, so in REST too
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    // every readable field the definition declares is in the row component, no hidden one
    const row = doc.components.schemas.ProjectRow as { properties: Record<string, unknown> };
    const fields = Object.entries(
      schema.entity('project').fields as unknown as Record<string, { config: { hidden?: boolean } }>,
    );
    expect(Object.keys(row.properties).sort()).toEqual(
      fields
        .filter(([, f]) => !f.config.hidden)
        .map(([name]) => name)
        .sort(),
    );
    expect(fields.some(([, f]) => f.config.hidden)).toBe(true); // archiveBatch: the check above can fail
    expect(doc.paths['/api/v1/projects/{id}']!.patch!.responses).toHaveProperty('412');
    // DELETE takes If-Match as PATCH does
    const del = doc.paths['/api/v1/projects/{id}']!.delete! as Operation & { parameters: { name: string }[] };
    expect(del.responses).toHaveProperty('412');
    expect(del.parameters.map((p) => p.name)).toContain('If-Match');
    // the upsert: PUT on the collection, its body the entity's UpsertInput, the row back
    const put = doc.paths['/api/v1/projects']!.put! as Operation & {
      requestBody: { content: Record<string, { schema: unknown }> };
    };
    expect(put.operationId).toBe('project_upsert');
    expect(put.requestBody.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/ProjectUpsertInput',
    });
    const upsertInput = doc.components.schemas.ProjectUpsertInput as { required: string[] };
    expect([...upsertInput.required].sort()).toEqual(['create', 'update', 'where']);
    expect(JSON.stringify(put.responses['200'])).toContain('#/components/schemas/ProjectRow');
  });

  it('generates a typed client (openapi-typescript + openapi-fetch) that type-checks and runs the workflow', async () => {
    const types = astToString(await openapiTS(doc as never));
    await writeFile(`${clientDir}api.generated.d.ts`, types);
    // the workflow compiles against the generated types, and every misuse in misuse.ts is refused
    const { stdout } = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', clientDir]).catch(
      (e: { stdout: string }) => ({ stdout: e.stdout, failed: true }),
    );
    expect(stdout).toBe('');

    // by a computed path: the workflow imports the types generated above, which a fresh clone lacks
    const workflowModule = './openapi-client/workflow.js';
    const { workflow } = (await import(workflowModule)) as {
      workflow: (
        baseUrl: string,
        credentials: { email: string; password: string },
        organizationId: string,
      ) => Promise<WorkflowResult>;
    };
    const orgs = await server.system.managers.organization.list({ db: server.database.db, caller: null }, {});
    const acme = orgs.items.find((o) => o.slug === 'acme')!.id;
    const r = await workflow(server.url, { email: 'ada@acme.test', password: demoPassword }, acme);
    expect(r.createdStatus).toBe(201);
    expect(r.location).toBe(`/api/v1/projects/${r.created.id}`);
    expect(r.tagIds).toHaveLength(2);
    const expected = await server.system.managers.project.list(
      { db: server.database.db, caller: null },
      {
        where: { organizationId: acme, name: { contains: 'e', mode: 'insensitive' } },
        orderBy: [{ isPublic: 'desc' }, { name: 'asc' }],
        withTotal: true,
      },
    );
    // the workflow listed while its own project existed (public, so first among the public ones by name)
    const rows = [...expected.items, { name: 'Generated client', isPublic: true }].sort(
      (a, b) => Number(b.isPublic) - Number(a.isPublic) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    expect(r.total).toBe(expected.total! + 1);
    expect(r.firstPage).toEqual(rows.slice(0, 2).map((p) => p.name));
    expect(r.secondPage).toEqual(rows.slice(2, 4).map((p) => p.name));
    expect(r.updatedEtag).toBe('"2"');
    expect(r.staleStatus).toBe(412);
    expect(r.staleCode).toBe('CONFLICT');
    expect(r.archivedAt).not.toBeNull();
    expect(r.restoredAt).toBeNull();
    expect(r.deleteStatus).toBe(200);
    expect(r.afterDeleteStatus).toBe(404);
  });

  it('serves the API docs from the installed package, not a CDN', async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/docs-init.js']) {
      const res = await fetch(`${server.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(10);
    }
    expect(await (await fetch(`${server.url}/docs/docs-init.js`)).text()).toContain('/api/openapi.json');
    expect((await fetch(`${server.url}/docs/package.json`)).status).toBe(404);
  });
});
