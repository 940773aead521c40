import { CrudError, createServices, defineHooks, inTransaction, type Services } from '@typecrud/server';
import { openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/index.js';
import { useApp } from './fixtures.js';

describe.each(testEngines())('audit log on %s', (engine) => {
  const app = useApp(engine);

  const entries = async (entityId: string) =>
    (await app.api.audit.list({ where: { entityId }, orderBy: [{ createdAt: 'asc' }], limit: 100 })).items;

  it('records exactly the committed changes, with before and after', async () => {
    const org = await app.api.organization.create({ name: 'Audited', slug: 'audited' });
    await app.api.organization.update({ id: org.id, data: { name: 'Audited Inc' }, expectedVersion: 1 });
    // a stale update fails and leaves no record
    await expect(
      app.api.organization.update({ id: org.id, data: { name: 'Nope' }, expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await app.api.organization.archive({ id: org.id });
    await app.api.organization.restore({ id: org.id });
    await app.api.organization.delete({ id: org.id });
    const log = await entries(org.id);
    expect(log.map((e) => e.action)).toEqual(['create', 'update', 'archive', 'restore', 'delete']);
    expect(log.every((e) => e.actorId === app.adminId && e.entity === 'organization')).toBe(true);
    expect(log[0]!.changes).toMatchObject({ name: { after: 'Audited' }, slug: { after: 'audited' } });
    expect(log[1]!.changes).toEqual({ name: { before: 'Audited', after: 'Audited Inc' } });
    expect(
      (log[2]!.changes as Record<string, { before: unknown; after: unknown }>).archivedAt!.before,
    ).toBeNull();
    expect((log[4]!.changes as Record<string, { before: unknown }>).name!.before).toBe('Audited Inc');
  });

  it('a failed bulk write records nothing', async () => {
    const org = await app.api.organization.create({ name: 'Bulk', slug: 'bulk' });
    await expect(
      app.api.project.createMany([
        { organizationId: org.id, name: 'Fine' },
        { organizationId: org.id, name: 'Fine' }, // duplicate (organizationId, name)
      ]),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_entry where entity = 'project'`.execute(app.database.db);
    expect(rows[0]!.n).toBe(0);
  });

  it('is readable by superadmins only, and not writable through the API', async () => {
    const u = await app.api.user.create({ email: 'plain@test.local', displayName: 'Plain' });
    const plain = app.as({ userId: u.id, superadmin: false, memberships: [] });
    expect((await plain.audit.list({})).items).toEqual([]);
    expect(await app.api.audit.count({})).toBeGreaterThan(0);
    expect('create' in app.api.audit).toBe(false);
  });

  it('hooks enrich data and make founders owners', async () => {
    const u = await app.api.user.create({ email: 'founder@test.local', displayName: 'Founder' });
    const founder = app.as({ userId: u.id, superadmin: false, memberships: [] });
    const org = await founder.organization.create({ name: 'Founded', slug: 'founded' });
    const { rows } = await sql<{
      role: string;
    }>`select role from membership where organization_id = ${org.id}::uuid and user_id = ${u.id}::uuid`.execute(
      app.database.db,
    );
    expect(rows).toEqual([{ role: 'owner' }]);
    const project = await app.api.project.create({ organizationId: org.id, name: 'P' });
    const release = await app.api.release.create({
      projectId: project.id,
      semver: '2.0.0',
      status: 'published',
    });
    expect(release.releasedAt).toBeInstanceOf(Date);
  });
});

describe.each(testEngines())('hooks that reject on %s', (engine) => {
  let database: TestDatabase;
  let services: Services<typeof schema.entities>;
  beforeAll(async () => {
    database = await openTestDatabase(engine, schema);
    const hooks = defineHooks(schema, {
      tag: {
        beforeCreate({ data }) {
          if (data.some((d) => d.label === 'forbidden'))
            throw new CrudError('BAD_REQUEST', 'label is reserved', {
              issues: [{ path: ['label'], message: 'is reserved' }],
            });
          return data.map((d) => ({ ...d, label: d.label.toLowerCase() }));
        },
        async afterCreate({ rows }) {
          if (rows.some((r) => r.label === 'explode-after'))
            throw new CrudError('CONFLICT', 'refused after insert');
        },
        beforeDelete() {
          throw new CrudError('FORBIDDEN', 'tags are forever');
        },
      },
    });
    services = createServices(schema, database, {
      policies: 'unrestricted',
      hooks,
    });
  });
  afterAll(() => database.dispose());

  const tagCount = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from tag`.execute(database.db)).rows[0]!.n;
  const auditCount = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from audit_entry`.execute(database.db)).rows[0]!.n;

  it('a before hook enriches, or rejects with a typed error and nothing is written', async () => {
    const ctx = { db: database.db, caller: null };
    expect((await services.managers.tag.create(ctx, { label: 'MiXeD' })).label).toBe('mixed');
    const [tags, audits] = [await tagCount(), await auditCount()];
    await expect(services.managers.tag.create(ctx, { label: 'forbidden' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      details: { issues: [{ path: ['label'] }] },
    });
    // an after hook that throws rolls back the insert it follows, and its audit record
    await expect(services.managers.tag.create(ctx, { label: 'explode-after' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(
      services.managers.tag.createMany(ctx, [{ label: 'ok-1' }, { label: 'forbidden' }]),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect([await tagCount(), await auditCount()]).toEqual([tags, audits]);
    const t = await services.managers.tag.list(ctx, { limit: 1 });
    await expect(services.managers.tag.delete(ctx, { id: t.items[0]!.id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await tagCount()).toBe(tags);
  });

  it('retries a transaction on a serialization failure or deadlock, a bounded number of times', async () => {
    let attempts = 0;
    const result = await inTransaction(database.db, async (trx) => {
      attempts++;
      await sql`insert into tag (label) values (${`retry-${attempts}`})`.execute(trx);
      if (attempts < 3)
        throw Object.assign(new Error('could not serialize access'), {
          code: attempts === 1 ? '40001' : '40P01',
        });
      return 'done';
    });
    expect([result, attempts]).toEqual(['done', 3]);
    // the two failed attempts were rolled back
    const { rows } = await sql<{
      label: string;
    }>`select label from tag where label like 'retry-%' order by label`.execute(database.db);
    expect(rows.map((r) => r.label)).toEqual(['retry-3']);
    let forever = 0;
    await expect(
      inTransaction(database.db, async () => {
        forever++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      }),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(forever).toBe(4);
  });

  it.runIf(engine === 'postgres')('survives a real deadlock between two transactions', async () => {
    const ctx = { db: database.db, caller: null };
    const a = await services.managers.tag.create(ctx, { label: 'dead-a' });
    const b = await services.managers.tag.create(ctx, { label: 'dead-b' });
    let arrived = 0;
    let release!: () => void;
    const barrier = new Promise<void>((r) => {
      release = r;
    });
    const meet = async () => {
      if (++arrived === 2) release();
      await barrier;
    };
    let attempts = 0;
    const cross = (first: string, second: string) =>
      inTransaction(database.db, async (trx) => {
        attempts++;
        await sql`update tag set color = '#000000' where id = ${first}::uuid`.execute(trx);
        if (attempts <= 2) await meet();
        await sql`update tag set color = '#ffffff' where id = ${second}::uuid`.execute(trx);
      });
    await Promise.all([cross(a.id, b.id), cross(b.id, a.id)]);
    expect(attempts).toBe(3); // one of the two was chosen as the deadlock victim and retried
  });
});
