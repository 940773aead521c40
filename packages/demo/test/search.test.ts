import { checkDrift, diffSchemas, introspectSchema, tableModels } from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import { defineEntity, defineSchema, f, type Principal, queryLimits, type Where } from '@typecrud/shared';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { project, tag } from '../src/entities/project.js';
import { type AppSchema, schema } from '../src/index.js';
import { useApp } from './fixtures.js';
import { expectError } from './helpers.js';

type ProjectWhere = Where<AppSchema, AppSchema['project']>;

/** The seeded projects of tenant A: name, description. */
const seedA: [string, string | null][] = [
  ['Rocket Launch', 'Countdown for the big launch pad'],
  ['Moon Base', 'A rocket to the moon'],
  ['Launch Party', 'cake and music'],
  ['Rocket Science', null],
  ['Garden', 'flowers and a rocket shaped fountain'],
  ['Telescope', 'watching the moon'],
  ['Rocket Rocket', 'rocket rocket rocket'],
];

describe.each(testEngines())('full-text search on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as { orgA: string; orgB: string; byName: Map<string, string>; viewerA: Principal };

  beforeAll(async () => {
    const m = app.system.managers;
    const ctx = { db: app.database.db, caller: null };
    const orgA = await m.organization.create(ctx, { name: 'Search A', slug: 'search-a' });
    const orgB = await m.organization.create(ctx, { name: 'Search B', slug: 'search-b' });
    s.orgA = orgA.id;
    s.orgB = orgB.id;
    s.byName = new Map();
    for (const [name, description] of seedA) {
      const p = await m.project.create(ctx, { organizationId: orgA.id, name, description });
      s.byName.set(name, p.id);
    }
    const secret = await m.project.create(ctx, {
      organizationId: orgB.id,
      name: 'Secret Rocket',
      description: 'launch codes of tenant B',
    });
    s.byName.set('Secret Rocket', secret.id);
    const open = await m.project.create(ctx, {
      organizationId: orgB.id,
      name: 'Open Rocket',
      description: 'a public launch',
      isPublic: true,
    });
    s.byName.set('Open Rocket', open.id);
    await m.release.create(ctx, { projectId: s.byName.get('Moon Base')!, semver: '1.0.0' });
    await m.release.create(ctx, { projectId: s.byName.get('Garden')!, semver: '2.0.0' });
    s.viewerA = {
      userId: app.adminId,
      superadmin: false,
      memberships: [{ tenantId: orgA.id, role: 'viewer' }],
    };
  });

  const nameOf = (id: string) => [...s.byName].find(([, v]) => v === id)?.[0] ?? id;

  /** Names of tenant A's projects matching `where` through the API (count agrees). */
  const search = async (where: ProjectWhere) => {
    const full = { AND: [{ organizationId: s.orgA }, where] };
    const page = await app.api.project.list({ where: full, limit: 100 });
    expect(await app.api.project.count({ where: full })).toBe(page.items.length);
    return page.items.map((p) => p.name).sort();
  };

  /** The same, by hand: to_tsvector of the text itself, websearch_to_tsquery of the query. */
  const byHand = async (q: string) => {
    const { rows } = await sql<{ name: string }>`
      select name from project
      where organization_id = ${s.orgA} and archived_at is null
        and to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(description, ''))
            @@ websearch_to_tsquery('simple', ${q})`.execute(app.database.db);
    return rows.map((r) => r.name).sort();
  };

  it('matches what to_tsvector / websearch_to_tsquery match, for every websearch form', async () => {
    const cases: [string, string[]][] = [
      ['rocket', ['Garden', 'Moon Base', 'Rocket Launch', 'Rocket Rocket', 'Rocket Science']],
      ['ROCKET', ['Garden', 'Moon Base', 'Rocket Launch', 'Rocket Rocket', 'Rocket Science']],
      // every word is required
      ['rocket launch', ['Rocket Launch']],
      ['rocket moon', ['Moon Base']],
      // a quoted phrase: adjacent words, in order
      ['"launch pad"', ['Rocket Launch']],
      ['"pad launch"', []],
      ['"rocket to the moon"', ['Moon Base']],
      // -word excludes
      ['rocket -moon', ['Garden', 'Rocket Launch', 'Rocket Rocket', 'Rocket Science']],
      ['launch -"launch pad"', ['Launch Party']],
      // or between alternatives
      ['cake or flowers', ['Garden', 'Launch Party']],
      // AND binds tighter than or: moon | ("big launch" & !telescope)
      ['moon or "big launch" -telescope', ['Moon Base', 'Rocket Launch', 'Telescope']],
      ['"big launch" -telescope or cake', ['Launch Party', 'Rocket Launch']],
      ['nothing-matches-this', []],
      // only punctuation: no lexeme, nothing matches
      ['!!!', []],
    ];
    for (const [q, expected] of cases) {
      const got = await search({ search: q });
      expect(got, q).toEqual(expected);
      expect(await byHand(q), q).toEqual(expected);
    }
  });

  it('combines with other fields, AND / OR / NOT, and relation filters', async () => {
    expect(await search({ search: 'rocket', name: { startsWith: 'Rocket' } })).toEqual([
      'Rocket Launch',
      'Rocket Rocket',
      'Rocket Science',
    ]);
    expect(await search({ OR: [{ search: 'cake' }, { name: 'Telescope' }] })).toEqual([
      'Launch Party',
      'Telescope',
    ]);
    expect(await search({ AND: [{ search: 'moon' }, { NOT: { search: 'rocket' } }] })).toEqual(['Telescope']);
    expect(await search({ NOT: { search: 'rocket or moon or launch' } })).toEqual([]);
    // inside a relation filter: releases of projects matching the search
    const releases = await app.api.release.list({ where: { project: { is: { search: 'fountain' } } } });
    expect(releases.items.map((r) => r.semver)).toEqual(['2.0.0']);
    // and the other way: organizations with a project matching
    const orgs = await app.api.organization.list({ where: { projects: { some: { search: 'secret' } } } });
    expect(orgs.items.map((o) => o.id)).toEqual([s.orgB]);
    // and in an include's where
    const org = await app.services.managers.organization.get(app.ctx, {
      id: s.orgA,
      include: { projects: { where: { search: 'moon' }, orderBy: { _relevance: { search: 'moon' } } } },
    });
    expect(org.projects.map((p) => p.name)).toEqual(['Moon Base', 'Telescope']);
  });

  it('orders by relevance (ts_rank over the weighted vector), as hand-written SQL ranks', async () => {
    for (const q of ['rocket', 'moon', 'rocket or launch']) {
      const page = await app.api.project.list({
        where: { organizationId: s.orgA, search: q },
        orderBy: { _relevance: { search: q } },
        limit: 100,
      });
      const { rows } = await sql<{ name: string }>`
        select name from project
        where organization_id = ${s.orgA} and archived_at is null
          and search_vector @@ websearch_to_tsquery('simple', ${q})
        order by ts_rank(
          setweight(to_tsvector('simple', coalesce(name, '')), 'A') ||
          setweight(to_tsvector('simple', coalesce(description, '')), 'B'),
          websearch_to_tsquery('simple', ${q})) desc, id asc`.execute(app.database.db);
      expect(
        page.items.map((p) => p.name),
        q,
      ).toEqual(rows.map((r) => r.name));
    }
    // a match in the name (weight A) ranks above one in the description (weight B)
    const moon = await app.api.project.list({
      where: { organizationId: s.orgA, search: 'moon' },
      orderBy: { _relevance: { search: 'moon' } },
    });
    expect(moon.items.map((p) => p.name)).toEqual(['Moon Base', 'Telescope']);
    const asc = await app.api.project.list({
      where: { organizationId: s.orgA, search: 'moon' },
      orderBy: [{ _relevance: { search: 'moon', dir: 'asc' } }],
    });
    expect(asc.items.map((p) => p.name)).toEqual(['Telescope', 'Moon Base']);
    // the most occurrences, all in the name too, first
    const rocket = await app.api.project.list({
      where: { organizationId: s.orgA, search: 'rocket' },
      orderBy: { _relevance: { search: 'rocket' } },
    });
    expect(rocket.items[0]!.name).toBe('Rocket Rocket');
    // through a to-one relation: releases by their project's relevance
    const releases = await app.api.release.list({
      orderBy: [{ project: { _relevance: { search: 'fountain' } } }, { semver: 'asc' }],
    });
    const moonRelease = await app.api.release.list({
      orderBy: [{ project: { _relevance: { search: 'moon', dir: 'desc' } } }, { semver: 'asc' }],
    });
    expect(releases.items.map((r) => r.semver)).toEqual(['2.0.0', '1.0.0']);
    expect(moonRelease.items.map((r) => r.semver)).toEqual(['1.0.0', '2.0.0']);
  });

  it('pages through a relevance order with cursors (the rank is a hidden cursor value)', async () => {
    const q = 'rocket or launch or moon';
    const where = { organizationId: s.orgA, search: q };
    const orderBy = [{ _relevance: { search: q } }, { name: 'asc' as const }];
    const all = await app.api.project.list({ where, orderBy, limit: 100 });
    expect(all.items.length).toBe(seedA.length);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await app.api.project.list({ where, orderBy, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((p) => p.name));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all.items.map((p) => p.name));
    // the cursor belongs to its search: another search string is another query
    const first = await app.api.project.list({ where, orderBy, limit: 2 });
    await expectError(
      app.api.project.list({
        where,
        orderBy: [{ _relevance: { search: 'moon' } }, { name: 'asc' }],
        limit: 2,
        cursor: first.nextCursor!,
      }),
      'BAD_REQUEST',
      'cursor',
    );
  });

  it("never reveals another tenant's rows: search runs under the read rule", async () => {
    const viewer = app.as(s.viewerA);
    // the superadmin sees tenant B's private project; tenant A's viewer does not
    const everyone = await app.api.project.list({ where: { search: 'secret' } });
    expect(everyone.items.map((p) => p.name)).toEqual(['Secret Rocket']);
    expect((await viewer.project.list({ where: { search: 'secret' } })).items).toEqual([]);
    expect(await viewer.project.count({ where: { search: 'secret' } })).toBe(0);
    expect(await viewer.project.count({ where: { search: '"launch codes"' } })).toBe(0);
    // tenant B's public project is readable, so it matches; its private one never does
    const launch = await viewer.project.list({
      where: { search: 'launch' },
      orderBy: { _relevance: { search: 'launch' } },
      limit: 100,
    });
    expect(launch.items.map((p) => p.name).sort()).toEqual(['Launch Party', 'Open Rocket', 'Rocket Launch']);
    const viewerRows = await viewer.project.list({ where: { search: 'rocket' }, limit: 100 });
    expect(viewerRows.items.map((p) => nameOf(p.id))).not.toContain('Secret Rocket');
    expect(viewerRows.items.map((p) => p.name)).toContain('Open Rocket');
    // nor through a relation filter
    const orgs = await viewer.organization.list({ where: { projects: { some: { search: 'secret' } } } });
    expect(orgs.items).toEqual([]);
  });

  it('is never a field: reads do not return the column and writes cannot set it', async () => {
    const row = await app.api.project.get({ id: s.byName.get('Garden')! });
    expect(Object.keys(row)).not.toContain('searchVector');
    expect(Object.keys(row)).not.toContain('search_vector');
    expect(Object.keys(row)).not.toContain('search');
    await expectError(
      app.api.project.update({ id: row.id, data: { search: 'x' } as never }),
      'BAD_REQUEST',
      'data.search',
    );
    // the column follows the fields it is generated from
    await app.api.project.update({ id: row.id, data: { description: 'tulips only' } });
    expect(await search({ search: 'fountain' })).toEqual([]);
    expect(await search({ search: 'tulips' })).toEqual(['Garden']);
    await app.api.project.update({
      id: row.id,
      data: { description: 'flowers and a rocket shaped fountain' },
    });
  });

  it('refuses bad search input with BAD_REQUEST naming the path and the limit', async () => {
    const long = 'a'.repeat(queryLimits.searchLength + 1);
    const e = await expectError(
      app.api.project.list({ where: { search: long } }),
      'BAD_REQUEST',
      'where.search',
    );
    expect(e.message).toContain(String(queryLimits.searchLength));
    await expectError(app.api.project.list({ where: { search: '   ' } }), 'BAD_REQUEST', 'where.search');
    await expectError(
      app.api.project.list({ orderBy: { _relevance: { search: long } } }),
      'BAD_REQUEST',
      'orderBy._relevance.search',
    );
    // exactly at the limit is fine
    await app.api.project.list({ where: { search: 'a'.repeat(queryLimits.searchLength) } });
    // an entity without search has neither the filter nor the order
    await expectError(app.api.tag.list({ where: { search: 'x' } as never }), 'BAD_REQUEST', 'where.search');
    await expectError(
      app.api.tag.list({ orderBy: { _relevance: { search: 'x' } } as never }),
      'BAD_REQUEST',
      'orderBy._relevance',
    );
    // server code that skips the DTO gets the same answers from the compiler
    const m = app.services.managers;
    await expectError(
      m.tag.list(app.ctx, { where: { search: 'x' } as never }),
      'BAD_REQUEST',
      'where.search',
    );
    await expectError(m.project.list(app.ctx, { where: { search: long } }), 'BAD_REQUEST', 'where.search');
    await expectError(
      m.tag.list(app.ctx, { orderBy: { _relevance: { search: 'x' } } as never }),
      'BAD_REQUEST',
      'orderBy._relevance',
    );
  });

  it('the drift check sees a changed search declaration', async () => {
    const { organizationId, name, description, isPublic } = project.fields;
    const changed = defineEntity({
      name: 'project',
      description: project.description as string,
      traits: ['timestamps', 'version', 'audit', 'properties', 'archive'],
      fields: { organizationId, name, description, isPublic },
      uniques: [{ fields: ['organizationId', 'name'], ignoreArchived: true }],
      // the same fields, the other way round: the weights change, so the column does
      search: ['description', 'name'],
      relations: project.relations,
    });
    const variant = defineSchema({ ...schema.entities, project: changed }, schema.options);
    const drift = await checkDrift(app.database.db, variant);
    expect(drift).toEqual([expect.stringContaining('project: redefine column "search_vector"')]);
    // the redefinition runs, and its undo restores the declared column
    const changes = diffSchemas(await introspectSchema(app.database.db), tableModels(variant));
    for (const st of changes.flatMap((c) => c.up)) await sql.raw(st).execute(app.database.db);
    expect(await checkDrift(app.database.db, variant)).toEqual([]);
    // the weights follow the new order: a description match now outranks a name match
    const flip = () =>
      sql<{ name: string }>`select name from project where organization_id = ${s.orgA}
        and search_vector @@ websearch_to_tsquery('simple', 'science or flowers')
        order by ts_rank(search_vector, websearch_to_tsquery('simple', 'science or flowers')) desc`
        .execute(app.database.db)
        .then((r) => r.rows.map((x) => x.name));
    expect(await flip()).toEqual(['Garden', 'Rocket Science']);
    for (const st of [...changes].reverse().flatMap((c) => c.down))
      await sql.raw(st).execute(app.database.db);
    expect(await checkDrift(app.database.db, schema)).toEqual([]);
    expect(await flip()).toEqual(['Rocket Science', 'Garden']);
    const model = tableModels(variant).find((t) => t.name === 'project')!;
    expect(model.indexes.find((i) => i.method === 'gin')?.columns).toEqual(['search_vector']);
  });
});

