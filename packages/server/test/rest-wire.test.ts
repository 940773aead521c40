import { belongsTo, defineEntity, defineSchema, f, hasMany, manyToMany } from '@typecrud/shared';
import { describe, expect, it } from 'vitest';
import { createRestApi, crudProcedures, resourcePath, revive, router, toJson } from '../src/core/index.js';
import type { RequestContext } from '../src/core/services.js';

const board = defineEntity({
  name: 'board',
  traits: ['timestamps', 'version', 'archive'],
  fields: {
    title: f.string({ max: 50 }).filterable().sortable().list(),
    opensAt: f.timestamp().nullable().filterable().sortable(),
  },
  relations: { cards: hasMany('card', 'boardId'), labels: manyToMany('label') },
});
const card = defineEntity({
  name: 'card',
  traits: ['timestamps'],
  fields: {
    boardId: f.ref('board', { onDelete: 'cascade' }).list(),
    points: f.bigint().filterable().sortable().list(),
  },
  relations: { board: belongsTo('board', 'boardId') },
});
const label = defineEntity({ name: 'label', fields: { name: f.string().filterable().list() } });
const schema = defineSchema({ board, card, label });
const appRouter = router({
  board: router(crudProcedures(schema, 'board')),
  card: router({ list: crudProcedures(schema, 'card').list }),
});
const rest = createRestApi({
  schema,
  router: appRouter,
  createContext: () => Promise.reject(new Error('not called: the route table needs no request')),
});

describe('REST wire values', () => {
  it('revives ISO dates and decimal bigints where the DTO takes them, at any depth', () => {
    const list = schema.dto('board').list;
    const input = revive(list, {
      where: {
        opensAt: { gte: '2026-01-01T00:00:00Z' },
        cards: { some: { points: { gt: '9007199254740993' } } },
      },
      include: { cards: { where: { points: 5 } } },
    }) as {
      where: { opensAt: { gte: unknown }; cards: { some: { points: { gt: unknown } } } };
      include: { cards: { where: { points: unknown } } };
    };
    expect(input.where.opensAt.gte).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(input.where.cards.some.points.gt).toBe(9007199254740993n);
    expect(input.include.cards.where.points).toBe(5n);
    expect(list.safeParse(input).success).toBe(true);
    const groupBy = schema.dto('card').groupBy;
    const grouped = revive(groupBy, {
      by: ['boardId'],
      having: {
        _sum: { points: { gte: '9007199254740993' } },
        _max: { createdAt: { lt: '2026-01-01T00:00:00Z' } },
      },
    }) as { having: { _sum: { points: { gte: unknown } }; _max: { createdAt: { lt: unknown } } } };
    expect(grouped.having._sum.points.gte).toBe(9007199254740993n);
    expect(grouped.having._max.createdAt.lt).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(groupBy.safeParse(grouped).success).toBe(true);
  });

  it('leaves what does not fit for the DTO to refuse by its path, and keeps __proto__ an own key', () => {
    const create = schema.dto('board').create;
    const input = revive(
      create,
      JSON.parse('{"title":"t","opensAt":"tomorrow","__proto__":{"x":1}}'),
    ) as object;
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(Object.keys(input)).toContain('__proto__');
    const parsed = create.safeParse(input);
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('opensAt');
    expect(JSON.stringify(parsed.error!.issues)).toContain('__proto__');
  });

  it('writes bigints as decimal strings and dates as ISO strings', () => {
    expect(toJson({ n: 12345678901234567890n, at: new Date(0) })).toBe(
      '{"n":"12345678901234567890","at":"1970-01-01T00:00:00.000Z"}',
    );
  });
});

