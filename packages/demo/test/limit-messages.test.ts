import { describeError } from '@typecrud/server';
import { expectError, missingId, testEngines } from '@typecrud/server/testing';
import { queryLimits } from '@typecrud/shared';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/index.js';
import { useApp } from './fixtures.js';

/**
 * Every limit, over its limit, through the generated procedures: a BAD_REQUEST whose message and
 * issues name the field path and the limit's number (never a union's bare "Invalid input").
 */
describe.each(testEngines())('limit errors keep their limit, on %s', (engine) => {
  const app = useApp(engine);
  const api = () =>
    app.api as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
  const n = <T>(count: number, v: T): T[] => Array.from({ length: count }, () => v);
  const project = schema.entity('project').limits;
  const tag = schema.entity('tag').limits;
  const { listValues, orderFields, maxOffset, whereDepth, includeDepth, conditions } = queryLimits;
  const six = n(orderFields + 1, { name: 'asc' });
  let deepWhere: Record<string, unknown> = { name: 'x' };
  for (let i = 0; i < whereDepth + 1; i++) deepWhere = { NOT: deepWhere };
  let deepInclude: Record<string, unknown> = { organization: true };
  for (let i = 0; i < includeDepth; i++)
    deepInclude = { organization: { include: { projects: { include: deepInclude } } } };

  const cases: [string, () => Promise<unknown>, string, number][] = [
    // list sizes: in / notIn on every kind, nested, in a relation filter, in bulk writes
    [
      'in (string)',
      () => api().project!.list!({ where: { name: { in: n(listValues + 1, 'x') } } }),
      'where.name.in',
      listValues,
    ],
    [
      'in (enum)',
      () => api().release!.list!({ where: { status: { in: n(listValues + 1, 'draft') } } }),
      'where.status.in',
      listValues,
    ],
    [
      'notIn (enum)',
      () => api().release!.count!({ where: { status: { notIn: n(listValues + 1, 'draft') } } }),
      'where.status.notIn',
      listValues,
    ],
    [
      'in (uuid)',
      () => api().project!.list!({ where: { id: { in: n(listValues + 1, missingId) } } }),
      'where.id.in',
      listValues,
    ],
    [
      'in (timestamp)',
      () => api().release!.list!({ where: { releasedAt: { in: n(listValues + 1, new Date()) } } }),
      'where.releasedAt.in',
      listValues,
    ],
    [
      'in (bigint)',
      () => api().release!.list!({ where: { downloads: { in: n(listValues + 1, 1n) } } }),
      'where.downloads.in',
      listValues,
    ],
    [
      'in (email)',
      () => api().user!.list!({ where: { email: { in: n(listValues + 1, 'a@b.test') } } }),
      'where.email.in',
      listValues,
    ],
    [
      'in inside some',
      () => api().project!.count!({ where: { tags: { some: { label: { in: n(listValues + 1, 'x') } } } } }),
      'where.tags.some.label.in',
      listValues,
    ],
    [
      'in inside OR',
      () => api().project!.count!({ where: { OR: [{ name: { notIn: n(listValues + 1, 'x') } }] } }),
      'where.OR.0.name.notIn',
      listValues,
    ],
    [
      'in inside an include',
      () =>
        api().organization!.list!({
          include: { projects: { where: { name: { in: n(listValues + 1, 'x') } } } },
        }),
      'include.projects.where.name.in',
      listValues,
    ],
    [
      'updateMany where',
      () =>
        api().project!.updateMany!({ where: { name: { in: n(listValues + 1, 'x') } }, data: { name: 'y' } }),
      'where.name.in',
      listValues,
    ],
    [
      'deleteMany where',
      () => api().tag!.deleteMany!({ where: { label: { in: n(listValues + 1, 'x') } } }),
      'where.label.in',
      listValues,
    ],
    // sort fields
    ['orderBy fields', () => api().project!.list!({ orderBy: six }), 'orderBy', orderFields],
    [
      'orderBy in an include',
      () => api().organization!.list!({ include: { projects: { orderBy: six } } }),
      'include.projects.orderBy',
      orderFields,
    ],
    // pages
    ['limit', () => api().project!.list!({ limit: project.maxLimit + 1 }), 'limit', project.maxLimit],
    [
      'include limit',
      () => api().organization!.list!({ include: { projects: { limit: project.maxLimit + 1 } } }),
      'include.projects.limit',
      project.maxLimit,
    ],
    ['offset', () => api().project!.list!({ offset: maxOffset + 1 }), 'offset', maxOffset],
    // nesting
    [
      'where depth',
      () => api().project!.list!({ where: deepWhere }),
      'where.NOT.NOT.NOT.NOT.NOT',
      whereDepth,
    ],
    [
      'include depth',
      () => api().project!.list!({ include: deepInclude }),
      'include.organization.include.projects.include.organization.include',
      includeDepth,
    ],
    [
      'OR conditions',
      () => api().project!.count!({ where: { OR: n(conditions + 1, { name: 'x' }) } }),
      'where.OR',
      conditions,
    ],
    [
      'AND conditions',
      () => api().project!.count!({ where: { AND: n(conditions + 1, { name: 'x' }) } }),
      'where.AND',
      conditions,
    ],
    // batches
    ['createMany rows', () => api().tag!.createMany!(n(tag.maxBatch + 1, { label: 'a' })), '', tag.maxBatch],
    [
      'createMany { data }',
      () => api().tag!.createMany!({ data: n(tag.maxBatch + 1, { label: 'a' }) }),
      'data',
      tag.maxBatch,
    ],
    [
      'connect ids',
      () =>
        api().project!.connect!({ id: missingId, relation: 'tags', ids: n(project.maxBatch + 1, missingId) }),
      'ids',
      project.maxBatch,
    ],
    [
      'nested connect ids',
      () =>
        api().project!.update!({
          id: missingId,
          data: { tags: { set: n(project.maxBatch + 1, missingId) } },
        }),
      'data.tags.set',
      project.maxBatch,
    ],
    [
      'nested create rows',
      () =>
        api().project!.create!({
          organizationId: missingId,
          name: 'x',
          releases: { create: n(project.maxBatch + 1, { semver: '1.0.0' }) },
        }),
      'releases.create',
      project.maxBatch,
    ],
    // string lengths: a field, a filter value, a pattern, a cursor, a JSON path
    ['field length (create)', () => api().tag!.create!({ label: 'x'.repeat(51) }), 'label', 50],
    [
      'field length (update)',
      () => api().project!.update!({ id: missingId, data: { name: 'x'.repeat(201) } }),
      'data.name',
      200,
    ],
    [
      'filter value length',
      () => api().project!.count!({ where: { name: 'x'.repeat(201) } }),
      'where.name',
      200,
    ],
    [
      'filter operand length',
      () => api().project!.count!({ where: { name: { gte: 'x'.repeat(201) } } }),
      'where.name.gte',
      200,
    ],
    [
      'pattern length',
      () => api().project!.count!({ where: { name: { contains: 'x'.repeat(1001) } } }),
      'where.name.contains',
      1000,
    ],
    ['cursor length', () => api().project!.list!({ cursor: 'x'.repeat(4097) }), 'cursor', 4096],
    [
      'JSON path keys',
      () => api().project!.count!({ where: { properties: { path: n(11, 'a'), equals: 1 } } }),
      'where.properties.path',
      10,
    ],
    [
      'JSON path key length',
      () => api().project!.count!({ where: { properties: { path: ['a'.repeat(101)], equals: 1 } } }),
      'where.properties.path.0',
      100,
    ],
    [
      'JSON string filter length',
      () =>
        api().project!.count!({ where: { properties: { path: ['a'], string_contains: 'x'.repeat(1001) } } }),
      'where.properties.string_contains',
      1000,
    ],
  ];

  it.each(cases)('%s', async (_name, call, path, limit) => {
    const e = await expectError(call(), 'BAD_REQUEST');
    const { message, details } = describeError(e);
    const issue = details.issues?.find((i) => i.path.join('.') === path);
    expect(issue, `${message} names ${path || '(root)'}`).toBeDefined();
    // the number, as written or with a thousands separator
    const number = new RegExp(`\\b(${limit}|${limit.toLocaleString('en-US')})\\b`);
    expect(issue!.message).toMatch(number);
    expect(issue!.message).toMatch(/at most|deeper than/);
    expect(message).toContain(`${path || '(root)'}: `);
    expect(message).not.toContain('Invalid input');
  });
});