describe('search declarations are checked at start-up', () => {
  it('refuses non-text, hidden, unknown and repeated fields, and name clashes', () => {
    const fields = {
      title: f.string({ max: 10 }),
      body: f.text({ max: 100 }).nullable(),
      count: f.int(),
      secret: f.string({ max: 10 }).hidden(),
    };
    expect(() => defineEntity({ name: 'doc', fields, search: ['count' as never] })).toThrow(
      "entity doc, search: 'count' is a int field; search covers text fields only (string, text, email)",
    );
    expect(() => defineEntity({ name: 'doc', fields, search: ['secret' as never] })).toThrow(/is hidden/);
    expect(() => defineEntity({ name: 'doc', fields, search: ['nope' as never] })).toThrow(
      "entity doc, search: 'nope' is not a field of doc",
    );
    expect(() => defineEntity({ name: 'doc', fields, search: ['title', 'title'] })).toThrow(/listed twice/);
    expect(() =>
      defineEntity({ name: 'doc', fields: { ...fields, searchVector: f.text() }, search: ['title'] }),
    ).toThrow(/clashes/);
    expect(defineEntity({ name: 'doc', fields, search: ['title', 'body'] }).search).toEqual([
      'title',
      'body',
    ]);
    expect(tag.search).toEqual([]);
  });
});
