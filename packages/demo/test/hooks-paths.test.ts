import {
  type Change,
  CrudError,
  createServices,
  defineHooks,
  inTransaction,
  type Services,
} from '@typecrud/server';
import { openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema } from '../src/index.js';
import { allTables, expectError, snapshot } from './helpers.js';

type Tag = Services<typeof schema.entities>['managers']['tag'];

/** Hooks on every path: single, bulk and nested writes call them once per statement, and a refusal blocks each. */
describe.each(testEngines())('hooks on every write path on %s', (engine) => {
  let database: TestDatabase;
  let services: Services<typeof schema.entities>;
  /** Hook name -> how many rows / ids each call was given. */
  const calls: Record<string, number[]> = {};
  const commits: Change<typeof schema.entities.tag | typeof schema.entities.project>[] = [];
  /** The hook that refuses next (by name). */
  let refuse: string | null = null;
  const seen = (name: string, n: number) => {
    calls[name] = [...(calls[name] ?? []), n];
    if (refuse === name) throw new CrudError('FORBIDDEN', `${name} refuses`);
  };

  beforeAll(async () => {
    database = await openTestDatabase(engine, schema);
    const hooks = defineHooks(schema, {
      tag: {
        beforeCreate: ({ data }) => seen('tag.beforeCreate', data.length),
        afterCreate: ({ rows }) => seen('tag.afterCreate', rows.length),
        beforeUpdate: ({ rows }) => seen('tag.beforeUpdate', rows.length),
        afterUpdate: ({ rows }) => seen('tag.afterUpdate', rows.length),
        beforeDelete: ({ rows }) => seen('tag.beforeDelete', rows.length),
        afterDelete: ({ rows }) => seen('tag.afterDelete', rows.length),
        beforeConnect: ({ ids }) => seen('tag.beforeConnect', ids.length),
        beforeDisconnect: ({ ids }) => seen('tag.beforeDisconnect', ids.length),
        afterCommit: (change) => {
          commits.push(change);
        },
      },
      project: {
        beforeCreate: ({ data }) => seen('project.beforeCreate', data.length),
        beforeUpdate: ({ rows }) => seen('project.beforeUpdate', rows.length),
        afterUpdate: ({ rows }) => seen('project.afterUpdate', rows.length),
        beforeArchive: ({ rows }) => seen('project.beforeArchive', rows.length),
        afterArchive: ({ rows }) => seen('project.afterArchive', rows.length),
        beforeRestore: ({ rows }) => seen('project.beforeRestore', rows.length),
        afterRestore: ({ rows }) => seen('project.afterRestore', rows.length),
        beforeConnect: ({ ids }) => seen('project.beforeConnect', ids.length),
        afterConnect: ({ ids }) => seen('project.afterConnect', ids.length),
        beforeDisconnect: ({ ids }) => seen('project.beforeDisconnect', ids.length),
        afterDisconnect: ({ ids }) => seen('project.afterDisconnect', ids.length),
        afterCommit: (change) => {
          commits.push(change);
        },
      },
    });
    services = createServices(schema, database, {
      policies: 'unrestricted',
      hooks,
    });
  });
  afterAll(() => database.dispose());
  beforeEach(() => {
    refuse = null;
    for (const k of Object.keys(calls)) delete calls[k];
    commits.length = 0;
  });

  const ctx = () => ({ db: database.db, caller: null });
  const tags = (): Tag => services.managers.tag;
  const tables = [...allTables, 'audit_entry'];
  /** The call must be refused by hook `name`, and change nothing. */
  async function blocked(name: string, call: () => Promise<unknown>) {
    const before = await snapshot(database.db, tables);
    refuse = name;
    await expectError(call(), 'FORBIDDEN');
    refuse = null;
    expect(await snapshot(database.db, tables), name).toEqual(before);
    expect(commits).toEqual([]);
  }
  const org = async () =>
    (
      await services.managers.organization.create(ctx(), {
        name: 'Hooks',
        slug: `hooks-${crypto.randomUUID()}`,
      })
    ).id;

  it('bulk writes call each hook once per statement with all their rows', async () => {
    const made = await tags().createMany(ctx(), [{ label: 'h-1' }, { label: 'h-2' }, { label: 'h-3' }]);
    expect(calls['tag.beforeCreate']).toEqual([3]);
    expect(calls['tag.afterCreate']).toEqual([3]);
    expect(
      await tags().updateMany(ctx(), { where: { label: { startsWith: 'h-' } }, data: { color: '#000000' } }),
    ).toEqual({
      count: 3,
    });
    expect(calls['tag.beforeUpdate']).toEqual([3]);
    expect(calls['tag.afterUpdate']).toEqual([3]);
    expect(await tags().deleteMany(ctx(), { where: { id: { in: made.ids } } })).toEqual({ count: 3 });
    expect(calls['tag.beforeDelete']).toEqual([3]);
    expect(calls['tag.afterDelete']).toEqual([3]);
    expect(commits.map((c) => c.action)).toEqual(['create', 'update', 'delete']);
  });

  it('a refusing before hook blocks every path: single, bulk and nested', async () => {
    const one = await tags().create(ctx(), { label: 'h-keep' });
    commits.length = 0;
    await blocked('tag.beforeCreate', () => tags().create(ctx(), { label: 'h-new' }));
    await blocked('tag.beforeCreate', () =>
      tags().createMany(ctx(), [{ label: 'h-new-1' }, { label: 'h-new-2' }]),
    );
    await blocked('tag.beforeUpdate', () => tags().update(ctx(), { id: one.id, data: { color: '#ffffff' } }));
    await blocked('tag.beforeUpdate', () =>
      tags().updateMany(ctx(), { where: { id: { in: [one.id] } }, data: { color: '#ffffff' } }),
    );
    await blocked('tag.beforeDelete', () => tags().delete(ctx(), { id: one.id }));
    // the reproduction of issue 11: deleteMany used to bypass a refusing beforeDelete
    await blocked('tag.beforeDelete', () => tags().deleteMany(ctx(), { where: { id: { in: [one.id] } } }));
    const orgId = await org();
    const p = await services.managers.project.create(ctx(), { organizationId: orgId, name: 'Hooked' });
    commits.length = 0;
    await blocked('project.beforeArchive', () => services.managers.project.archive(ctx(), { id: p.id }));
    await blocked('project.beforeConnect', () =>
      services.managers.project.connect(ctx(), { id: p.id, relation: 'tags', ids: [one.id] }),
    );
    await blocked('project.beforeConnect', () =>
      services.managers.project.update(ctx(), { id: p.id, data: { name: 'x', tags: { connect: [one.id] } } }),
    );
    await blocked('project.beforeConnect', () =>
      services.managers.project.create(ctx(), {
        organizationId: orgId,
        name: 'Nested',
        tags: { connect: [one.id] },
      }),
    );
    await blocked('tag.beforeConnect', () =>
      tags().connect(ctx(), { id: one.id, relation: 'projects', ids: [p.id] }),
    );
    await services.managers.project.connect(ctx(), { id: p.id, relation: 'tags', ids: [one.id] });
    commits.length = 0;
    await blocked('project.beforeDisconnect', () =>
      services.managers.project.disconnect(ctx(), { id: p.id, relation: 'tags', ids: [one.id] }),
    );
    await blocked('project.beforeDisconnect', () =>
      services.managers.project.update(ctx(), { id: p.id, data: { tags: { set: [] } } }),
    );
    await blocked('tag.beforeDisconnect', () =>
      tags().disconnect(ctx(), { id: one.id, relation: 'projects', ids: [p.id] }),
    );
    await services.managers.project.archive(ctx(), { id: p.id });
    commits.length = 0;
    await blocked('project.beforeRestore', () => services.managers.project.restore(ctx(), { id: p.id }));
    // an after hook that refuses rolls the write back too
    await blocked('project.afterRestore', () => services.managers.project.restore(ctx(), { id: p.id }));
    await blocked('tag.afterCreate', () => tags().create(ctx(), { label: 'h-after' }));
  });

  it('upsert runs the create hooks on its insert branch and the update hooks on its update branch', async () => {
    const args = { where: { label: 'h-up' }, create: { label: 'h-up' }, update: { color: '#010101' } };
    const made = await tags().upsert(ctx(), args);
    expect([calls['tag.beforeCreate'], calls['tag.afterCreate'], calls['tag.beforeUpdate']]).toEqual([
      [1],
      [1],
      undefined,
    ]);
    const again = await tags().upsert(ctx(), args);
    expect(again).toMatchObject({ id: made.id, color: '#010101' });
    expect([calls['tag.beforeCreate'], calls['tag.beforeUpdate'], calls['tag.afterUpdate']]).toEqual([
      [1],
      [1],
      [1],
    ]);
    expect(commits.map((c) => c.action)).toEqual(['create', 'update']);
    commits.length = 0;
    // a refusing hook blocks either branch
    await blocked('tag.beforeCreate', () =>
      tags().upsert(ctx(), {
        where: { label: 'h-up-new' },
        create: { label: 'h-up-new' },
        update: { color: '#020202' },
      }),
    );
    await blocked('tag.beforeUpdate', () => tags().upsert(ctx(), { ...args, update: { color: '#030303' } }));
    await blocked('tag.afterUpdate', () => tags().upsert(ctx(), { ...args, update: { color: '#040404' } }));
  });

  it('nested writes run the child entity’s hooks, and a refusing child hook blocks the whole write', async () => {
    const orgId = await org();
    for (const k of Object.keys(calls)) delete calls[k];
    commits.length = 0;
    const made = await services.managers.organization.create(ctx(), {
      name: 'Nested hooks',
      slug: `nested-${crypto.randomUUID()}`,
      projects: { create: [{ name: 'One' }, { name: 'Two' }] },
    });
    // one statement for both children: the child's hook once with both rows
    expect(calls['project.beforeCreate']).toEqual([2]);
    const one = (
      await services.managers.project.list(ctx(), { where: { organizationId: made.id, name: 'One' } })
    ).items[0]!;
    await services.managers.organization.update(ctx(), {
      id: made.id,
      data: { projects: { update: [{ id: one.id, data: { description: 'nested' } }] } },
    });
    expect([calls['project.beforeUpdate'], calls['project.afterUpdate']]).toEqual([[1], [1]]);
    commits.length = 0;
    await blocked('project.beforeCreate', () =>
      services.managers.organization.create(ctx(), {
        name: 'Blocked',
        slug: `blocked-${crypto.randomUUID()}`,
        projects: { create: [{ name: 'Child' }] },
      }),
    );
    await blocked('project.beforeUpdate', () =>
      services.managers.organization.update(ctx(), {
        id: made.id,
        data: { name: 'renamed', projects: { update: [{ id: one.id, data: { description: 'x' } }] } },
      }),
    );
    await blocked('tag.beforeCreate', () =>
      services.managers.project.create(ctx(), {
        organizationId: orgId,
        name: 'Tagged',
        tags: { connectOrCreate: [{ where: { label: 'h-nested-new' }, create: { label: 'h-nested-new' } }] },
      }),
    );
  });

  it('afterCommit runs once after the commit, and never when the transaction rolls back', async () => {
    const t = await tags().create(ctx(), { label: 'h-commit' });
    expect(commits).toEqual([{ action: 'create', rows: [t] }]);
    commits.length = 0;
    // inside a caller's transaction: only once it commits
    await inTransaction(database.db, async (db) => {
      await tags().update({ db, caller: null }, { id: t.id, data: { color: '#123456' } });
      expect(commits).toEqual([]);
    });
    expect(commits.map((c) => c.action)).toEqual(['update']);
    commits.length = 0;
    await expect(
      inTransaction(database.db, async (db) => {
        await tags().update({ db, caller: null }, { id: t.id, data: { color: '#654321' } });
        throw new Error('the rest of the work failed');
      }),
    ).rejects.toThrow('the rest of the work failed');
    expect(commits).toEqual([]);
    expect((await tags().get(ctx(), { id: t.id })).color).toBe('#123456');
  });
});
