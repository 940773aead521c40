import { createServices, type Manager, type ManagerContext } from '@typecrud/server';
import { openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import {
  type AnyComputed,
  belongsTo,
  computed,
  defineEntity,
  defineSchema,
  f,
  hasMany,
  type ListQuery,
  type Policies,
  type Principal,
} from '@typecrud/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppSchema, policies, schema } from '../src/index.js';
import { useApp } from './fixtures.js';
import { expectError } from './helpers.js';

type ProjectQuery = ListQuery<AppSchema, AppSchema['project']>;

/** What the hand-written SQL says of one project. */
interface Expected {
  id: string;
  releaseCount: number;
  publishedCount: number;
  latestReleaseAt: Date | null;
}

const ms = (d: Date | null | undefined) => (d ? new Date(d).getTime() : null);

describe.each(testEngines())('computed fields on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as {
    orgA: string;
    orgB: string;
    tag: string;
    secretB: string;
    openB: string;
    viewerA: Principal;
  };
  const sys = () => app.system.managers;
  const ctx = (): ManagerContext => ({ db: app.database.db, caller: null });
  /** The app's managers (real policies), typed by the include / select they are given. */
  const m = () => app.services.managers;
  const pm = () => app.services.managers.project;

  beforeAll(async () => {
    const orgA = await sys().organization.create(ctx(), { name: 'Comp A', slug: 'comp-a' });
    const orgB = await sys().organization.create(ctx(), { name: 'Comp B', slug: 'comp-b' });
    const tag = await sys().tag.create(ctx(), { label: 'comp-shared' });
    s.orgA = orgA.id;
    s.orgB = orgB.id;
    s.tag = tag.id;
    const statuses = ['published', 'draft', 'scheduled'] as const;
    for (let i = 0; i < 12; i++) {
      const p = await sys().project.create(ctx(), {
        organizationId: orgA.id,
        name: `comp-${String(i).padStart(2, '0')}`,
        ...(i < 2 ? { tags: { connect: [tag.id] } } : {}),
      });
      const n = (i * 7) % 5;
      for (let j = 0; j < n; j++) {
        await sys().release.create(ctx(), {
          projectId: p.id,
          semver: `1.${j}.0`,
          // a published release gets a releasedAt (a hook): those without one are drafts
          status: (i + j) % 3 === 0 ? 'draft' : statuses[(i + j) % 3]!,
          releasedAt: (i + j) % 3 === 0 ? null : new Date(Date.UTC(2026, 0, 1 + ((i + j) % 6), 0, 0, 0, 7)),
        });
      }
      if (i % 3 === 0) {
        // an archived release counts nowhere, though it is the latest and published
        const r = await sys().release.create(ctx(), {
          projectId: p.id,
          semver: '9.9.9',
          status: 'published',
          releasedAt: new Date(Date.UTC(2030, 0, 1)),
        });
        await sys().release.archive(ctx(), { id: r.id });
      }
    }
    const secretB = await sys().project.create(ctx(), {
      organizationId: orgB.id,
      name: 'comp-secret-b',
      tags: { connect: [tag.id] },
    });
    const openB = await sys().project.create(ctx(), {
      organizationId: orgB.id,
      name: 'comp-open-b',
      isPublic: true,
      tags: { connect: [tag.id] },
    });
    for (const [i, id] of [secretB.id, secretB.id, secretB.id, openB.id, openB.id].entries())
      await sys().release.create(ctx(), { projectId: id, semver: `2.${i}.0`, status: 'published' });
    // an archived project of tenant A, tagged: no tag count includes it
    const gone = await sys().project.create(ctx(), {
      organizationId: orgA.id,
      name: 'comp-archived',
      tags: { connect: [tag.id] },
    });
    await sys().project.archive(ctx(), { id: gone.id });
    s.secretB = secretB.id;
    s.openB = openB.id;
    s.viewerA = {
      userId: app.adminId,
      superadmin: false,
      memberships: [{ tenantId: orgA.id, role: 'viewer' }],
    };
  });

  /** The computed values of every live project of `org`, by hand, in the given SQL order. */
  const byHand = async (org: string, order = sql`p.id`) => {
    const { rows } = await sql<Expected>`
      select p.id,
        (select count(*) from release r where r.project_id = p.id and r.archived_at is null)::int as "releaseCount",
        (select count(*) from release r where r.project_id = p.id and r.archived_at is null
           and r.status = 'published')::int as "publishedCount",
        (select max(r.released_at) from release r where r.project_id = p.id and r.archived_at is null) as "latestReleaseAt"
      from project p where p.organization_id = ${org} and p.archived_at is null
      order by ${order}`.execute(app.database.db);
    return rows;
  };
  const inA = (where: ProjectQuery['where'] = {}) => ({ AND: [{ organizationId: s.orgA }, where] });

  /** Every page of `query` (limit `limit`), the ids in order; each page is one statement. */
  const pageThrough = async (query: ProjectQuery, limit: number) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const { result: page, statements } = await app.database.counter.measure(() =>
        app.api.project.list({ ...query, limit, ...(cursor ? { cursor } : {}) }),
      );
      expect(statements).toBe(1);
      ids.push(...page.items.map((p) => p.id));
      if (!page.nextCursor) return ids;
      expect(page.items).toHaveLength(limit);
      cursor = page.nextCursor;
    }
    throw new Error('paging did not end');
  };

  describe('values', () => {
    it('equal hand-written SQL, returned when the include asks for them', async () => {
      const expected = await byHand(s.orgA);
      expect(expected.some((e) => e.releaseCount === 0)).toBe(true);
      expect(expected.some((e) => e.latestReleaseAt === null && e.releaseCount > 0)).toBe(true);
      const page = await pm().list(app.ctx, {
        where: inA(),
        include: { releaseCount: true, publishedCount: true, latestReleaseAt: true },
        orderBy: { name: 'asc' },
        limit: 100,
      });
      expect(page.items).toHaveLength(12);
      const got = new Map(page.items.map((p) => [p.id, p]));
      for (const e of expected) {
        const p = got.get(e.id)!;
        expect(p.releaseCount).toBe(e.releaseCount);
        expect(p.publishedCount).toBe(e.publishedCount);
        expect(ms(p.latestReleaseAt)).toBe(ms(e.latestReleaseAt));
        if (p.latestReleaseAt !== null) expect(p.latestReleaseAt).toBeInstanceOf(Date);
        // the full row comes with them
        expect(p.name).toMatch(/^comp-/);
      }
    });

    it('are left out unless asked for; a select returns exactly what it picks', async () => {
      const [plain] = (await pm().list(app.ctx, { where: inA(), limit: 1 })).items;
      expect(plain).not.toHaveProperty('releaseCount');
      const [picked] = (
        await pm().list(app.ctx, { where: inA(), select: { id: true, releaseCount: true }, limit: 1 })
      ).items;
      expect(Object.keys(picked!).sort()).toEqual(['id', 'releaseCount']);
      const e = (await byHand(s.orgA)).find((x) => x.id === picked!.id)!;
      expect(picked!.releaseCount).toBe(e.releaseCount);
      const one = await pm().get(app.ctx, { id: picked!.id, select: { latestReleaseAt: true } });
      expect(Object.keys(one)).toEqual(['latestReleaseAt']);
      expect(ms(one.latestReleaseAt)).toBe(ms(e.latestReleaseAt));
      // through the router too (its output type is the plain row; the values travel as they are)
      const viaRouter = (await app.api.project.get({
        id: picked!.id,
        include: { releaseCount: true, latestReleaseAt: true },
      })) as unknown as Record<string, unknown>;
      expect(viaRouter.releaseCount).toBe(e.releaseCount);
      expect(ms(viaRouter.latestReleaseAt as Date | null)).toBe(ms(e.latestReleaseAt));
      expect(viaRouter.name).toMatch(/^comp-/);
    });

    it('are computed in embedded rows too (decoded from JSON)', async () => {
      const [r] = (
        await m().release.list(app.ctx, {
          where: { project: { is: { organizationId: s.orgA } } },
          include: { project: { select: { id: true, releaseCount: true, latestReleaseAt: true } } },
          limit: 1,
        })
      ).items;
      const e = (await byHand(s.orgA)).find((x) => x.id === r!.project!.id)!;
      expect(r!.project!.releaseCount).toBe(e.releaseCount);
      expect(ms(r!.project!.latestReleaseAt)).toBe(ms(e.latestReleaseAt));
      if (e.latestReleaseAt) expect(r!.project!.latestReleaseAt).toBeInstanceOf(Date);
    });
  });

  describe('where and orderBy', () => {
    it('filters with the kind operators, as the SQL does', async () => {
      const all = await byHand(s.orgA);
      const ids = async (where: ProjectQuery['where']) =>
        (await pm().list(app.ctx, { where: inA(where), limit: 100 })).items.map((p) => p.id).sort();
      const sorted = (list: Expected[]) => list.map((e) => e.id).sort();
      expect(await ids({ releaseCount: { gte: 2 } })).toEqual(sorted(all.filter((e) => e.releaseCount >= 2)));
      expect(await ids({ releaseCount: 0 })).toEqual(sorted(all.filter((e) => e.releaseCount === 0)));
      expect(await ids({ latestReleaseAt: null })).toEqual(sorted(all.filter((e) => !e.latestReleaseAt)));
      const d = new Date(Date.UTC(2026, 0, 3));
      expect(await ids({ latestReleaseAt: { gt: d } })).toEqual(
        sorted(all.filter((e) => e.latestReleaseAt && e.latestReleaseAt > d)),
      );
      expect(await ids({ NOT: { publishedCount: { gt: 0 } }, releaseCount: { gt: 0 } })).toEqual(
        sorted(all.filter((e) => e.publishedCount === 0 && e.releaseCount > 0)),
      );
      expect(await pm().count(app.ctx, { where: inA({ releaseCount: { in: [1, 3] } }) })).toBe(
        all.filter((e) => [1, 3].includes(e.releaseCount)).length,
      );
      // inside a relation filter: releases of projects with at least three releases
      const rel = await m().release.list(app.ctx, {
        where: { project: { is: { organizationId: s.orgA, releaseCount: { gte: 3 } } } },
        limit: 100,
      });
      const big = new Set(all.filter((e) => e.releaseCount >= 3).map((e) => e.id));
      expect(rel.items.length).toBe(
        all.filter((e) => e.releaseCount >= 3).reduce((n, e) => n + e.releaseCount, 0),
      );
      for (const r of rel.items) expect(big.has(r.projectId)).toBe(true);
    });

    it('orders by a computed count with cursor paging through every page, no loss or repeat', async () => {
      const expected = await byHand(s.orgA, sql`"releaseCount" desc, p.id asc`);
      for (const limit of [1, 3, 5]) {
        const ids = await pageThrough({ where: inA(), orderBy: { releaseCount: 'desc' } }, limit);
        expect(ids).toEqual(expected.map((e) => e.id));
      }
    });

    it('orders by a nullable computed timestamp (nulls first) with paging, and by several terms', async () => {
      const expected = await byHand(s.orgA, sql`"latestReleaseAt" asc nulls first, p.id asc`);
      const ids = await pageThrough(
        { where: inA(), orderBy: { latestReleaseAt: { dir: 'asc', nulls: 'first' } } },
        2,
      );
      expect(ids).toEqual(expected.map((e) => e.id));
      const mixed = await byHand(
        s.orgA,
        sql`"publishedCount" asc, "latestReleaseAt" desc nulls last, p.name desc, p.id`,
      );
      const got = await pageThrough(
        {
          where: inA({ releaseCount: { gt: 0 } }),
          orderBy: [
            { publishedCount: 'asc' },
            { latestReleaseAt: { dir: 'desc', nulls: 'last' } },
            { name: 'desc' },
          ],
        },
        2,
      );
      expect(got).toEqual(mixed.filter((e) => e.releaseCount > 0).map((e) => e.id));
    });

    it('is one statement with include, where, orderBy and a total', async () => {
      const { statements, result } = await app.database.counter.measure(() =>
        pm().list(app.ctx, {
          where: inA({ releaseCount: { gt: 0 } }),
          include: { releaseCount: true, latestReleaseAt: true, _count: { releases: true } },
          orderBy: { latestReleaseAt: 'desc' },
          withTotal: true,
          limit: 4,
        }),
      );
      expect(statements).toBe(1);
      for (const p of result.items) expect(p.releaseCount).toBe(p._count.releases);
      expect(result.total).toBe((await byHand(s.orgA)).filter((e) => e.releaseCount > 0).length);
    });
  });

  describe("the related rows' read rule", () => {
    const tagCountByHand = async (orgs: string[] | null) => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from project_tag j join project p on p.id = j.project_id
        where j.tag_id = ${s.tag} and p.archived_at is null
          ${orgs ? sql`and (p.is_public or p.organization_id in (${sql.join(orgs)}))` : sql``}`.execute(
        app.database.db,
      );
      return rows[0]!.n;
    };

    it("a viewer's count leaves out the projects they cannot read", async () => {
      const all = await m().tag.get(app.ctx, { id: s.tag, include: { projectCount: true } });
      expect(all.projectCount).toBe(await tagCountByHand(null));
      expect(all.projectCount).toBe(4);
      const viewer = { db: app.database.db, caller: s.viewerA };
      const mine = await m().tag.get(viewer, { id: s.tag, include: { projectCount: true } });
      expect(mine.projectCount).toBe(await tagCountByHand([s.orgA]));
      expect(mine.projectCount).toBe(3);
      // the filter and the order see the same count
      expect(
        (await m().tag.list(viewer, { where: { id: s.tag, projectCount: 3 }, limit: 10 })).items.map(
          (t) => t.id,
        ),
      ).toEqual([s.tag]);
      expect(
        (await m().tag.list(viewer, { where: { id: s.tag, projectCount: 4 }, limit: 10 })).items,
      ).toEqual([]);
      // signed out: nothing is readable
      await expectError(app.as(null).tag.get({ id: s.tag, include: { projectCount: true } }), 'UNAUTHORIZED');
    });

    it('a policy may use a computed field; inside it related rules are skipped (trusted)', async () => {
      // projects readable when they have at least 3 releases; releases readable by nobody
      const custom = {
        ...policies,
        project: { ...policies.project, read: () => ({ releaseCount: { gte: 3 } }) },
        release: { ...policies.release, read: false },
      } as unknown as Policies<AppSchema>;
      const services = createServices(schema, app.database, { policies: custom });
      const caller = { db: app.database.db, caller: s.viewerA };
      const page = await services.managers.project.list(caller, {
        where: { organizationId: { in: [s.orgA, s.orgB] } },
        include: { releaseCount: true },
        limit: 100,
      });
      const expected = [...(await byHand(s.orgA)), ...(await byHand(s.orgB))]
        .filter((e) => e.releaseCount >= 3)
        .map((e) => e.id)
        .sort();
      expect(expected.length).toBeGreaterThan(1);
      expect(page.items.map((p) => p.id).sort()).toEqual(expected);
      // the caller's own count is under the release rule, which hides every release
      for (const p of page.items) expect(p.releaseCount).toBe(0);
    });
  });

  describe('misuse', () => {
    it('a computed field cannot be written', async () => {
      await expectError(
        app.api.project.create({
          organizationId: s.orgA,
          name: 'comp-write',
          // @ts-expect-error: computed fields are not stored
          releaseCount: 3,
        }),
        'BAD_REQUEST',
      );
      await expectError(
        // @ts-expect-error: computed fields are not stored
        app.api.project.update({ id: s.openB, data: { releaseCount: 3 } }),
        'BAD_REQUEST',
      );
    });

    it('unknown computed fields and wrong values are BAD_REQUEST naming the path', async () => {
      // @ts-expect-error: no such computed field
      await expectError(app.api.project.list({ where: { releaseCnt: 1 } }), 'BAD_REQUEST');
      await expectError(
        // @ts-expect-error: a count is a number
        app.api.project.list({ where: { releaseCount: 'many' } }),
        'BAD_REQUEST',
        'where.releaseCount',
      );
      // @ts-expect-error: a count has no text operators
      await expectError(app.api.project.list({ where: { releaseCount: { contains: '1' } } }), 'BAD_REQUEST');
      // @ts-expect-error: a direction is asc or desc
      await expectError(app.api.project.list({ orderBy: { releaseCount: 'up' } }), 'BAD_REQUEST');
      // @ts-expect-error: a computed field is picked with a boolean
      await expectError(app.api.project.list({ select: { releaseCount: { where: {} } } }), 'BAD_REQUEST');
      // @ts-expect-error: another entity's computed field
      await expectError(app.api.release.list({ include: { releaseCount: true } }), 'BAD_REQUEST');
      // server code that skips the DTO is checked by the compiler
      const m = app.services.managers.project;
      const e = await expectError(
        m.list(app.ctx, { include: { releaseCount: 5 as unknown as boolean } }),
        'BAD_REQUEST',
        'include.releaseCount',
      );
      expect(e.message).toContain('releaseCount');
      await expectError(
        m.list(app.ctx, { orderBy: { releaseCount: 'up' as 'asc' } }),
        'BAD_REQUEST',
        'orderBy.releaseCount',
      );
    });
  });
});

// min / max / sum over the kinds the demo does not aggregate, and the start-up checks
const book = defineEntity({
  name: 'book',
  traits: ['archive'],
  fields: {
    shelfId: f.ref('shelf', { onDelete: 'cascade' }),
    title: f.string({ max: 50 }).filterable(),
    pages: f.int().filterable(),
    weight: f.float(),
    secret: f.int().nullable().hidden(),
  },
  relations: { shelf: belongsTo('shelf', 'shelfId') },
});
const shelfComputed = {
  pageTotal: computed.sum('int', 'books', 'pages'),
  weightTotal: computed.sum('float', 'books', 'weight'),
  firstTitle: computed.min('string', 'books', 'title'),
  lastTitle: computed.max('string', 'books', 'title'),
  thinnest: computed.min('int', 'books', 'pages', { where: { pages: { gt: 0 } } }),
};
const shelf = defineEntity({
  name: 'shelf',
  fields: { label: f.string({ max: 20 }).filterable().sortable() },
  relations: { books: hasMany('book', 'shelfId') },
  computed: shelfComputed,
});
const library = defineSchema({ shelf, book });
type Library = typeof library.entities;

describe('computed fields: start-up checks', () => {
  const shelfWith = (c: Record<string, AnyComputed>) =>
    defineEntity({
      name: 'shelf',
      fields: { label: f.string({ max: 20 }) },
      relations: { books: hasMany('book', 'shelfId') },
      computed: c,
    });
  const build = (c: Record<string, AnyComputed>) => () => defineSchema({ shelf: shelfWith(c), book });
  it('refuses a bad relation, field, kind or where', () => {
    expect(build({ n: computed.count('shelfs') })).toThrow(/'shelfs' is not a to-many relation of shelf/);
    expect(build({ n: computed.max('int', 'books', 'nope') })).toThrow(/book has no field 'nope'/);
    expect(build({ n: computed.max('int', 'books', 'secret') })).toThrow(/book.secret is hidden/);
    expect(build({ n: computed.max('timestamp', 'books', 'pages') })).toThrow(
      /is a int field, not timestamp/,
    );
    expect(build({ n: computed.count('books', { where: { nope: 1 } }) })).toThrow(/where names 'nope'/);
    expect(() => shelfWith({ label: computed.count('books') })).toThrow(/same name/);
    expect(() => shelfWith({ _count: computed.count('books') })).toThrow(/reserved/);
  });
});

describe.each(testEngines())('computed min / max / sum on %s', (engine) => {
  const state = {} as {
    database: TestDatabase;
    shelves: Manager<Library, Library['shelf']>;
    ctx: ManagerContext;
  };
  beforeAll(async () => {
    state.database = await openTestDatabase(engine, library as never);
    const services = createServices(library, state.database, { policies: 'unrestricted' });
    state.ctx = { db: state.database.db, caller: null };
    state.shelves = services.managers.shelf;
    const books = services.managers.book;
    for (let i = 0; i < 9; i++) {
      const s = await state.shelves.create(state.ctx, { label: `shelf-${i}` });
      for (let j = 0; j < i % 4; j++)
        await books.create(state.ctx, {
          shelfId: s.id,
          title: `t${(i * 3 + j) % 7}`,
          pages: ((i + j) % 3) * 100,
          weight: 0.25 * (j + 1),
        });
      const gone = await books.create(state.ctx, {
        shelfId: s.id,
        title: 'a-archived',
        pages: 100000,
        weight: 9,
      });
      await books.archive(state.ctx, { id: gone.id });
    }
  });
  afterAll(async () => {
    await state.database?.dispose();
  });

  const byHand = async (order = sql`s.id`) => {
    const live = sql`from book b where b.shelf_id = s.id and b.archived_at is null`;
    const { rows } = await sql<{
      id: string;
      pageTotal: string;
      weightTotal: number;
      firstTitle: string | null;
      lastTitle: string | null;
      thinnest: number | null;
    }>`select s.id,
        (select coalesce(sum(b.pages), 0)::text ${live}) as "pageTotal",
        (select coalesce(sum(b.weight), 0)::float8 ${live}) as "weightTotal",
        (select min(b.title) ${live}) as "firstTitle",
        (select max(b.title) ${live}) as "lastTitle",
        (select min(b.pages) ${live} and b.pages > 0) as "thinnest"
      from shelf s order by ${order}`.execute(state.database.db);
    return rows.map((r) => ({ ...r, pageTotal: Number(r.pageTotal), weightTotal: Number(r.weightTotal) }));
  };

  it('values equal hand-written SQL', async () => {
    const page = await state.shelves.list(state.ctx, {
      select: {
        id: true,
        pageTotal: true,
        weightTotal: true,
        firstTitle: true,
        lastTitle: true,
        thinnest: true,
      },
      orderBy: { label: 'asc' },
      limit: 100,
    });
    const expected = new Map((await byHand()).map((e) => [e.id, e]));
    expect(page.items).toHaveLength(9);
    expect(page.items.some((p) => p.thinnest === null)).toBe(true);
    for (const p of page.items) expect(p).toEqual(expected.get(p.id));
  });

  it('filters and orders by a sum with paging', async () => {
    const expected = await byHand(sql`"pageTotal" desc, "weightTotal" asc, s.id`);
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 20; n++) {
      const page = await state.shelves.list(state.ctx, {
        orderBy: [{ pageTotal: 'desc' }, { weightTotal: 'asc' }],
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      ids.push(...page.items.map((p) => p.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(ids).toEqual(expected.map((e) => e.id));
    const big = await state.shelves.list(state.ctx, { where: { pageTotal: { gte: 200 } }, limit: 100 });
    expect(big.items.map((s) => s.id).sort()).toEqual(
      expected
        .filter((e) => e.pageTotal >= 200)
        .map((e) => e.id)
        .sort(),
    );
    const titled = await state.shelves.list(state.ctx, {
      where: { firstTitle: { startsWith: 't1' }, thinnest: { isNull: false } },
      limit: 100,
    });
    const want = expected.filter((e) => e.firstTitle?.startsWith('t1') && e.thinnest !== null);
    expect(want.length).toBeGreaterThan(0);
    expect(titled.items.map((s) => s.id).sort()).toEqual(want.map((e) => e.id).sort());
  });
});
