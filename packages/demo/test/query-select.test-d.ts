import type { Manager, ManagerContext } from '@typecrud/server';
import type { ListQuery, Row } from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppSchema } from '../src/index.js';

type S = AppSchema;
declare const ctx: ManagerContext;
declare const project: Manager<S, S['project']>;
declare const release: Manager<S, S['release']>;
declare const user: Manager<S, S['user']>;
declare const tag: Manager<S, S['tag']>;

describe('select / omit / _count / distinct types', () => {
  it('select returns exactly the selected fields', async () => {
    const row = await project.get(ctx, { id: 'x', select: { id: true, name: true } });
    expectTypeOf(row).toEqualTypeOf<{ id: string; name: string }>();
    const page = await release.list(ctx, { select: { semver: true, releasedAt: true, notes: false } });
    expectTypeOf(page.items[0]!).toEqualTypeOf<{ semver: string; releasedAt: Date | null }>();
  });

  it('omit removes keys', async () => {
    const row = await project.get(ctx, { id: 'x', omit: { description: true, version: true } });
    expectTypeOf(row).toEqualTypeOf<Omit<Row<S['project']>, 'description' | 'version'>>();
    expectTypeOf(row).not.toHaveProperty('description');
    expectTypeOf(row.name).toEqualTypeOf<string>();
  });

  it('a relation inside select, and select / omit inside an include, shape the embedded rows', async () => {
    const row = await project.get(ctx, {
      id: 'x',
      select: { name: true, tags: { select: { label: true } }, organization: { omit: { slug: true } } },
    });
    expectTypeOf(row.tags).toEqualTypeOf<{ label: string }[]>();
    expectTypeOf(row.organization).toEqualTypeOf<Omit<Row<S['organization']>, 'slug'> | null>();
    expectTypeOf(row).not.toHaveProperty('description');
    const withInclude = await project.get(ctx, {
      id: 'x',
      include: { releases: { select: { semver: true, downloads: true } } },
    });
    expectTypeOf(withInclude.releases).toEqualTypeOf<{ semver: string; downloads: bigint }[]>();
    expectTypeOf(withInclude.description).toEqualTypeOf<string | null>();
  });

  it('_count is typed by the relations it names', async () => {
    const row = await project.get(ctx, {
      id: 'x',
      include: { _count: { releases: true, tags: { where: {} } } },
    });
    expectTypeOf(row._count).toEqualTypeOf<{ releases: number; tags: number }>();
    expectTypeOf(row.name).toEqualTypeOf<string>();
    const only = await tag.get(ctx, { id: 'x', select: { _count: { projects: true } } });
    expectTypeOf(only).toEqualTypeOf<{ _count: { projects: number } }>();
    const plain = await project.get(ctx, { id: 'x' });
    expectTypeOf(plain).not.toHaveProperty('_count');
  });

  it('distinct takes sortable fields', () => {
    expectTypeOf<{ distinct: ['status', 'semver'] }>().toExtend<ListQuery<S, S['release']>>();
    expectTypeOf<{ distinct: ['notes'] }>().not.toExtend<ListQuery<S, S['release']>>();
    expectTypeOf<{ distinct: ['projectId'] }>().not.toExtend<ListQuery<S, S['release']>>();
  });

  it('misuse does not compile', () => {
    // @ts-expect-error an unknown field
    void project.get(ctx, { id: 'x', select: { name: true, bogus: true } });
    // @ts-expect-error a hidden field
    void user.get(ctx, { id: 'x', select: { email: true, passwordHash: true } });
    // @ts-expect-error a hidden field in omit
    void user.get(ctx, { id: 'x', omit: { passwordHash: true } });
    // @ts-expect-error select and omit together
    void project.get(ctx, { id: 'x', select: { name: true }, omit: { description: true } });
    // @ts-expect-error select and omit together, on list
    void project.list(ctx, { select: { name: true }, omit: { description: true } });
    // @ts-expect-error an unknown field in a nested select
    void project.get(ctx, { id: 'x', select: { tags: { select: { label: true, bogus: true } } } });
    // @ts-expect-error select and omit together in a nested select
    void project.get(ctx, { id: 'x', select: { tags: { select: { label: true }, omit: { color: true } } } });
    // @ts-expect-error a count of a to-one relation
    void release.get(ctx, { id: 'x', include: { _count: { project: true } } });
    // @ts-expect-error a count of an unknown relation in a select
    void project.get(ctx, { id: 'x', select: { _count: { nope: true } } });
    // @ts-expect-error a distinct field that is not sortable
    void release.list(ctx, { distinct: ['notes'] });
  });
});
