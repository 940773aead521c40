import { createServices, type Manager, type ManagerContext, memoryCacheStore } from '@typecrud/server';
import { expectError, openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import { defineEntity, definePolicies, defineSchema, f, type Principal } from '@typecrud/shared';
import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseStatuses } from '../src/entities/release.js';
import { useApp } from './fixtures.js';

type Sql = RawBuilder<unknown>;
type Data = Record<string, unknown>;

/** A seeded generator: the same cases on every run and engine. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  const some = <T>(list: readonly T[]): T[] => {
    const out = list.filter(() => next() < 0.5);
    return out.length ? out : [pick(list)];
  };
  return { next, int, pick, some, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

/** A case as the failure message shows it (bigints as text). */
const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

const and = (parts: Sql[]): Sql => (parts.length ? sql`(${sql.join(parts, sql` and `)})` : sql`true`);
const or = (parts: Sql[]): Sql => (parts.length ? sql`(${sql.join(parts, sql` or `)})` : sql`false`);

/** A random filter and the hand-written SQL it means, built side by side. */
type Case = { where: Data; sql: Sql };

const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000);
const big = 9_007_199_254_740_993n;

describe.each(testEngines())('aggregate and groupBy on the demo domain on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as {
    orgA: string;
    orgB: string;
    projects: { id: string; name: string }[];
    members: Record<'a' | 'b', Principal>;
  };

  beforeAll(async () => {
    const m = app.system.managers;
    const ctx = { db: app.database.db, caller: null };
    const r = random(7);
    const a = await m.organization.create(ctx, { name: 'Agg A', slug: 'agg-a' });
    const b = await m.organization.create(ctx, { name: 'Agg B', slug: 'agg-b' });
    s.orgA = a.id;
    s.orgB = b.id;
    const specs = [
      { org: a.id, name: 'A one', isPublic: false },
      { org: a.id, name: 'A two', isPublic: false },
      { org: a.id, name: 'A old', isPublic: false, archive: true },
      { org: b.id, name: 'B one', isPublic: false },
      { org: b.id, name: 'B open', isPublic: true },
    ];
    s.projects = [];
    for (const spec of specs) {
      const p = await m.project.create(ctx, {
        organizationId: spec.org,
        name: spec.name,
        isPublic: spec.isPublic,
      });
      s.projects.push({ id: p.id, name: p.name });
      const rows = Array.from({ length: 14 }, (_, i) => ({
        projectId: p.id,
        semver: `${r.int(4)}.${i}.${r.int(10)}`,
        status: r.pick(releaseStatuses),
        downloads: r.pick([0n, BigInt(r.int(1000)), big + BigInt(r.int(1000)), BigInt(r.int(50))]),
        ...(r.chance(0.7) ? { releasedAt: day(r.int(300)) } : {}),
      }));
      const { ids } = await m.release.createMany(ctx, rows);
      for (const id of ids) if (r.chance(0.15)) await m.release.archive(ctx, { id });
      if (spec.archive) await m.project.archive(ctx, { id: p.id });
    }
    const member = (org: string): Principal => ({
      userId: app.adminId,
      superadmin: false,
      memberships: [{ tenantId: org, role: 'member' }],
    });
    s.members = { a: member(a.id), b: member(b.id) };
  });

  /** The release read rule of a caller, as hand-written SQL over `r` (null: a superadmin). */
  const readRule = (caller: Principal | null): Sql =>
    caller === null || caller.superadmin
      ? sql`true`
      : sql`exists (select 1 from project q where q.id = r.project_id and (q.is_public or q.organization_id in (${sql.join(
          caller.memberships.map((x) => x.tenantId),
        )})))`;

  /** A random release filter: fields, a relation (under the project read rule), AND / OR / NOT. */
  function releaseWhere(rnd: Random, caller: Principal | null, withArchived = false, depth = 0): Case {
    const leaf = (): Case => {
      switch (rnd.int(9)) {
        case 0: {
          const v = rnd.pick(releaseStatuses);
          return { where: { status: v }, sql: sql`r.status = ${v}` };
        }
        case 1: {
          const v = rnd.some(releaseStatuses);
          return { where: { status: { in: v } }, sql: sql`r.status in (${sql.join(v)})` };
        }
        case 2: {
          const v = rnd.pick([0n, 10n, 500n, big]);
          return { where: { downloads: { gte: v } }, sql: sql`r.downloads >= ${v.toString()}::bigint` };
        }
        case 3: {
          const v = rnd.pick([1n, 40n, 900n, big + 500n]);
          return { where: { downloads: { lt: v } }, sql: sql`r.downloads < ${v.toString()}::bigint` };
        }
        case 4: {
          const v = rnd.chance(0.5);
          return {
            where: { releasedAt: { isNull: v } },
            sql: v ? sql`r.released_at is null` : sql`r.released_at is not null`,
          };
        }
        case 5: {
          const d = day(rnd.int(300));
          return { where: { releasedAt: { gte: d } }, sql: sql`r.released_at >= ${d}` };
        }
        case 6: {
          const v = `${rnd.int(4)}.`;
          return { where: { semver: { startsWith: v } }, sql: sql`r.semver like ${`${v}%`}` };
        }
        case 7: {
          const p = rnd.pick(s.projects);
          return { where: { projectId: p.id }, sql: sql`r.project_id = ${p.id}` };
        }
        default: {
          const name = rnd.pick(['A', 'B']);
          // a relation filter sees only the projects the caller may read (archived ones only withArchived)
          const rule =
            caller === null || caller.superadmin
              ? sql`true`
              : sql`(q.is_public or q.organization_id in (${sql.join(caller.memberships.map((x) => x.tenantId))}))`;
          return {
            where: { project: { is: { name: { startsWith: name } } } },
            sql: sql`exists (select 1 from project q where q.id = r.project_id and ${withArchived ? sql`true` : sql`q.archived_at is null`} and ${rule} and q.name like ${`${name}%`})`,
          };
        }
      }
    };
    if (depth >= 2 || rnd.chance(0.5)) return leaf();
    const parts = [
      releaseWhere(rnd, caller, withArchived, depth + 1),
      releaseWhere(rnd, caller, withArchived, depth + 1),
    ];
    switch (rnd.int(3)) {
      case 0:
        return { where: { AND: parts.map((p) => p.where) }, sql: and(parts.map((p) => p.sql)) };
      case 1:
        return { where: { OR: parts.map((p) => p.where) }, sql: or(parts.map((p) => p.sql)) };
      default:
        return { where: { NOT: parts[0]!.where }, sql: sql`(${parts[0]!.sql}) is not true` };
    }
  }

  const rows = async (q: Sql) => (await q.execute(app.database.db)).rows as Data[];
  const n = (v: unknown) => (v === null ? null : Number(v));
  const b = (v: unknown) => (v === null ? null : BigInt(v as string));

  const callers = () =>
    [
      ['a member of A', s.members.a],
      ['a member of B', s.members.b],
      ['a superadmin', { userId: app.adminId, superadmin: true, memberships: [] }],
    ] as const;

  it('aggregate equals hand-written SQL over random filters, for each caller', async () => {
    const rnd = random(11);
    let nonEmpty = 0;
    for (let i = 0; i < 90; i++) {
      const [, caller] = callers()[i % 3]!;
      // withArchived: archived releases count, and archived projects in relation filters too
      const withArchived = rnd.chance(0.2);
      const c = releaseWhere(rnd, caller, withArchived);
      const got = await app.as(caller).release.aggregate({
        where: c.where,
        withArchived,
        _count: { _all: true, releasedAt: true },
        _sum: { downloads: true, version: true },
        _avg: { downloads: true, version: true },
        _min: { downloads: true, releasedAt: true, semver: true, status: true },
        _max: { downloads: true, releasedAt: true, semver: true, status: true },
      });
      const [e] = await rows(sql`
        select count(*)::int as n, count(r.released_at)::int as nr,
          sum(r.downloads)::text as sd, sum(r.version)::text as sv,
          avg(r.downloads)::float8 as ad, avg(r.version)::float8 as av,
          min(r.downloads)::text as mind, min(r.released_at) as minr, min(r.semver) as mins, min(r.status) as minst,
          max(r.downloads)::text as maxd, max(r.released_at) as maxr, max(r.semver) as maxs, max(r.status) as maxst
        from release r
        where ${withArchived ? sql`true` : sql`r.archived_at is null`} and ${readRule(caller)} and ${c.sql}`);
      const date = (v: unknown) => (v === null ? null : new Date(v as string));
      expect(got, show(c.where)).toEqual({
        _count: { _all: e!.n, releasedAt: e!.nr },
        _sum: { downloads: b(e!.sd), version: n(e!.sv) },
        _avg: { downloads: e!.ad, version: e!.av },
        _min: { downloads: b(e!.mind), releasedAt: date(e!.minr), semver: e!.mins, status: e!.minst },
        _max: { downloads: b(e!.maxd), releasedAt: date(e!.maxr), semver: e!.maxs, status: e!.maxst },
      });
      if ((e!.n as number) > 0) nonEmpty++;
    }
    // the filters are not all empty: the comparison means something
    expect(nonEmpty).toBeGreaterThan(30);
  });

  it('groupBy equals hand-written SQL over random filters, groups, having, order and limit', async () => {
    const rnd = random(23);
    let groups = 0;
    const byChoices = [['status'], ['projectId'], ['status', 'projectId'], ['releasedAt']] as const;
    const column = { status: sql`r.status`, projectId: sql`r.project_id`, releasedAt: sql`r.released_at` };
    for (let i = 0; i < 90; i++) {
      const [, caller] = callers()[i % 3]!;
      const c = releaseWhere(rnd, caller);
      const by = rnd.pick(byChoices);
      const having: Data = {};
      const havingSql: Sql[] = [];
      if (rnd.chance(0.5)) {
        const k = rnd.int(4);
        having._count = { gt: k };
        havingSql.push(sql`count(*) > ${k}`);
      }
      if (rnd.chance(0.4)) {
        const v = rnd.pick([10n, 1000n, big]);
        having._sum = { downloads: { gte: v } };
        havingSql.push(sql`sum(r.downloads) >= ${v.toString()}::numeric`);
      }
      if (rnd.chance(0.3)) {
        having._max = { releasedAt: { isNull: false } };
        havingSql.push(sql`max(r.released_at) is not null`);
      }
      if (rnd.chance(0.3)) {
        const list = rnd.some([1, 2, 3, 4, 5, 6]);
        const negate = rnd.chance(0.5);
        having._count = { ...(having._count as Data | undefined), [negate ? 'notIn' : 'in']: list };
        havingSql.push(
          negate ? sql`count(*) not in (${sql.join(list)})` : sql`count(*) in (${sql.join(list)})`,
        );
      }
      if (rnd.chance(0.25)) {
        const d = day(rnd.int(300));
        having._min = { releasedAt: { lte: d }, semver: { ne: '0.0.0' } };
        havingSql.push(sql`min(r.released_at) <= ${d}`, sql`min(r.semver) is distinct from '0.0.0'`);
      }
      if (rnd.chance(0.25)) {
        const v = rnd.pick([100n, big]);
        having._avg = { downloads: { lt: Number(v) } };
        havingSql.push(sql`avg(r.downloads)::float8 < ${Number(v)}`);
      }
      const orders = [
        { orderBy: undefined, sql: [] as Sql[] },
        { orderBy: { _count: 'desc' }, sql: [sql`count(*) desc nulls first`] },
        { orderBy: { _sum: { downloads: 'asc' } }, sql: [sql`sum(r.downloads) asc nulls last`] },
        { orderBy: [{ _max: { semver: 'desc' } }], sql: [sql`max(r.semver) desc nulls first`] },
        {
          orderBy: [{ [by[0]]: { dir: 'desc', nulls: 'last' } }],
          sql: [sql`${column[by[0]]} desc nulls last`],
        },
      ];
      const order = rnd.pick(orders);
      const limit = rnd.chance(0.5) ? 1 + rnd.int(8) : undefined;
      const got = await app.as(caller).release.groupBy({
        by: [...by],
        where: c.where,
        _count: true,
        _sum: { downloads: true },
        _max: { semver: true },
        ...(Object.keys(having).length ? { having } : {}),
        ...(order.orderBy ? { orderBy: order.orderBy } : {}),
        ...(limit ? { limit } : {}),
      } as never);
      const cols = by.map((f) => column[f]);
      // the by fields end the order (the one ordered explicitly is not repeated)
      const tiebreak = by.filter((_f, j) => !(order === orders[4] && j === 0));
      const expected = await rows(sql`
        select ${sql.join(cols.map((col, j) => sql`${col} as ${sql.id(`g${j}`)}`))},
          count(*)::int as n, sum(r.downloads)::text as sd, max(r.semver) as ms
        from release r
        where r.archived_at is null and ${readRule(caller)} and ${c.sql}
        group by ${sql.join(cols)}
        ${havingSql.length ? sql`having ${and(havingSql)}` : sql``}
        order by ${sql.join([...order.sql, ...tiebreak.map((f) => sql`${column[f]} asc nulls last`)])}
        limit ${limit ?? 100}`);
      expect(got, show({ by, where: c.where, having, orderBy: order.orderBy, limit })).toEqual(
        expected.map((e) => ({
          ...Object.fromEntries(
            by.map((f, j) => {
              const v = e[`g${j}`];
              return [f, f === 'releasedAt' && v !== null ? new Date(v as string) : v];
            }),
          ),
          _count: e.n,
          _sum: { downloads: b(e.sd) },
          _max: { semver: e.ms },
        })),
      );
      groups += expected.length;
    }
    expect(groups).toBeGreaterThan(100);
  });

  it("a member of one organization never counts or sums another's private rows", async () => {
    const [aOne, , , bOne, bOpen] = s.projects;
    const api = app.as(s.members.a);
    // B's private project: nothing, whatever the filter says
    expect(
      await api.release.aggregate({
        where: { projectId: bOne!.id },
        _count: true,
        _sum: { downloads: true },
      }),
    ).toEqual({ _count: 0, _sum: { downloads: null } });
    expect(await api.release.groupBy({ by: ['projectId'], _count: true })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ projectId: bOne!.id })]),
    );
    const seen = (await api.release.groupBy({ by: ['projectId'], _count: true }))
      .map((g) => g.projectId)
      .sort();
    expect(seen).toEqual([aOne!.id, s.projects[1]!.id, s.projects[2]!.id, bOpen!.id].sort());
    // the custom stats procedure is under the read rule now: B's member sees B's project counts only
    const statsA = await api.release.stats({ projectId: aOne!.id });
    const [{ count: total }] = (await rows(
      sql`select count(*)::int as count from release where project_id = ${aOne!.id} and archived_at is null`,
    )) as [{ count: number }];
    expect(statsA.reduce((sum, g) => sum + g.count, 0)).toBe(total);
    expect(statsA.map((g) => g.status)).toEqual([...statsA.map((g) => g.status)].sort());
    await expectError(app.as(s.members.b).release.stats({ projectId: aOne!.id }), 'NOT_FOUND');
  });

  it('each call is one statement, policies included', async () => {
    const api = app.as(s.members.a);
    const agg = await app.database.counter.measure(() =>
      api.release.aggregate({
        where: { project: { is: { name: { startsWith: 'A' } } } },
        _count: true,
        _sum: { downloads: true },
        _max: { releasedAt: true },
      }),
    );
    expect(agg.statements).toBe(1);
    expect(agg.result._count).toBeGreaterThan(0);
    const grouped = await app.database.counter.measure(() =>
      api.release.groupBy({
        by: ['status'],
        _count: true,
        having: { _count: { gte: 1 } },
        orderBy: { _count: 'desc' },
      }),
    );
    expect(grouped.statements).toBe(1);
    expect(grouped.result.length).toBeGreaterThan(0);
  });

  describe('bad input is BAD_REQUEST naming the path', () => {
    it.each([
      [
        '_sum over a string',
        () => app.api.release.aggregate({ _sum: { semver: true } } as never),
        '_sum.semver',
      ],
      [
        '_avg over an enum',
        () => app.api.release.aggregate({ _avg: { status: true } } as never),
        '_avg.status',
      ],
      [
        '_min over json',
        () => app.api.release.aggregate({ _min: { properties: true } } as never),
        '_min.properties',
      ],
      [
        'an unknown field',
        () => app.api.release.aggregate({ _count: { nope: true } } as never),
        '_count.nope',
      ],
      [
        'a hidden field',
        () => app.api.user.aggregate({ _max: { passwordHash: true } } as never),
        '_max.passwordHash',
      ],
      ['an unknown option', () => app.api.release.aggregate({ _median: {} } as never), '_median'],
      [
        'a where on an unknown field',
        () => app.api.release.aggregate({ where: { nope: 1 } } as never),
        'where.nope',
      ],
      ['an unknown by field', () => app.api.release.groupBy({ by: ['nope'] } as never), 'by.0'],
      [
        'a by field that is not filterable',
        () => app.api.release.groupBy({ by: ['notes'] } as never),
        'by.0',
      ],
      ['by named twice', () => app.api.release.groupBy({ by: ['status', 'status'] } as never), 'by'],
      ['no by', () => app.api.release.groupBy({ by: [] } as never), 'by'],
      ['a limit over maxLimit', () => app.api.release.groupBy({ by: ['status'], limit: 101 }), 'limit'],
      [
        'an order on a field not in by',
        () => app.api.release.groupBy({ by: ['status'], orderBy: { semver: 'asc' } } as never),
        'orderBy.semver',
      ],
      [
        'a having over a string sum',
        () => app.api.release.groupBy({ by: ['status'], having: { _sum: { semver: { gt: 'a' } } } } as never),
        'having._sum.semver',
      ],
      [
        'a having of the wrong type',
        () =>
          app.api.release.groupBy({ by: ['status'], having: { _sum: { downloads: { gt: 'x' } } } } as never),
        'having._sum.downloads',
      ],
    ])('%s', async (_name, call, path) => {
      await expectError(call(), 'BAD_REQUEST', path);
    });

    it('the manager refuses the same without the DTO (server code calling it directly)', async () => {
      const m = app.services.managers;
      const ctx: ManagerContext = { db: app.database.db, caller: s.members.a };
      const cases: [() => Promise<unknown>, string][] = [
        [() => m.release.aggregate(ctx, { _sum: { semver: true } } as never), '_sum.semver'],
        [() => m.release.aggregate(ctx, { _min: { properties: true } } as never), '_min.properties'],
        [() => m.user.aggregate(ctx, { _count: { passwordHash: true } } as never), '_count.passwordHash'],
        [() => m.release.aggregate(ctx, { _count: { nope: true } } as never), '_count.nope'],
        [() => m.release.aggregate(ctx, { _median: {} } as never), '_median'],
        [() => m.release.groupBy(ctx, { by: ['notes'] } as never), 'by.0'],
        [() => m.release.groupBy(ctx, { by: ['status'], limit: 1000 } as never), 'limit'],
        [
          () => m.release.groupBy(ctx, { by: ['status'], orderBy: { semver: 'asc' } } as never),
          'orderBy.semver',
        ],
        [
          () => m.release.groupBy(ctx, { by: ['status'], having: { _avg: { semver: { gt: 1 } } } } as never),
          'having._avg.semver',
        ],
        [
          () => m.release.groupBy(ctx, { by: ['status'], having: { status: 'draft' } } as never),
          'having.status',
        ],
      ];
      for (const [call, path] of cases) await expectError(call(), 'BAD_REQUEST', path);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// int, float and numeric (the demo has bigint and int only), under a tenant read rule

const meter = defineEntity({
  name: 'meter',
  traits: ['timestamps'],
  // aggregates read through the cache like count
  cache: { ttlSeconds: 60 },
  fields: {
    tenant: f.string({ max: 20 }).filterable(),
    kind: f.enum(['gas', 'water', 'power']).filterable().sortable(),
    size: f.int().nullable().filterable(),
    weight: f.float().nullable().filterable(),
    price: f.numeric(12, 2).nullable().filterable(),
    label: f.string({ max: 40 }),
  },
});
const meters = defineSchema({ meter });
const meterPolicies = definePolicies(meters, {
  meter: {
    read: (p) => (p ? { tenant: { in: p.memberships.map((m) => m.tenantId) } } : false),
    create: true,
  },
});

describe.each(testEngines())('aggregates of int, float and numeric fields on %s', (engine) => {
  const state = {} as { database: TestDatabase; meters: Manager<typeof meters.entities, typeof meter> };
  const tenants = ['t1', 't2', 't3'];
  const caller = (t: string[]): ManagerContext => ({
    db: state.database.db,
    caller: {
      userId: '00000000-0000-4000-8000-000000000000',
      superadmin: false,
      memberships: t.map((tenantId) => ({ tenantId, role: 'member' })),
    },
  });

  beforeAll(async () => {
    state.database = await openTestDatabase(engine, meters as never);
    const services = createServices(meters, state.database, {
      policies: meterPolicies,
      cache: memoryCacheStore(100),
    });
    state.meters = services.managers.meter;
    const rnd = random(5);
    await state.meters.createMany(
      { db: state.database.db, caller: null },
      Array.from({ length: 120 }, (_, i) => ({
        tenant: rnd.pick(tenants),
        kind: rnd.pick(['gas', 'water', 'power'] as const),
        size: rnd.chance(0.8) ? rnd.int(2_000_000_000) - 1_000_000_000 : null,
        weight: rnd.chance(0.8) ? Math.round(rnd.next() * 1e6) / 1e3 : null,
        price: rnd.chance(0.8) ? `${rnd.int(1_000_000)}.${String(rnd.int(100)).padStart(2, '0')}` : null,
        label: `m${i}-${rnd.pick(['a', 'b', 'c'])}`,
      })),
    );
  });
  afterAll(async () => {
    await state.database?.dispose();
  });

  function meterWhere(rnd: Random): Case {
    switch (rnd.int(5)) {
      case 0: {
        const v = rnd.int(2_000_000_000) - 1_000_000_000;
        return { where: { size: { gte: v } }, sql: sql`m.size >= ${v}` };
      }
      case 1: {
        const v = rnd.next() * 1000;
        return { where: { weight: { lt: v } }, sql: sql`m.weight < ${v}` };
      }
      case 2: {
        const v = `${rnd.int(1_000_000)}.50`;
        return { where: { price: { gte: v } }, sql: sql`m.price >= ${v}::numeric` };
      }
      case 3: {
        const v = rnd.some(['gas', 'water', 'power']);
        return { where: { kind: { in: v } }, sql: sql`m.kind in (${sql.join(v)})` };
      }
      default:
        return { where: { price: { isNull: true } }, sql: sql`m.price is null` };
    }
  }

  /** Floats summed in another order may differ in the last bits. */
  const close = (v: unknown) => (typeof v === 'number' ? expect.closeTo(v, 6) : v);

  it('aggregate and groupBy equal hand-written SQL, and a tenant sees only its rows', async () => {
    const rnd = random(99);
    for (let i = 0; i < 60; i++) {
      const mine = rnd.some(tenants);
      const c = meterWhere(rnd);
      const got = await state.meters.aggregate(caller(mine), {
        where: c.where as never,
        _count: { _all: true, price: true },
        _sum: { size: true, weight: true, price: true },
        _avg: { size: true, weight: true, price: true },
        _min: { size: true, weight: true, price: true, label: true, kind: true },
        _max: { size: true, weight: true, price: true, createdAt: true },
      });
      const [e] = (
        await sql`select count(*)::int as n, count(m.price)::int as np,
          sum(m.size)::text as ss, sum(m.weight) as sw, sum(m.price)::text as sp,
          avg(m.size)::float8 as "as", avg(m.weight)::float8 as aw, avg(m.price)::float8 as ap,
          min(m.size) as mins, min(m.weight) as minw, min(m.price)::text as minp, min(m.label) as minl, min(m.kind) as mink,
          max(m.size) as maxs, max(m.weight) as maxw, max(m.price)::text as maxp, max(m.created_at) as maxc
          from meter m where m.tenant in (${sql.join(mine)}) and ${c.sql}`.execute(state.database.db)
      ).rows as Data[];
      expect(got, show({ mine, where: c.where })).toEqual({
        _count: { _all: e!.n, price: e!.np },
        _sum: { size: e!.ss === null ? null : Number(e!.ss), weight: close(e!.sw), price: e!.sp },
        _avg: { size: close(e!.as), weight: close(e!.aw), price: close(e!.ap) },
        _min: { size: e!.mins, weight: e!.minw, price: e!.minp, label: e!.minl, kind: e!.mink },
        _max: {
          size: e!.maxs,
          weight: e!.maxw,
          price: e!.maxp,
          createdAt: e!.maxc === null ? null : new Date(e!.maxc as string),
        },
      });
      if (typeof got._sum.price === 'string') expect(got._sum.price).toMatch(/^-?\d+\.\d{2}$/);

      const minPrice = `${rnd.int(3_000_000)}.00`;
      const grouped = await state.meters.groupBy(caller(mine), {
        by: ['kind', 'tenant'],
        where: c.where as never,
        _sum: { price: true },
        _avg: { weight: true },
        having: { _sum: { price: { gte: minPrice } } },
        orderBy: { _avg: { weight: 'desc' } },
      });
      const expected = (
        await sql`select m.kind, m.tenant, sum(m.price)::text as sp, avg(m.weight)::float8 as aw
          from meter m where m.tenant in (${sql.join(mine)}) and ${c.sql}
          group by m.kind, m.tenant having sum(m.price) >= ${minPrice}::numeric
          order by avg(m.weight)::float8 desc nulls first, m.kind asc nulls last, m.tenant asc nulls last
          limit 100`.execute(state.database.db)
      ).rows as Data[];
      expect(grouped).toEqual(
        expected.map((x) => ({
          kind: x.kind,
          tenant: x.tenant,
          _sum: { price: x.sp },
          _avg: { weight: close(x.aw) },
        })),
      );
      for (const g of grouped) expect(mine).toContain(g.tenant);
    }
  });

  it('reads through the cache (per caller) and a committed write invalidates it', async () => {
    const statements = async <T>(fn: () => Promise<T>) => {
      const r = await state.database.counter.measure(fn);
      return [r.result, r.statements] as const;
    };
    const t1 = caller(['t1']);
    const query = { _count: true, _sum: { size: true } } as const;
    const [first, n1] = await statements(() => state.meters.aggregate(t1, query));
    expect(n1).toBe(1);
    const [again, n2] = await statements(() => state.meters.aggregate(t1, query));
    expect([again, n2]).toEqual([first, 0]);
    // another caller has its own entry
    const [other, n3] = await statements(() => state.meters.aggregate(caller(['t2']), query));
    expect(n3).toBe(1);
    expect(other).not.toEqual(first);
    const groups = { by: ['kind'], _count: true } as const;
    const [g1, n4] = await statements(() => state.meters.groupBy(t1, groups));
    const [g2, n5] = await statements(() => state.meters.groupBy(t1, groups));
    expect([n4, n5]).toEqual([1, 0]);
    expect(g2).toEqual(g1);
    await state.meters.create(t1, { tenant: 't1', kind: 'gas', size: 5, label: 'new' });
    const [after, n6] = await statements(() => state.meters.aggregate(t1, query));
    expect(n6).toBe(1);
    expect(after._count).toBe(first._count + 1);
    expect(after._sum.size).toBe((first._sum.size ?? 0) + 5);
    const [gAfter] = await statements(() => state.meters.groupBy(t1, groups));
    const gas = (rows: typeof g1) => rows.find((g) => g.kind === 'gas')?._count ?? 0;
    expect(gas(gAfter)).toBe(gas(g1) + 1);
  });

  it('nobody signed in reads nothing: counts are 0 and sums null', async () => {
    const ctx = { db: state.database.db, caller: null };
    expect(await state.meters.aggregate(ctx, { _count: true, _sum: { price: true } })).toEqual({
      _count: 0,
      _sum: { price: null },
    });
    expect(await state.meters.groupBy(ctx, { by: ['kind'], _count: true })).toEqual([]);
  });
});
