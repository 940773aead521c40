import {
  authedProcedure,
  type CacheStore,
  createCallerFactory,
  crudProcedures,
  memoryCacheStore,
  redisCacheStore,
  router,
} from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schema } from '../src/index.js';
import { type AppServices, createAppServices, loadPrincipal } from '../src/server/index.js';
import { testTokenSecret, useApp } from './fixtures.js';

interface Entry {
  entity: string;
  entity_id: string;
  action: string;
  actor_id: string | null;
  changes: Record<string, { before?: unknown; after?: unknown }>;
}

describe.each(testEngines())('an audit trail nothing escapes, on %s', (engine) => {
  const app = useApp(engine);

  const log = async (where: ReturnType<typeof sql>) =>
    (
      await sql<Entry>`select entity, entity_id::text as entity_id, action, actor_id::text as actor_id, changes
        from audit_entry where ${where} order by created_at, id`.execute(app.database.db)
    ).rows;

  /** An owner of a fresh organization with two projects of three releases each. */
  async function arrange(slug: string) {
    const m = app.system.managers;
    const ctx = { db: app.database.db, caller: null };
    const user = await m.user.create(ctx, { email: `${slug}@audit.test`, displayName: slug });
    const org = await m.organization.create(ctx, { name: slug, slug });
    await m.membership.create(ctx, {
      organizationId: org.id,
      userId: user.id,
      role: 'owner',
      status: 'active',
    });
    const projects = [];
    const releases = [];
    for (const name of ['one', 'two']) {
      const p = await m.project.create(ctx, { organizationId: org.id, name });
      projects.push(p.id);
      const r = await m.release.createMany(
        ctx,
        [1, 2, 3].map((i) => ({ projectId: p.id, semver: `${i}.0.0` })),
      );
      releases.push(...r.ids);
    }
    const caller = (await loadPrincipal(app.database.db, user.id))!;
    return { user, org, projects, releases, caller, as: app.as(caller) };
  }

  it('a cascade delete of an organization records every removed project, release and membership, with who did it', async () => {
    const { user, org, projects, releases, as } = await arrange('cascade-delete');
    await as.organization.delete({ id: org.id });
    const deleted = await log(sql`action = 'delete'`);
    const byEntity = (e: string) =>
      deleted
        .filter((x) => x.entity === e)
        .map((x) => x.entity_id)
        .sort();
    expect(byEntity('organization')).toContain(org.id);
    expect(byEntity('project').filter((id) => projects.includes(id))).toEqual([...projects].sort());
    expect(byEntity('release').filter((id) => releases.includes(id))).toEqual([...releases].sort());
    const mine = deleted.filter((x) => [org.id, ...projects, ...releases].includes(x.entity_id));
    expect(mine).toHaveLength(1 + 2 + 6);
    // every record names the owner who deleted the organization, and what the row held
    expect(mine.every((x) => x.actor_id === user.id)).toBe(true);
    const release = mine.find((x) => x.entity === 'release')!;
    expect(release.changes.semver?.before).toMatch(/^\d\.0\.0$/);
    expect(deleted.some((x) => x.entity === 'membership' && x.actor_id === user.id)).toBe(true);
  });

  it('a set-null cascade is recorded as an update of every row it changed', async () => {
    const m = app.system.managers;
    const ctx = { db: app.database.db, caller: null };
    const author = await m.user.create(ctx, { email: 'author@audit.test', displayName: 'Author' });
    const org = await m.organization.create(ctx, { name: 'Set null', slug: 'set-null' });
    const authorCtx = {
      db: app.database.db,
      caller: { userId: author.id, superadmin: true, memberships: [] },
    };
    const p = await m.project.create(authorCtx, { organizationId: org.id, name: 'authored' });
    expect(p.createdBy).toBe(author.id);
    await app.api.user.delete({ id: author.id });
    // one update per foreign key the cascade set to null (each is its own statement)
    const entries = await log(sql`entity = 'project' and entity_id = ${p.id}::uuid and action = 'update'`);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.actor_id === app.adminId)).toBe(true);
    expect(Object.assign({}, ...entries.map((e) => e.changes))).toEqual({
      createdBy: { before: author.id, after: null },
      updatedBy: { before: author.id, after: null },
    });
  });

  it('bulk, nested and link writes are recorded; a connect of an existing link records nothing', async () => {
    const { org, as, user } = await arrange('bulk-nested');
    const tag = await app.api.tag.create({ label: 'audited-tag' });
    const p = await as.project.create({
      organizationId: org.id,
      name: 'nested',
      tags: { connect: [tag.id] },
    });
    const updated = await as.project.updateMany({
      where: { organizationId: org.id },
      data: { isPublic: true },
    });
    expect(updated.count).toBe(3);
    const links = await log(sql`entity_id in (${p.id}::uuid, ${tag.id}::uuid) and action = 'connect'`);
    expect(links.map((l) => [l.entity, l.changes])).toEqual(
      expect.arrayContaining([
        ['project', { tags: { after: [tag.id] } }],
        ['tag', { projects: { after: [p.id] } }],
      ]),
    );
    expect(links.every((l) => l.actor_id === user.id)).toBe(true);
    const before = (await log(sql`true`)).length;
    expect((await as.project.connect({ id: p.id, relation: 'tags', ids: [tag.id] })).count).toBe(0);
    expect((await log(sql`true`)).length).toBe(before);
    const bulk = await log(sql`entity = 'project' and action = 'update' and actor_id = ${user.id}::uuid`);
    expect(bulk).toHaveLength(3);
    for (const e of bulk) expect(e.changes.isPublic).toEqual({ before: false, after: true });
  });

  it('the actor is local to its statement or transaction: a later raw write outside one names nobody', async () => {
    const { org, as, user } = await arrange('actor-scope');
    await as.organization.update({ id: org.id, data: { name: 'Renamed by owner' } });
    // the same pooled connections, no caller: the owner's id must not linger on them
    for (let i = 0; i < 3; i++)
      await sql`update organization set name = ${`raw ${i}`} where id = ${org.id}::uuid`.execute(
        app.database.db,
      );
    const entries = await log(sql`entity_id = ${org.id}::uuid and action = 'update'`);
    expect(entries.map((e) => e.actor_id)).toEqual([user.id, null, null, null]);
  });

  it('hidden fields never reach the log', async () => {
    const u = await app.api.user.create({ email: 'hidden@audit.test', displayName: 'Hidden' });
    await sql`update app_user set password_hash = 'secret-hash' where id = ${u.id}::uuid`.execute(
      app.database.db,
    );
    const entries = await log(sql`entity_id = ${u.id}::uuid`);
    expect(entries.map((e) => e.action)).toEqual(['create']);
    expect(JSON.stringify(entries)).not.toContain('secret-hash');
    expect(Object.keys(entries[0]!.changes)).not.toContain('passwordHash');
  });
});

