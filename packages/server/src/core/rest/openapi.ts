import type { AnyEntity, AnySchema, FieldMap } from '@typecrud/shared';
import { z } from 'zod';
import type { RestApiOptions, RestRoute } from './routes.js';

/** A JSON Schema (2020-12) object, as OpenAPI 3.1 embeds it. */
export type JsonSchema = { [key: string]: unknown };

/** An OpenAPI 3.1 document. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
  security: Record<string, string[]>[];
}

const pascal = (s: string) => s.replace(/(^|[-_.])(\w)/g, (_m, _sep, c: string) => c.toUpperCase());

/** A DTO's object shape (the DTOs of `@typecrud/shared` are objects; their fields are reached by name). */
const shapeOf = (s: z.ZodType) => (s as unknown as { shape: Record<string, z.ZodType> }).shape;
const unwrapOptional = (s: z.ZodType) => (s as unknown as { unwrap(): z.ZodType }).unwrap();

const bigintPattern = '^-?[0-9]+$';

/**
 * An example value of each JSON query parameter of an entity's list, built from its own fields and
 * relations (a filterable text field, a sortable one, a relation, the listed fields), so every
 * example is a query the entity's DTO accepts (the OpenAPI test parses each one).
 */
export function queryExamples(schema: AnySchema, entityName: string): Record<string, unknown> {
  const entity: AnyEntity = schema.entity(entityName);
  const fields = Object.entries(entity.fields as FieldMap).map(([name, f]) => ({ name, c: f.config }));
  const readable = fields.filter((f) => !f.c.hidden);
  const text = fields.find((f) => f.c.filterable && ['string', 'text', 'email'].includes(f.c.kind));
  const sortable = fields.filter((f) => f.c.sortable && !f.c.hidden);
  const listed = readable.filter((f) => f.c.listed);
  const relation = schema.relations(entityName)[0];
  const out: Record<string, unknown> = {};
  if (text) out.where = { [text.name]: { contains: 'a', mode: 'insensitive' } };
  if (sortable.length)
    out.orderBy = sortable.slice(0, 2).map((f, i) => ({ [f.name]: i === 0 ? 'asc' : 'desc' }));
  if (relation) out.include = { [relation.name]: true };
  out.select = Object.fromEntries(['id', ...listed.map((f) => f.name)].slice(0, 4).map((n) => [n, true]));
  const long = readable.find((f) => f.c.kind === 'text' || f.c.kind === 'json');
  if (long) out.omit = { [long.name]: true };
  if (sortable[0]) out.distinct = [sortable[0].name];
  return out;
}

/**
 * The OpenAPI 3.1 document of a route table, generated from the same DTO schemas the procedures
 * parse with (Zod 4's JSON Schema output): a component per entity (Row, CreateInput, UpdateInput,
 * Page, Where, OrderBy, Include), operationIds, problem responses, the bearer scheme. Dates are
 * ISO 8601 strings and bigints decimal strings on the wire.
 */