describe('the REST route table', () => {
  it('has a route for every procedure the router has, and none for those it lacks', () => {
    expect(resourcePath('board')).toBe('boards');
    expect(resourcePath('auditEntry')).toBe('audit-entries');
    expect(resourcePath('box')).toBe('boxes');
    const ops = rest.routes.map((r) => `${r.method} ${r.path} ${r.operationId}`);
    expect(ops).toEqual(
      expect.arrayContaining([
        'GET /boards board_list',
        'GET /boards/{id} board_get',
        'PATCH /boards/{id} board_update',
        'POST /boards/{id}/archive board_archive',
        'POST /boards/{id}/labels/connect board_labels_connect',
        'GET /cards card_list',
        'GET /boards/aggregate board_aggregate',
        'POST /boards/aggregate board_aggregate_post',
        'GET /boards/group-by board_groupBy',
        'POST /boards/group-by board_groupBy_post',
      ]),
    );
    expect(ops.filter((o) => o.includes('card_'))).toEqual(['GET /cards card_list']);
    // no entity here has a unique key: no upsert procedure, so no PUT route
    expect(ops.filter((o) => o.startsWith('PUT '))).toEqual([]);
  });

  it('answers PATCH and DELETE without If-Match with 428 when If-Match is required, before any call', async () => {
    const strict = createRestApi({
      schema,
      router: appRouter,
      createContext: async () => ({}) as RequestContext,
      requireIfMatch: true,
    });
    const id = '00000000-0000-4000-8000-000000000001';
    for (const operationId of ['board_update', 'board_delete']) {
      const route = strict.routes.find((r) => r.operationId === operationId)!;
      const answer = await strict.handle(route, {
        params: { id },
        query: {},
        headers: {},
        body: { title: 'x' },
      });
      expect(answer.status, operationId).toBe(428);
      expect(answer.body).toMatchObject({
        code: 'PRECONDITION_FAILED',
        issues: [{ path: ['If-Match'], message: 'is required' }],
      });
      // a malformed ETag is 400 naming the header
      const bad = await strict.handle(route, {
        params: { id },
        query: {},
        headers: { 'if-match': 'nope' },
        body: {},
      });
      expect(bad.status, operationId).toBe(400);
      expect(bad.body).toMatchObject({ issues: [{ path: ['If-Match'] }] });
    }
    const del = strict.document().paths['/api/v1/boards/{id}']!.delete!;
    expect(Object.keys(del.responses as object)).toEqual(expect.arrayContaining(['412', '428']));
  });

  it('documents them in OpenAPI 3.1 with components per entity', () => {
    const doc = rest.document();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'BoardRow',
        'BoardCreateInput',
        'BoardUpdateInput',
        'BoardPage',
        'BoardWhere',
        'CardRow',
      ]),
    );
    const row = doc.components.schemas.CardRow as { properties: Record<string, { $ref?: string }> };
    const deref = (s: { $ref?: string } | undefined) =>
      s?.$ref ? doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] : s;
    expect(deref(row.properties.points)).toMatchObject({ type: 'string', pattern: '^-?[0-9]+$' });
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
    // aggregates: the GET takes each part of the query as a JSON parameter, the POST the whole query
    const groupBy = doc.paths['/api/v1/boards/group-by']!;
    const params = (groupBy.get!.parameters as { name: string; required?: boolean }[]).map((p) => p.name);
    expect(params).toEqual(
      expect.arrayContaining(['by', 'where', 'having', 'orderBy', 'limit', '_count', '_sum']),
    );
    expect(groupBy.post!.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/BoardGroupByInput' } } },
    });
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['BoardAggregateInput', 'BoardGroupByInput']),
    );
    expect(rest.document()).toBe(doc); // built once
  });
});

describe('REST read shape parameters', () => {
  it('takes select, omit and distinct on list (JSON), select and omit on get, documented', () => {
    const list = rest.routes.find((r) => r.operationId === 'board_list')!;
    const get = rest.routes.find((r) => r.operationId === 'board_get')!;
    expect(list.query).toEqual(expect.arrayContaining(['select', 'omit', 'distinct']));
    expect(get.query).toEqual(expect.arrayContaining(['select', 'omit']));
    expect(get.query).not.toContain('distinct');
    const doc = rest.document();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['BoardSelect', 'BoardOmit', 'BoardDistinct']),
    );
  });

  it('revives bigints inside a select and a _count where', () => {
    const list = schema.dto('board').list;
    const input = revive(list, {
      select: {
        title: true,
        cards: { where: { points: '7' } },
        _count: { cards: { where: { points: '5' } } },
      },
    }) as {
      select: { cards: { where: { points: unknown } }; _count: { cards: { where: { points: unknown } } } };
    };
    expect(input.select.cards.where.points).toBe(7n);
    expect(input.select._count.cards.where.points).toBe(5n);
    expect(list.safeParse(input).success).toBe(true);
    expect(list.safeParse({ select: { title: true }, omit: { title: true } }).success).toBe(false);
    expect(list.safeParse({ distinct: ['title'] }).success).toBe(true);
    expect(list.safeParse({ distinct: ['opensAt', 'title'] }).success).toBe(true);
    expect(list.safeParse({ distinct: ['nope'] }).success).toBe(false);
  });

  it("carries an example of every JSON query parameter of a list, each one the entity's DTO accepts", () => {
    const doc = rest.document();
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p)) as {
      operationId?: string;
      parameters?: { name: string; content?: { 'application/json': { example?: unknown } } }[];
    }[];
    let checked = 0;
    for (const route of rest.routes) {
      if (route.kind !== 'list' || !route.resource) continue;
      const op = ops.find((o) => o.operationId === route.operationId)!;
      const list = schema.dto(route.resource.entity as 'board').list;
      for (const param of op.parameters ?? []) {
        const example = param.content?.['application/json'].example;
        if (example === undefined) continue;
        const parsed = list.safeParse(revive(list, { [param.name]: example }));
        expect(parsed.success, `${route.operationId} ${param.name}: ${JSON.stringify(example)}`).toBe(true);
        checked++;
      }
    }
    // board: where, orderBy, include, select, distinct; card: orderBy, include, select, distinct
    expect(checked).toBeGreaterThanOrEqual(9);
  });
});
