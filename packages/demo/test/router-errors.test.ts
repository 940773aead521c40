import type { CrudError } from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApp } from './fixtures.js';
import { allTables, expectError, missingId, snapshot } from './helpers.js';

describe.each(testEngines())('router failures on %s', (engine) => {
  const app = useApp(engine);
  const seed = {} as {
    orgId: string;
    otherOrgId: string;
    projectId: string;
    releaseId: string;
    tagIds: string[];
    userId: string;
  };
  const unchanged = async (call: () => Promise<unknown>) => {
    const before = await snapshot(app.database.db, allTables);
    await call();
    expect(await snapshot(app.database.db, allTables)).toEqual(before);
  };

  beforeAll(async () => {
    const org = await app.api.organization.create({ name: 'Acme', slug: 'acme' });
    const other = await app.api.organization.create({ name: 'Other', slug: 'other' });
    const project = await app.api.project.create({ organizationId: org.id, name: 'Rocket' });
    const release = await app.api.release.create({ projectId: project.id, semver: '1.0.0' });
    const tags = await app.api.tag.createMany([{ label: 'a' }, { label: 'b' }]);
    const user = await app.api.user.create({ email: 'ada@example.test', displayName: 'Ada' });
    Object.assign(seed, {
      orgId: org.id,
      otherOrgId: other.id,
      projectId: project.id,
      releaseId: release.id,
      tagIds: tags.ids,
      userId: user.id,
    });
  });

  describe('unknown id is NOT_FOUND', () => {
    it.each([
      ['get', () => app.api.project.get({ id: missingId })],
      ['update', () => app.api.project.update({ id: missingId, data: { name: 'x' } })],
      [
        'update with expectedVersion',
        () => app.api.project.update({ id: missingId, data: { name: 'x' }, expectedVersion: 1 }),
      ],
      ['delete', () => app.api.project.delete({ id: missingId })],
      ['archive', () => app.api.project.archive({ id: missingId })],
      ['restore', () => app.api.project.restore({ id: missingId })],
      ['connect', () => app.api.project.connect({ id: missingId, relation: 'tags', ids: [seed.tagIds[0]!] })],
      [
        'disconnect',
        () => app.api.project.disconnect({ id: missingId, relation: 'tags', ids: [seed.tagIds[0]!] }),
      ],
      ['publish', () => app.api.release.publish({ id: missingId })],
      ['stats', () => app.api.release.stats({ projectId: missingId })],
    ])('%s', async (_name, call) => {
      await unchanged(async () => {
        const e = await expectError(call(), 'NOT_FOUND');
        expect(e.message).toContain(missingId);
      });
    });
  });

  describe('invalid input is BAD_REQUEST naming the field', () => {
    it.each([
      ['blank name', () => app.api.organization.create({ name: '   ', slug: 'blank' }), 'name'],
      ['too long name', () => app.api.organization.create({ name: 'x'.repeat(201), slug: 'long' }), 'name'],
      ['missing name', () => app.api.organization.create({ slug: 'missing' } as never), 'name'],
      ['bad slug pattern', () => app.api.organization.create({ name: 'Bad', slug: 'Bad Slug' }), 'slug'],
      ['bad email', () => app.api.user.create({ email: 'not-an-email', displayName: 'X' }), 'email'],
      [
        'blank display name',
        () => app.api.user.create({ email: 'x@example.test', displayName: '' }),
        'displayName',
      ],
      [
        'bad enum',
        () => app.api.user.create({ email: 'y@example.test', displayName: 'Y', role: 'boss' as never }),
        'role',
      ],
      ['bad semver', () => app.api.release.create({ projectId: seed.projectId, semver: '1.2' }), 'semver'],
      [
        'bad status',
        () =>
          app.api.release.create({ projectId: seed.projectId, semver: '1.2.3', status: 'shipped' as never }),
        'status',
      ],
      [
        'bad uuid reference',
        () => app.api.project.create({ organizationId: 'not-a-uuid', name: 'P' }),
        'organizationId',
      ],
      [
        'too long text',
        () =>
          app.api.project.create({ organizationId: seed.orgId, name: 'P', description: 'd'.repeat(4001) }),
        'description',
      ],
      [
        'wrong type',
        () => app.api.project.create({ organizationId: seed.orgId, name: 'P', isPublic: 'yes' as never }),
        'isPublic',
      ],
      ['bad colour', () => app.api.tag.create({ label: 'c', color: '#12' }), 'color'],
      ['bad uuid in get', () => app.api.project.get({ id: 'nope' }), 'id'],
      ['bad uuid in delete', () => app.api.project.delete({ id: 'nope' }), 'id'],
      [
        'blank name in update',
        () => app.api.project.update({ id: seed.projectId, data: { name: ' ' } }),
        'data.name',
      ],
      ['empty update', () => app.api.project.update({ id: seed.projectId, data: {} }), 'data'],
      [
        'bad expectedVersion',
        () => app.api.project.update({ id: seed.projectId, data: { name: 'n' }, expectedVersion: 0 }),
        'expectedVersion',
      ],
      [
        'unknown field in update',
        () => app.api.project.update({ id: seed.projectId, data: { nmae: 'x' } as never }),
        'data.nmae',
      ],
      [
        'a relation that is not many-to-many in connect (refused by the types too)',
        () =>
          app.api.project.connect({
            id: seed.projectId,
            relation: 'organization' as 'tags',
            ids: [seed.orgId],
          }),
        'relation',
      ],
      [
        'empty ids in connect',
        () => app.api.project.connect({ id: seed.projectId, relation: 'tags', ids: [] }),
        'ids',
      ],
      [
        'bad uuid in connect',
        () => app.api.project.connect({ id: seed.projectId, relation: 'tags', ids: ['x'] }),
        'ids.0',
      ],
      [
        'bad row in createMany',
        () =>
          app.api.project.createMany([
            { organizationId: seed.orgId, name: 'ok' },
            { organizationId: seed.orgId, name: '' },
          ]),
        '1.name',
      ],
      [
        'bad data in updateMany',
        () => app.api.project.updateMany({ where: { name: 'Rocket' }, data: { name: '' } }),
        'data.name',
      ],
      [
        'empty where in updateMany',
        () => app.api.project.updateMany({ where: {}, data: { name: 'n' } }),
        'where',
      ],
      ['empty where in deleteMany', () => app.api.project.deleteMany({ where: {} }), 'where'],
      ['unknown where field', () => app.api.project.list({ where: { nmae: 'x' } as never }), 'where.nmae'],
      [
        'where on a field that is not filterable',
        () => app.api.release.list({ where: { notes: 'x' } as never }),
        'where.notes',
      ],
      [
        'wrong operator for the kind',
        () => app.api.project.list({ where: { isPublic: { contains: 'x' } } as never }),
        'where.isPublic',
      ],
      [
        'wrong value type in where',
        () => app.api.project.list({ where: { name: { eq: 3 } } as never }),
        'where.name',
      ],
      ['bad uuid in where', () => app.api.project.list({ where: { id: 'x' } }), 'where.id'],
      [
        'unknown relation filter op',
        () => app.api.project.list({ where: { tags: { any: {} } } as never }),
        'where.tags.any',
      ],
      [
        'orderBy a field that is not sortable',
        () => app.api.project.list({ orderBy: { description: 'asc' } as never }),
        'orderBy',
      ],
      ['bad order direction', () => app.api.project.list({ orderBy: { name: 'up' } as never }), 'orderBy'],
      [
        'include of an unknown relation',
        () => app.api.project.get({ id: seed.projectId, include: { tagz: true } as never }),
        'include.tagz',
      ],
      ['cursor with offset', () => app.api.project.list({ cursor: 'x.y', offset: 1 }), 'cursor'],
      ['unknown list option', () => app.api.project.list({ select: ['id'] } as never), 'select'],
      [
        'count with an unknown field',
        () => app.api.project.count({ where: { nope: 1 } as never }),
        'where.nope',
      ],
    ])('%s', async (_name, call, path) => {
      await unchanged(() => expectError(call(), 'BAD_REQUEST', path));
    });
  });

  describe('system fields sent by a client are rejected and never stored', () => {
    const systemCreate: [string, unknown][] = [
      ['id', '11111111-1111-4111-8111-111111111111'],
      ['version', 7],
      ['createdAt', new Date('2000-01-01')],
      ['updatedAt', new Date('2000-01-01')],
      ['createdBy', '11111111-1111-4111-8111-111111111111'],
      ['updatedBy', '11111111-1111-4111-8111-111111111111'],
      ['archivedAt', new Date('2000-01-01')],
    ];
    it.each(systemCreate)('create with %s', async (field, value) => {
      await unchanged(() =>
        expectError(
          app.api.organization.create({
            name: 'Sys',
            slug: `sys-${field.toLowerCase()}`,
            [field]: value,
          } as never),
          'BAD_REQUEST',
          field,
        ),
      );
      await unchanged(() =>
        expectError(
          app.api.organization.createMany([{ name: 'Sys', slug: 'sys-many', [field]: value }] as never),
          'BAD_REQUEST',
          `0.${field}`,
        ),
      );
    });
    it.each(systemCreate)('update with %s', async (field, value) => {
      await unchanged(() =>
        expectError(
          app.api.organization.update({ id: seed.orgId, data: { [field]: value } } as never),
          'BAD_REQUEST',
          `data.${field}`,
        ),
      );
      await unchanged(() =>
        expectError(
          app.api.organization.updateMany({ where: { id: seed.orgId }, data: { [field]: value } } as never),
          'BAD_REQUEST',
          `data.${field}`,
        ),
      );
    });
    it('a nested one-to-one create cannot set system fields nor its own reference', async () => {
      await unchanged(() =>
        expectError(
          app.api.user.create({
            email: 'n@example.test',
            displayName: 'N',
            profile: { create: { version: 3 } },
          } as never),
          'BAD_REQUEST',
          'profile.create.version',
        ),
      );
      await unchanged(() =>
        expectError(
          app.api.user.create({
            email: 'n@example.test',
            displayName: 'N',
            profile: { create: { userId: seed.userId } },
          } as never),
          'BAD_REQUEST',
          'profile.create.userId',
        ),
      );
    });
  });

  describe('duplicate unique values are CONFLICT naming the fields', () => {
    it('organization slug', async () => {
      await unchanged(async () => {
        const e = await expectError(
          app.api.organization.create({ name: 'Again', slug: 'acme' }),
          'CONFLICT',
          'slug',
        );
        expect(e.message).toContain('slug');
        expect((e as CrudError).details.fields).toEqual(['slug']);
      });
    });
    it('user email, whatever its case', async () => {
      await unchanged(async () => {
        const e = await expectError(
          app.api.user.create({ email: 'ADA@example.test', displayName: 'Ada 2' }),
          'CONFLICT',
          'email',
        );
        expect(e.message).toContain('email');
      });
    });
    it('project organizationId + name', async () => {
      await unchanged(async () => {
        const e = await expectError(
          app.api.project.create({ organizationId: seed.orgId, name: 'Rocket' }),
          'CONFLICT',
        );
        expect((e as CrudError).details.fields).toEqual(['organizationId', 'name']);
        expect(e.message).toContain('organizationId + name');
      });
      // the same name in another organization is fine
      const elsewhere = await app.api.project.create({ organizationId: seed.otherOrgId, name: 'Rocket' });
      await app.api.project.delete({ id: elsewhere.id });
    });
    it('an update onto a taken value', async () => {
      await unchanged(() =>
        expectError(
          app.api.organization.update({ id: seed.otherOrgId, data: { slug: 'acme' } }),
          'CONFLICT',
          'slug',
        ),
      );
    });
    it('a duplicate inside one createMany inserts nothing', async () => {
      await unchanged(() =>
        expectError(
          app.api.tag.createMany([{ label: 'fresh-1' }, { label: 'fresh-2' }, { label: 'fresh-1' }]),
          'CONFLICT',
          'label',
        ),
      );
    });
  });

  describe('a reference to a missing row is BAD_REQUEST naming the field', () => {
    it('on create', async () => {
      await unchanged(async () => {
        const e = await expectError(
          app.api.project.create({ organizationId: missingId, name: 'Orphan' }),
          'BAD_REQUEST',
          'organizationId',
        );
        expect(e.message).toContain('organizationId');
      });
      await unchanged(() =>
        expectError(
          app.api.release.create({ projectId: missingId, semver: '1.0.0' }),
          'BAD_REQUEST',
          'projectId',
        ),
      );
    });
    it('on update', async () => {
      await unchanged(() =>
        expectError(
          // organizationId is immutable: not part of the update type, refused by name at run time
          // @ts-expect-error
          app.api.project.update({ id: seed.projectId, data: { organizationId: missingId } }),
          'BAD_REQUEST',
          'data.organizationId',
        ),
      );
    });
    it('one bad reference among many in createMany inserts nothing', async () => {
      await unchanged(() =>
        expectError(
          app.api.release.createMany([
            { projectId: seed.projectId, semver: '3.0.0' },
            { projectId: seed.projectId, semver: '3.0.1' },
            { projectId: missingId, semver: '3.0.2' },
          ]),
          'BAD_REQUEST',
          'projectId',
        ),
      );
    });
  });

  describe('optimistic concurrency', () => {
    it('a stale expectedVersion is CONFLICT and changes nothing', async () => {
      const p = await app.api.project.create({ organizationId: seed.orgId, name: 'Versioned' });
      const v2 = await app.api.project.update({
        id: p.id,
        data: { description: 'first' },
        expectedVersion: 1,
      });
      expect(v2.version).toBe(2);
      await unchanged(async () => {
        const e = await expectError(
          app.api.project.update({ id: p.id, data: { description: 'second' }, expectedVersion: 1 }),
          'CONFLICT',
          'version',
        );
        expect((e as CrudError).details.currentVersion).toBe(2);
      });
      // nested relation writes roll back with it
      await unchanged(() =>
        expectError(
          app.api.project.update({
            id: p.id,
            data: { name: 'Renamed', tags: { set: seed.tagIds } },
            expectedVersion: 1,
          }),
          'CONFLICT',
        ),
      );
      await unchanged(() =>
        expectError(
          app.services.managers.project.update(app.ctx, {
            id: p.id,
            data: { name: 'Renamed' },
            expectedVersion: 5,
          }),
          'CONFLICT',
        ),
      );
      expect((await app.api.project.get({ id: p.id })).description).toBe('first');
      const v3 = await app.api.project.update({
        id: p.id,
        data: { description: 'third' },
        expectedVersion: 2,
      });
      expect(v3.version).toBe(3);
    });
    it('a delete with a stale expectedVersion is CONFLICT and deletes nothing; the current one deletes', async () => {
      const p = await app.api.project.create({ organizationId: seed.orgId, name: 'Versioned delete' });
      await app.api.project.update({ id: p.id, data: { description: 'v2' }, expectedVersion: 1 });
      await unchanged(async () => {
        const e = await expectError(
          app.api.project.delete({ id: p.id, expectedVersion: 1 }),
          'CONFLICT',
          'version',
        );
        expect((e as CrudError).details.currentVersion).toBe(2);
      });
      expect(await app.api.project.delete({ id: p.id, expectedVersion: 2 })).toEqual({ id: p.id });
      await expectError(app.api.project.get({ id: p.id }), 'NOT_FOUND');
      // a missing row stays NOT_FOUND with a version too
      await expectError(app.api.project.delete({ id: missingId, expectedVersion: 1 }), 'NOT_FOUND');
      // an entity with a beforeDelete hook (membership): the locked rows carry the version condition too
      const m = await app.api.membership.create({
        organizationId: seed.otherOrgId,
        userId: seed.userId,
        role: 'member',
      });
      await unchanged(async () => {
        const e = await expectError(
          app.api.membership.delete({ id: m.id, expectedVersion: m.version + 1 }),
          'CONFLICT',
        );
        expect((e as CrudError).details.currentVersion).toBe(m.version);
      });
      expect(await app.api.membership.delete({ id: m.id, expectedVersion: m.version })).toEqual({ id: m.id });
      // archive takes no version: the DTO refuses it by name
      await expectError(
        app.api.project.archive({ id: seed.projectId, expectedVersion: 1 } as never),
        'BAD_REQUEST',
        'expectedVersion',
      );
    });
    it('of two concurrent updates from the same version, exactly one wins', async () => {
      const p = await app.api.project.create({ organizationId: seed.orgId, name: 'Race' });
      const results = await Promise.allSettled(
        ['left', 'right', 'middle'].map((d) =>
          app.api.project.update({ id: p.id, data: { description: d }, expectedVersion: 1 }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => (r.reason as CrudError).code)).toEqual(['CONFLICT', 'CONFLICT']);
      const now = await app.api.project.get({ id: p.id });
      expect(now.version).toBe(2);
      expect(now.description).toBe(
        (won[0] as PromiseFulfilledResult<{ description: string }>).value.description,
      );
    });

    it('publish with a stale version is CONFLICT and leaves the draft', async () => {
      const r = await app.api.release.create({ projectId: seed.projectId, semver: '4.0.0' });
      await app.api.release.update({ id: r.id, data: { notes: 'changed' } });
      await unchanged(() =>
        expectError(app.api.release.publish({ id: r.id, expectedVersion: 1 }), 'CONFLICT'),
      );
      expect((await app.api.release.get({ id: r.id })).status).toBe('draft');
    });
  });

  describe('archived rows are hidden', () => {
    it('from get, list, count and publish unless asked for', async () => {
      const r = await app.api.release.create({ projectId: seed.projectId, semver: '5.0.0' });
      await app.api.release.archive({ id: r.id });
      await expectError(app.api.release.get({ id: r.id }), 'NOT_FOUND');
      await expectError(app.api.release.publish({ id: r.id }), 'NOT_FOUND');
      expect((await app.api.release.list({ where: { semver: '5.0.0' } })).items).toEqual([]);
      expect((await app.api.release.list({ where: { semver: '5.0.0' }, withTotal: true })).total).toBe(0);
      expect(await app.api.release.count({ where: { semver: '5.0.0' } })).toBe(0);
      expect(await app.api.release.count({ where: { semver: '5.0.0' }, withArchived: true })).toBe(1);
      expect((await app.api.release.get({ id: r.id, withArchived: true })).id).toBe(r.id);
      // updateMany / deleteMany do not touch archived rows
      expect(await app.api.release.updateMany({ where: { semver: '5.0.0' }, data: { notes: 'x' } })).toEqual({
        count: 0,
      });
      expect(await app.api.release.deleteMany({ where: { semver: '5.0.0' } })).toEqual({ count: 0 });
      expect(await app.api.release.count({ where: { semver: '5.0.0' }, withArchived: true })).toBe(1);
    });
  });

  describe('limits', () => {
    it('limit above the maximum or below 1', async () => {
      await expectError(app.api.project.list({ limit: 101 }), 'BAD_REQUEST', 'limit');
      await expectError(app.api.project.list({ limit: 0 }), 'BAD_REQUEST', 'limit');
      await expectError(app.api.project.list({ limit: 1.5 }), 'BAD_REQUEST', 'limit');
      expect((await app.api.project.list({ limit: 100 })).items.length).toBeGreaterThan(0);
    });
    it('offset too large', async () => {
      await expectError(app.api.project.list({ offset: 100_001 }), 'BAD_REQUEST', 'offset');
      await expectError(app.api.project.list({ offset: -1 }), 'BAD_REQUEST', 'offset');
    });
    it('createMany above maxBatch inserts nothing', async () => {
      const rows = Array.from({ length: 1001 }, (_, i) => ({ label: `over-${i}` }));
      await unchanged(async () => {
        const e = await expectError(app.api.tag.createMany(rows), 'BAD_REQUEST');
        expect(e.message).toContain('at most 1000');
      });
      await expectError(app.api.tag.createMany([]), 'BAD_REQUEST');
    });
    it('an in-list of more than 1000 values', async () => {
      const ids = Array.from({ length: 1001 }, () => missingId);
      await expectError(app.api.project.list({ where: { id: { in: ids } } }), 'BAD_REQUEST', 'where.id');
      await expectError(app.api.project.count({ where: { id: { notIn: ids } } }), 'BAD_REQUEST', 'where.id');
      expect((await app.api.project.list({ where: { id: { in: ids.slice(0, 1000) } } })).items).toEqual([]);
    });
    it('where nested too deep', async () => {
      let where: Record<string, unknown> = { name: 'x' };
      for (let i = 0; i < 6; i++) where = { NOT: where };
      const e = await expectError(app.api.project.list({ where } as never), 'BAD_REQUEST');
      expect(e.message).toContain('deeper than');
      let ok: Record<string, unknown> = { name: 'x' };
      for (let i = 0; i < 4; i++) ok = { NOT: ok };
      await app.api.project.list({ where: ok } as never);
      // relation filters count towards the depth too
      const relational = {
        releases: {
          some: {
            project: { is: { releases: { some: { project: { is: { tags: { some: { label: 'a' } } } } } } } },
          },
        },
      };
      await expectError(app.api.project.list({ where: relational } as never), 'BAD_REQUEST');
    });
    it('include nested too deep', async () => {
      const four = {
        releases: { include: { project: { include: { organization: { include: { projects: true } } } } } },
      };
      const e = await expectError(
        app.api.project.get({ id: seed.projectId, include: four } as never),
        'BAD_REQUEST',
      );
      expect(e.message).toContain('deeper than 3');
      const three = { releases: { include: { project: { include: { organization: true } } } } };
      await app.api.project.get({ id: seed.projectId, include: three });
      await expectError(
        app.services.managers.project.get(app.ctx, { id: seed.projectId, include: four } as never),
        'BAD_REQUEST',
        'include',
      );
    });
    it('too many order fields', async () => {
      const orderBy = [
        { name: 'asc' },
        { createdAt: 'asc' },
        { updatedAt: 'asc' },
        { isPublic: 'asc' },
        { id: 'asc' },
        { archivedAt: 'asc' },
      ];
      await expectError(app.api.project.list({ orderBy } as never), 'BAD_REQUEST', 'orderBy');
    });
    it('updateMany / deleteMany touching more than maxBatch rows roll back', async () => {
      await app.api.tag.createMany(
        Array.from({ length: 1000 }, (_, i) => ({ label: `bulk-${String(i).padStart(4, '0')}` })),
      );
      await app.api.tag.createMany([{ label: 'bulk-1000' }]);
      await unchanged(async () => {
        const e = await expectError(
          app.api.tag.updateMany({ where: { label: { startsWith: 'bulk-' } }, data: { color: '#000000' } }),
          'BAD_REQUEST',
          'where',
        );
        expect(e.message).toContain('at most 1000');
      });
      await unchanged(() =>
        expectError(
          app.api.tag.deleteMany({ where: { label: { startsWith: 'bulk-' } } }),
          'BAD_REQUEST',
          'where',
        ),
      );
      // directly through the manager (its own transaction) too
      await unchanged(() =>
        expectError(
          app.services.managers.tag.deleteMany(app.ctx, { where: { label: { startsWith: 'bulk-' } } }),
          'BAD_REQUEST',
          'where',
        ),
      );
      // exactly maxBatch is allowed
      expect(await app.api.tag.deleteMany({ where: { label: { startsWith: 'bulk-0' } } })).toEqual({
        count: 1000,
      });
      expect(await app.api.tag.deleteMany({ where: { label: 'bulk-1000' } })).toEqual({ count: 1 });
    });
  });

  describe('many-to-many writes', () => {
    it('connecting a missing id is NOT_FOUND (connect) or BAD_REQUEST (nested) and writes nothing', async () => {
      await unchanged(() =>
        expectError(
          app.api.project.connect({
            id: seed.projectId,
            relation: 'tags',
            ids: [seed.tagIds[0]!, missingId],
          }),
          'NOT_FOUND',
          'ids',
        ),
      );
      await unchanged(() =>
        expectError(
          app.api.project.update({ id: seed.projectId, data: { tags: { connect: [missingId] } } }),
          'BAD_REQUEST',
          'data.tags.connect',
        ),
      );
      await unchanged(() =>
        expectError(
          app.api.project.update({
            id: seed.projectId,
            data: { tags: { set: [seed.tagIds[1]!, missingId] } },
          }),
          'BAD_REQUEST',
          'data.tags.set',
        ),
      );
      await unchanged(() =>
        expectError(
          app.api.project.create({
            organizationId: seed.orgId,
            name: 'Tagged',
            tags: { connect: [missingId] },
          }),
          'BAD_REQUEST',
          'tags.connect',
        ),
      );
      await unchanged(() =>
        expectError(
          app.api.project.createMany([
            { organizationId: seed.orgId, name: 'T1', tags: { connect: [seed.tagIds[0]!] } },
            { organizationId: seed.orgId, name: 'T2', tags: { connect: [missingId] } },
          ]),
          'BAD_REQUEST',
          '1.tags.connect',
        ),
      );
    });
  });

  describe('errors never leak SQL', () => {
    it('database errors are mapped with a plain message', async () => {
      const e = await expectError(
        app.api.project.create({ organizationId: missingId, name: 'Leak' }),
        'BAD_REQUEST',
      );
      expect(e.message).not.toMatch(/insert|select|violates/i);
    });
  });
});