export function openApiDocument<S extends AnySchema>(
  options: RestApiOptions<S>,
  routes: readonly RestRoute[],
  info: { title: string; version: string; description?: string },
): OpenApiDocument {
  const ids = z.registry<{ id: string }>();
  const roots: Record<string, z.ZodType> = {};
  const name = (schema: z.ZodType, id: string) => {
    if (!ids.has(schema)) ids.add(schema, { id });
    roots[id] = schema;
    return id;
  };
  const problem = z.object({
    type: z.string(),
    status: z.number().int(),
    title: z.string(),
    detail: z.string(),
    code: z.string(),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })),
    fields: z.array(z.string()).optional(),
    currentVersion: z.number().int().optional(),
    retryAfterSeconds: z.number().optional(),
  });
  name(problem, 'Problem');
  const entityIds = new Map<
    string,
    {
      row: string;
      create: string;
      update: string;
      where: string;
      orderBy: string;
      include: string;
      select: string;
      omit: string;
      distinct: string;
      page: string;
      aggregate: string;
      groupBy: string;
      /** Entities with a unique key: `{ where, create, update, expectedVersion?, withArchived? }`. */
      upsert?: string;
    }
  >();
  for (const route of routes) {
    const r = route.resource;
    if (!r || entityIds.has(r.key)) continue;
    const dto = options.schema.dto(r.entity);
    const p = pascal(r.key);
    const list = shapeOf(dto.list);
    const row = dto.entity;
    entityIds.set(r.key, {
      row: name(row, `${p}Row`),
      create: name(dto.create, `${p}CreateInput`),
      update: name(shapeOf(dto.update).data!, `${p}UpdateInput`),
      where: name(dto.where, `${p}Where`),
      orderBy: name(unwrapOptional(list.orderBy!), `${p}OrderBy`),
      include: name(unwrapOptional(list.include!), `${p}Include`),
      select: name(unwrapOptional(list.select!), `${p}Select`),
      omit: name(unwrapOptional(list.omit!), `${p}Omit`),
      distinct: name(unwrapOptional(list.distinct!), `${p}Distinct`),
      page: name(
        z.object({
          items: z.array(row),
          nextCursor: z.string().nullable(),
          total: z.number().int().optional(),
        }),
        `${p}Page`,
      ),
      aggregate: name(dto.aggregate, `${p}AggregateInput`),
      groupBy: name(dto.groupBy, `${p}GroupByInput`),
      ...(dto.upsert ? { upsert: name(dto.upsert, `${p}UpsertInput`) } : {}),
    });
  }
  for (const route of routes) if (route.input) name(route.input, `${pascal(route.operationId)}Input`);

  const generated = z.toJSONSchema(z.object(roots), {
    target: 'draft-2020-12',
    metadata: ids,
    io: 'input',
    unrepresentable: 'any',
    reused: 'ref',
    override(ctx) {
      const type = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def.type;
      if (type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
      if (type === 'bigint') Object.assign(ctx.jsonSchema, { type: 'string', pattern: bigintPattern });
    },
  }) as { $defs?: Record<string, JsonSchema> };
  const schemas = JSON.parse(
    JSON.stringify(generated.$defs ?? {}).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as Record<string, JsonSchema>;
  for (const s of Object.values(schemas)) delete s.id;

  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
  const problemRef = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: ref('Problem') } },
  });
  const errorStatuses: Record<string, string> = {
    '400': 'Bad input: the issues name the fields',
    '401': 'Not signed in, or a bad token',
    '403': 'The caller may not do this',
    '404': 'Missing, or hidden from this caller (the two look the same)',
    '409': 'A unique value taken, or a concurrent change',
    '413': 'The body or the answer is too large',
    '429': 'Too many requests; see Retry-After',
    '500': 'Internal error (no details leak)',
    '503': 'The database is unavailable; see Retry-After',
  };
  const responses: Record<string, JsonSchema> = Object.fromEntries(
    Object.entries(errorStatuses).map(([s, d]) => [`Problem${s}`, problemRef(d)]),
  );
  const errors = (...extra: string[]) =>
    Object.fromEntries(
      [...Object.keys(errorStatuses), ...extra].map((s) => [
        s,
        responses[`Problem${s}`]
          ? { $ref: `#/components/responses/Problem${s}` }
          : problemRef(extraStatuses[s]!),
      ]),
    );
  const extraStatuses: Record<string, string> = {
    '412': 'If-Match names an older version: nothing changed',
    '415': 'The body must be application/json',
    '428': 'If-Match is required',
  };
  const ok = (status: string, schema: JsonSchema, description = 'OK', headers?: JsonSchema) => ({
    [status]: { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema } } },
  });
  const etag = {
    ETag: { description: 'The row version; send it back in If-Match', schema: { type: 'string' } },
  };
  const examples = new Map<string, Record<string, unknown>>();
  const exampleOf = (resource: string | undefined, entity: string | undefined, param: string) => {
    if (!resource || !entity) return undefined;
    let e = examples.get(resource);
    if (!e) {
      e = queryExamples(options.schema, entity);
      examples.set(resource, e);
    }
    return e[param];
  };
  let current: RestRoute | undefined;
  const jsonParam = (param: string, id: string, description: string) => {
    const example = exampleOf(current?.resource?.key, current?.resource?.entity, param);
    return {
      name: param,
      in: 'query',
      description,
      content: { 'application/json': { schema: ref(id), ...(example !== undefined ? { example } : {}) } },
    };
  };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  const counted = { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] };

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    current = route;
    const op: JsonSchema = { operationId: route.operationId, summary: route.summary };
    const parameters: JsonSchema[] = [];
    if (route.path.includes('{id}')) parameters.push(idParam);
    const e = route.resource ? entityIds.get(route.resource.key)! : undefined;
    const body = (schema: JsonSchema) => {
      op.requestBody = { required: true, content: { 'application/json': { schema } } };
    };
    if (route.resource) op.tags = [route.resource.key];
    for (const q of route.query) {
      if (e && q === 'where')
        parameters.push(jsonParam(q, e.where, 'A where filter as JSON: {"name":{"contains":"rock"}}'));
      else if (e && q === 'orderBy' && route.kind !== 'groupBy')
        parameters.push(
          jsonParam(
            q,
            e.orderBy,
            'Sort as JSON, one field or several: [{"name":"asc"},{"createdAt":"desc"}]',
          ),
        );
      else if (e && q === 'include')
        parameters.push(jsonParam(q, e.include, 'Relations to embed as JSON: {"tags":true}'));
      else if (e && q === 'select')
        parameters.push(jsonParam(q, e.select, 'Only these fields, as JSON: {"id":true,"name":true}'));
      else if (e && q === 'omit')
        parameters.push(jsonParam(q, e.omit, 'Every field but these, as JSON: {"description":true}'));
      else if (e && q === 'distinct')
        parameters.push(
          jsonParam(q, e.distinct, 'One row per distinct value of these fields, as JSON: ["status"]'),
        );
      else if (
        e &&
        (route.kind === 'aggregate' || route.kind === 'groupBy') &&
        q !== 'limit' &&
        q !== 'withArchived'
      ) {
        // the rest of an aggregate query, each parameter as JSON: _sum={"size":true}, by=["status"]
        const input = route.kind === 'aggregate' ? e.aggregate : e.groupBy;
        const props = (schemas[input]?.properties ?? {}) as Record<string, JsonSchema>;
        parameters.push({
          name: q,
          in: 'query',
          description: `As JSON${q === 'by' ? ', required' : ''}`,
          ...(q === 'by' ? { required: true } : {}),
          content: { 'application/json': { schema: props[q] ?? {} } },
        });
      } else if (q === 'limit' || q === 'offset')
        parameters.push({
          name: q,
          in: 'query',
          schema: { type: 'integer', minimum: q === 'limit' ? 1 : 0 },
        });
      else if (q === 'withTotal' || q === 'withArchived')
        parameters.push({ name: q, in: 'query', schema: { type: 'boolean' } });
      else parameters.push({ name: q, in: 'query', schema: { type: 'string' } });
    }
    let extra: string[] = [];
    switch (route.kind) {
      case 'list':
        op.responses = ok('200', ref(e!.page));
        break;
      case 'count':
        op.responses = ok('200', counted);
        break;
      case 'aggregate':
      case 'groupBy': {
        if (route.method === 'POST') body(ref(route.kind === 'aggregate' ? e!.aggregate : e!.groupBy));
        const aggregates = {
          type: 'object',
          description:
            'The aggregates asked for: _count (a number, or one per field), _sum / _avg / _min / _max per field (null over no value); bigints and numerics as decimal strings, dates as ISO strings',
        };
        op.responses = ok(
          '200',
          route.kind === 'aggregate' ? aggregates : { type: 'array', items: aggregates },
        );
        break;
      }
      case 'get':
        parameters.push({ name: 'If-None-Match', in: 'header', schema: { type: 'string' } });
        op.responses = { ...ok('200', ref(e!.row), 'The row', etag), '304': { description: 'Not modified' } };
        break;
      case 'create':
        body(ref(e!.create));
        op.responses = ok('201', ref(e!.row), 'Created; Location names the new row', {
          ...etag,
          Location: { schema: { type: 'string' } },
        });
        break;
      case 'createMany':
        body({ type: 'array', items: ref(e!.create) });
        op.responses = ok('201', {
          type: 'object',
          properties: {
            count: { type: 'integer' },
            ids: { type: 'array', items: { type: 'string', format: 'uuid' } },
          },
          required: ['count', 'ids'],
        });
        break;
      case 'update':
        parameters.push({
          name: 'If-Match',
          in: 'header',
          description: 'The ETag of the row you read',
          schema: { type: 'string' },
        });
        body(ref(e!.update));
        op.responses = ok('200', ref(e!.row), 'The changed row', etag);
        extra = ['412', '428'];
        break;
      case 'upsert':
        body(ref(e!.upsert!));
        op.responses = ok('200', ref(e!.row), 'The row, updated or created', etag);
        break;
      case 'updateMany':
        body({
          type: 'object',
          properties: { where: ref(e!.where), data: ref(e!.update) },
          required: ['where', 'data'],
        });
        op.responses = ok('200', counted);
        break;
      case 'delete':
        parameters.push({
          name: 'If-Match',
          in: 'header',
          description: 'The ETag of the row you read: a row at another version is 412 and stays',
          schema: { type: 'string' },
        });
        extra = ['412', '428'];
        op.responses = ok('200', {
          type: 'object',
          properties: { id: { type: 'string', format: 'uuid' } },
          required: ['id'],
        });
        break;
      case 'deleteMany':
        op.responses = ok('200', counted);
        break;
      case 'archive':
      case 'restore':
        op.responses = ok('200', ref(e!.row), 'The row', etag);
        break;
      case 'connect':
      case 'disconnect':
        body({
          type: 'object',
          properties: { ids: { type: 'array', items: { type: 'string', format: 'uuid' } } },
          required: ['ids'],
          additionalProperties: false,
        });
        op.responses = ok('200', counted);
        break;
      case 'procedure': {
        const input = route.input ? `${pascal(route.operationId)}Input` : undefined;
        const props =
          (input ? (schemas[input]?.properties as Record<string, JsonSchema> | undefined) : undefined) ?? {};
        for (const [param, schema] of Object.entries(props)) {
          if (route.path.includes(`{${param}}`) && param !== 'id')
            parameters.push({ name: param, in: 'path', required: true, schema });
        }
        if (route.method === 'GET') {
          for (const q of route.query) {
            const i = parameters.findIndex((p) => p.name === q && p.in === 'query');
            if (i >= 0) parameters[i] = { ...parameters[i], schema: props[q] ?? {} };
          }
        } else if (route.body && input) {
          const path = new Set([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!));
          const bodyProps = Object.fromEntries(Object.entries(props).filter(([k]) => !path.has(k)));
          const required = ((schemas[input]?.required as string[] | undefined) ?? []).filter(
            (k) => !path.has(k),
          );
          body({ type: 'object', properties: bodyProps, required, additionalProperties: false });
        }
        op.responses = ok('200', {});
        break;
      }
    }
    if (route.body) extra.push('415');
    op.responses = { ...(op.responses as JsonSchema), ...errors(...extra) };
    if (parameters.length > 0) op.parameters = parameters;
    const path = `${options.basePath ?? '/api/v1'}${route.path}`;
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearerAuth: [] }, {}],
  };
}
