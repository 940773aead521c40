import type { Manager, ManagerContext } from '@typecrud/server';
import {
  type ComputedKeys,
  type CreateInput,
  computed,
  type OrderBy,
  type Row,
  type Select,
  type UpdateData,
  type Where,
} from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppSchema } from '../src/index.js';

type S = AppSchema;
declare const ctx: ManagerContext;
declare const project: Manager<S, S['project']>;
declare const tag: Manager<S, S['tag']>;
declare const release: Manager<S, S['release']>;

describe('computed field types', () => {
  it('an entity knows its computed keys; the row has none of them', () => {
    expectTypeOf<ComputedKeys<S['project']>>().toEqualTypeOf<
      'releaseCount' | 'publishedCount' | 'latestReleaseAt'
    >();
    expectTypeOf<ComputedKeys<S['release']>>().toEqualTypeOf<never>();
    expectTypeOf<Row<S['project']>>().not.toHaveProperty('releaseCount');
  });

  it('the builders carry value types', () => {
    expectTypeOf(computed.count('x')._type).toEqualTypeOf<number | undefined>();
    expectTypeOf(computed.max('timestamp', 'x', 'y')._type).toEqualTypeOf<Date | null | undefined>();
    expectTypeOf(computed.min('string', 'x', 'y')._type).toEqualTypeOf<string | null | undefined>();
    expectTypeOf(computed.sum('int', 'x', 'y')._type).toEqualTypeOf<number | undefined>();
    // @ts-expect-error: a sum is of numbers
    computed.sum('timestamp', 'x', 'y');
    // @ts-expect-error: no such kind
    computed.max('json', 'x', 'y');
  });

  it('an include or a select returns the computed values it names, typed', async () => {
    const row = await project.get(ctx, { id: 'x', include: { releaseCount: true, latestReleaseAt: true } });
    expectTypeOf(row.releaseCount).toEqualTypeOf<number>();
    expectTypeOf(row.latestReleaseAt).toEqualTypeOf<Date | null>();
    expectTypeOf(row.name).toEqualTypeOf<string>();
    expectTypeOf(row).not.toHaveProperty('publishedCount');
    const picked = await project.list(ctx, { select: { id: true, publishedCount: true } });
    expectTypeOf(picked.items[0]!).toEqualTypeOf<{ id: string; publishedCount: number }>();
    const nested = await release.get(ctx, {
      id: 'x',
      include: { project: { select: { releaseCount: true } } },
    });
    expectTypeOf(nested.project).toEqualTypeOf<{ releaseCount: number } | null>();
    const t = await tag.get(ctx, { id: 'x', include: { projectCount: true } });
    expectTypeOf(t.projectCount).toEqualTypeOf<number>();
    const plain = await project.get(ctx, { id: 'x' });
    expectTypeOf(plain).not.toHaveProperty('releaseCount');
  });

  it('where and orderBy take computed keys with their kinds', () => {
    expectTypeOf<{ releaseCount: { gte: 2 } }>().toExtend<Where<S, S['project']>>();
    expectTypeOf<{ latestReleaseAt: null }>().toExtend<Where<S, S['project']>>();
    expectTypeOf<{ latestReleaseAt: { lt: Date } }>().toExtend<Where<S, S['project']>>();
    expectTypeOf<{ releaseCount: 'many' }>().not.toExtend<Where<S, S['project']>>();
    expectTypeOf<{ releaseCount: { contains: '1' } }>().not.toExtend<Where<S, S['project']>>();
    // a count is never null
    expectTypeOf<{ releaseCount: null }>().not.toExtend<Where<S, S['project']>>();
    expectTypeOf<{ latestReleaseAt: { lt: 3 } }>().not.toExtend<Where<S, S['project']>>();
    expectTypeOf<{ releaseCount: 'desc' }>().toExtend<OrderBy<S, S['project']>>();
    expectTypeOf<{ latestReleaseAt: { dir: 'asc'; nulls: 'first' } }>().toExtend<OrderBy<S, S['project']>>();
    expectTypeOf<{ releaseCount: 'up' }>().not.toExtend<OrderBy<S, S['project']>>();
    expectTypeOf<{ releaseCount: true }>().toExtend<Select<S, S['project']>>();
    // related where: a release's project by its count
    expectTypeOf<{ project: { is: { releaseCount: { gt: 1 } } } }>().toExtend<Where<S, S['release']>>();
  });

  it('misuse does not compile', async () => {
    // @ts-expect-error: unknown computed field
    await project.get(ctx, { id: 'x', include: { releaseCnt: true } });
    // @ts-expect-error: another entity's computed field
    await release.get(ctx, { id: 'x', select: { releaseCount: true } });
    // @ts-expect-error: picked with a boolean only
    await project.get(ctx, { id: 'x', include: { releaseCount: { where: {} } } });
    expectTypeOf<{ releaseCount: number }>().not.toExtend<UpdateData<S['project'], S>>();
    expectTypeOf<CreateInput<S, S['project']>>().not.toHaveProperty('releaseCount');
  });
});
