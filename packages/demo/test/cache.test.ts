import { type CacheStore, memoryCacheStore, redisCacheStore } from '@typecrud/server';
import { openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/index.js';
import {
  type AppServices,
  createAppServices,
  createSystemServices,
  loadPrincipal,
} from '../src/server/index.js';

const stores: [string, () => CacheStore][] = [['memory', () => memoryCacheStore(100)]];
if (process.env.TEST_REDIS_URL)
  stores.push([
    'redis',
    () => redisCacheStore(process.env.TEST_REDIS_URL!, `typecrud-test:${crypto.randomUUID()}:`),
  ]);

describe.each(testEngines().flatMap((engine) => stores.map(([name, make]) => [engine, name, make] as const)))(
  'read cache on %s with a %s store',
  (engine, _name, makeStore) => {
    let database: TestDatabase;
    let store: CacheStore;
    let services: AppServices;
    let system: AppServices;
    beforeAll(async () => {
      database = await openTestDatabase(engine, schema);
      store = makeStore();
      services = createAppServices(database, {
        tokenSecret: 'cache-test-secret-0123456789abcdefgh',
        cache: store,
      });
      system = createAppServices(database, {
        tokenSecret: 'cache-test-secret-0123456789abcdefgh',
        cache: store,
      });
    });
    afterAll(async () => {
      await store.close();
      await database.dispose();
    });

    const statements = async <T>(fn: () => Promise<T>) => (await database.counter.measure(fn)).statements;

    it('serves a repeated read from the cache and invalidates it when a write commits', async () => {
      const sys = createSystemServices(database, { cache: store });
      const ctx = { db: database.db, caller: null };
      const org = await sys.managers.organization.create(ctx, { name: 'Cached', slug: 'cached' });
      const owner = await sys.managers.user.create(ctx, { email: 'owner@cache.test', displayName: 'Owner' });
      await sys.managers.membership.create(ctx, {
        organizationId: org.id,
        userId: owner.id,
        role: 'owner',
        status: 'active',
      });
      const caller = (await loadPrincipal(database.db, owner.id))!;
      const as = { db: database.db, caller };
      await sys.managers.tag.create(ctx, { label: 'one' });

      const first = await services.managers.tag.list(as, {});
      expect(first.items.map((t) => t.label)).toEqual(['one']);
      expect(await statements(() => services.managers.tag.list(as, {}))).toBe(0);
      expect(await statements(() => services.managers.tag.count(as, {}))).toBe(1);
      expect(await statements(() => services.managers.tag.count(as, {}))).toBe(0);

      // a write through any services sharing the store makes the next read go to the database
      await system.managers.tag.create({ db: database.db, caller }, { label: 'two' });
      expect(await statements(() => services.managers.tag.list(as, {}))).toBe(1);
      expect((await services.managers.tag.list(as, {})).items.map((t) => t.label).sort()).toEqual([
        'one',
        'two',
      ]);

      // a rolled-back write invalidates nothing and changes nothing (the manager lets the unique violation through; routers map it)
      await expect(
        system.managers.tag.createMany({ db: database.db, caller }, [{ label: 'three' }, { label: 'one' }]),
      ).rejects.toMatchObject({
        code: '23505',
      });
      expect(await statements(() => services.managers.tag.list(as, {}))).toBe(0);

      // keys are per caller: another user's visibility is computed, not copied
      const stranger = await sys.managers.user.create(ctx, {
        email: 'stranger@cache.test',
        displayName: 'Stranger',
      });
      const strangerCaller = (await loadPrincipal(database.db, stranger.id))!;
      expect((await services.managers.organization.list(as, {})).items.map((o) => o.slug)).toEqual([
        'cached',
      ]);
      expect(
        (await services.managers.organization.list({ db: database.db, caller: strangerCaller }, {})).items,
      ).toEqual([]);

      // an included entity's write invalidates the reads that embed it
      const project = await sys.managers.project.create(ctx, { organizationId: org.id, name: 'P' });
      const withProjects = () =>
        services.managers.organization.get(as, { id: org.id, include: { projects: true } });
      expect((await withProjects()).projects.map((p) => p.name)).toEqual(['P']);
      expect(await statements(withProjects)).toBe(0);
      await system.managers.project.update(
        { db: database.db, caller },
        { id: project.id, data: { name: 'Renamed' } },
      );
      expect((await withProjects()).projects.map((p) => p.name)).toEqual(['Renamed']);
      // Dates and bigints survive the cache
      expect((await withProjects()).createdAt).toBeInstanceOf(Date);
    });
  },
);
