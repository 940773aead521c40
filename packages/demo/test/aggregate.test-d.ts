import type { Manager, ManagerContext } from '@typecrud/server';
import type { GroupableKeys, NumericKeys } from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppSchema } from '../src/index.js';

type S = AppSchema;
declare const releases: Manager<S, S['release']>;
declare const users: Manager<S, S['user']>;
declare const ctx: ManagerContext;

describe('aggregate and groupBy types', () => {
  it('the fields each aggregate takes', () => {
    expectTypeOf<NumericKeys<S['release']>>().toEqualTypeOf<'downloads' | 'version'>();
    // filterable, readable, not json: properties (json) is left out
    expectTypeOf<GroupableKeys<S['release']>>().toEqualTypeOf<
      | 'id'
      | 'projectId'
      | 'semver'
      | 'status'
      | 'releasedAt'
      | 'downloads'
      | 'createdAt'
      | 'updatedAt'
      | 'createdBy'
      | 'updatedBy'
      | 'archivedAt'
    >();
  });

  it('aggregate returns exactly the aggregates asked for', async () => {
    const r = await releases.aggregate(ctx, {
      where: { status: 'published' },
      _count: true,
      _sum: { downloads: true, version: true },
      _avg: { downloads: true },
      _min: { releasedAt: true, semver: true },
      _max: { downloads: true, status: true },
    });
    expectTypeOf(r).toEqualTypeOf<{
      _count: number;
      _sum: { downloads: bigint | null; version: number | null };
      _avg: { downloads: number | null };
      _min: { releasedAt: Date | null; semver: string | null };
      _max: { downloads: bigint | null; status: 'draft' | 'scheduled' | 'published' | 'withdrawn' | null };
    }>();
    const counts = await releases.aggregate(ctx, { _count: { _all: true, releasedAt: true } });
    expectTypeOf(counts).toEqualTypeOf<{ _count: { _all: number; releasedAt: number } }>();
    expectTypeOf(await releases.aggregate(ctx, {})).toEqualTypeOf<Record<never, never>>();
  });

  it('groupBy rows carry the by fields and the aggregates', async () => {
    const rows = await releases.groupBy(ctx, {
      by: ['status', 'projectId'],
      _count: true,
      _sum: { downloads: true },
      having: { _count: { gt: 2 }, _sum: { downloads: { gte: 10n } } },
      orderBy: [{ _sum: { downloads: 'desc' } }, { status: 'asc' }],
      limit: 10,
    });
    expectTypeOf(rows).toEqualTypeOf<
      ({
        status: 'draft' | 'scheduled' | 'published' | 'withdrawn';
        projectId: string;
      } & { _count: number; _sum: { downloads: bigint | null } })[]
    >();
    const byDate = await releases.groupBy(ctx, { by: ['releasedAt'], _max: { downloads: true } });
    expectTypeOf(byDate[0]!.releasedAt).toEqualTypeOf<Date | null>();
  });

  it('misuse does not compile', () => {
    // @ts-expect-error semver is a string: it has no sum
    releases.aggregate(ctx, { _sum: { semver: true } });
    // @ts-expect-error a summable field beside one that is not
    releases.aggregate(ctx, { _sum: { downloads: true, semver: true } });
    // @ts-expect-error properties (json) has no min
    releases.aggregate(ctx, { _min: { properties: true } });
    // @ts-expect-error an unknown field
    releases.aggregate(ctx, { _count: { nope: true } });
    // @ts-expect-error an unknown option
    releases.aggregate(ctx, { _median: { downloads: true } });
    // @ts-expect-error a hidden field is not aggregated
    users.aggregate(ctx, { _count: { passwordHash: true } });
    // @ts-expect-error an unknown by field
    releases.groupBy(ctx, { by: ['unknownField'] });
    // @ts-expect-error notes is not filterable: no grouping by it
    releases.groupBy(ctx, { by: ['notes'] });
    // @ts-expect-error a group is ordered by its by fields (or aggregates) only
    releases.groupBy(ctx, { by: ['status'], orderBy: { semver: 'asc' } });
    // @ts-expect-error the same, in a list of terms
    releases.groupBy(ctx, { by: ['status'], orderBy: [{ status: 'asc' }, { semver: 'asc' }] });
    // @ts-expect-error having on a sum compares with the sum's type (bigint here)
    releases.groupBy(ctx, { by: ['status'], having: { _sum: { downloads: { gt: 'x' } } } });
    // @ts-expect-error groupBy needs by
    releases.groupBy(ctx, { _count: true });
  });
});