const stores: [string, () => CacheStore][] = [['memory', () => memoryCacheStore(100)]];
if (process.env.TEST_REDIS_URL)
  stores.push([
    'redis',
    () => redisCacheStore(process.env.TEST_REDIS_URL!, `typecrud-test:${crypto.randomUUID()}:`),
  ]);

describe.each(testEngines().flatMap((engine) => stores.map(([name, make]) => [engine, name, make] as const)))(
  'raw SQL in a custom procedure on %s (%s cache)',
  (engine, _name, makeStore) => {
    const app = useApp(engine);
    let store: CacheStore;
    let services: AppServices;

    // a custom procedure beside the generated ones that writes with plain SQL
    const testRouter = router({
      tag: router({
        ...crudProcedures(schema, 'tag'),
        recolor: authedProcedure
          .input(z.strictObject({ label: z.string(), color: z.string() }))
          .mutation(async ({ ctx, input }) => {
            const { rows } = await sql<{ id: string }>`update tag set color = ${input.color}
              where label = ${input.label} returning id`.execute(ctx.db);
            return { count: rows.length };
          }),
      }),
    });
    const createCaller = createCallerFactory(testRouter);

    beforeAll(async () => {
      store = makeStore();
      services = createAppServices(app.database, { tokenSecret: testTokenSecret, cache: store });
    });
    afterAll(() => store.close());

    it('is audited with the caller, in its transaction, and invalidates the cached read', async () => {
      const caller = { userId: app.adminId, superadmin: true, memberships: [] };
      const api = createCaller({ services, db: app.database.db, caller });
      const tag = await api.tag.create({ label: 'raw-sql', color: '#111111' });
      // a cached read, then served from the cache
      expect((await api.tag.get({ id: tag.id })).color).toBe('#111111');
      const cachedRead = await app.database.counter.measure(() => api.tag.get({ id: tag.id }));
      expect(cachedRead.statements).toBe(0);

      expect(await api.tag.recolor({ label: 'raw-sql', color: '#222222' })).toEqual({ count: 1 });
      const fresh = await app.database.counter.measure(() => api.tag.get({ id: tag.id }));
      expect(fresh.result.color).toBe('#222222');
      expect(fresh.statements).toBe(1);

      const { rows } = await sql<Entry>`select action, actor_id::text as actor_id, changes from audit_entry
        where entity_id = ${tag.id}::uuid order by created_at, id`.execute(app.database.db);
      expect(rows.map((r) => r.action)).toEqual(['create', 'update']);
      expect(rows[1]).toMatchObject({
        actor_id: app.adminId,
        changes: { color: { before: '#111111', after: '#222222' } },
      });
    });

    it('a custom procedure that fails leaves neither the change nor its audit record', async () => {
      const caller = { userId: app.adminId, superadmin: true, memberships: [] };
      const failing = router({
        tag: router({
          recolorThenFail: authedProcedure
            .input(z.strictObject({ id: z.uuid() }))
            .mutation(async ({ ctx, input }) => {
              await sql`update tag set color = '#999999' where id = ${input.id}::uuid`.execute(ctx.db);
              throw new Error('refused after the write');
            }),
        }),
      });
      const api = createCaller({ services, db: app.database.db, caller });
      const tag = await api.tag.create({ label: 'raw-rollback', color: '#333333' });
      await expect(
        createCallerFactory(failing)({ services, db: app.database.db, caller }).tag.recolorThenFail({
          id: tag.id,
        }),
      ).rejects.toThrow();
      expect((await api.tag.get({ id: tag.id })).color).toBe('#333333');
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_entry
        where entity_id = ${tag.id}::uuid and action = 'update'`.execute(app.database.db);
      expect(rows[0]!.n).toBe(0);
    });
  },
);
