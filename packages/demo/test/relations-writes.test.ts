import {
  type CrudError,
  createCallerFactory,
  createServices,
  crudProcedures,
  router,
} from '@typecrud/server';
import { openTestDatabase, type TestDatabase, testEngines } from '@typecrud/server/testing';
import { belongsTo, defineEntity, defineSchema, f, hasMany } from '@typecrud/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApp } from './fixtures.js';
import { expectError, missingId, snapshot, tableRows } from './helpers.js';

describe.each(testEngines())('relation writes on %s', (engine) => {
  const app = useApp(engine);
  const s = {} as { orgId: string; tags: string[] };
  const tagsOf = async (projectId: string) => {
    const { rows } = await sql<{
      label: string;
    }>`select t.label from project_tag pt join tag t on t.id = pt.tag_id
      where pt.project_id = ${projectId} order by t.label`.execute(app.database.db);
    return rows.map((r) => r.label);
  };

  beforeAll(async () => {
    const org = await app.api.organization.create({ name: 'Rel', slug: 'rel' });
    const tags = await app.api.tag.createMany(['t0', 't1', 't2', 't3'].map((label) => ({ label })));
    Object.assign(s, { orgId: org.id, tags: tags.ids });
  });

  it('the DDL follows the definitions: delete rules, a generated join table, an index leading with every foreign key', async () => {
    const { rows: fks } = await sql<{ table: string; name: string; column: string; rule: string }>`
      select c.conrelid::regclass::text as table, c.conname as name, a.attname as column, c.confdeltype as rule
      from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype = 'f' and c.connamespace = current_schema()::regnamespace order by 1, 3`.execute(
      app.database.db,
    );
    const rule = (table: string, column: string) =>
      fks.find((r) => r.table === table && r.column === column)?.rule;
    expect(rule('project', 'organization_id')).toBe('c');
    expect(rule('release', 'project_id')).toBe('c');
    expect(rule('profile', 'user_id')).toBe('c');
    expect(rule('project_tag', 'project_id')).toBe('c');
    expect(rule('project_tag', 'tag_id')).toBe('c');
    expect(rule('project', 'created_by')).toBe('n');
    expect(rule('organization', 'updated_by')).toBe('n');
    expect(fks.find((r) => r.table === 'project_tag' && r.column === 'tag_id')?.name).toBe(
      'project_tag_tag_id_fkey',
    );
    const { rows: indexed } = await sql<{ table: string; column: string }>`
      select i.indrelid::regclass::text as table, a.attname as column
      from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]`.execute(
      app.database.db,
    );
    const leads = new Set(indexed.map((r) => `${r.table}.${r.column}`));
    const missing = fks.filter(
      (r) => !['created_by', 'updated_by'].includes(r.column) && !leads.has(`${r.table}.${r.column}`),
    );
    expect(missing).toEqual([]);
    // the one-to-one reference is unique
    const { rows: uniques } = await sql<{
      name: string;
    }>`select conname as name from pg_constraint where contype = 'u' and conrelid = 'profile'::regclass`.execute(
      app.database.db,
    );
    expect(uniques.map((u) => u.name)).toEqual(['profile_user_id_key']);
  });

  it('create connects many-to-many ids in the same call', async () => {
    const [t0, t1] = s.tags as [string, string];
    const p = await app.api.project.create({
      organizationId: s.orgId,
      name: 'C1',
      tags: { connect: [t0, t1, t0] },
    });
    expect(await tagsOf(p.id)).toEqual(['t0', 't1']);
    expect(p.version).toBe(1);
    const many = await app.api.project.createMany([
      { organizationId: s.orgId, name: 'C2', tags: { connect: [t1] } },
      { organizationId: s.orgId, name: 'C3' },
    ]);
    expect(await tagsOf(many.ids[0]!)).toEqual(['t1']);
    expect(await tagsOf(many.ids[1]!)).toEqual([]);
  });

  it('update connects, disconnects and sets, bumping the version once', async () => {
    const [t0, t1, t2, t3] = s.tags as [string, string, string, string];
    const p = await app.api.project.create({ organizationId: s.orgId, name: 'U1', tags: { connect: [t0] } });
    let row = await app.api.project.update({ id: p.id, data: { tags: { connect: [t1, t2] } } });
    expect(await tagsOf(p.id)).toEqual(['t0', 't1', 't2']);
    expect(row.version).toBe(2);
    row = await app.api.project.update({
      id: p.id,
      data: { tags: { disconnect: [t0, t3] } },
      expectedVersion: 2,
    });
    expect(await tagsOf(p.id)).toEqual(['t1', 't2']);
    expect(row.version).toBe(3);
    row = await app.api.project.update({ id: p.id, data: { name: 'U1 renamed', tags: { set: [t2, t3] } } });
    expect(await tagsOf(p.id)).toEqual(['t2', 't3']);
    expect(row).toMatchObject({ name: 'U1 renamed', version: 4 });
    // set, then disconnect, then connect, in that order
    await app.api.project.update({
      id: p.id,
      data: { tags: { set: [t0, t1], disconnect: [t1], connect: [t3] } },
    });
    expect(await tagsOf(p.id)).toEqual(['t0', 't3']);
    await app.api.project.update({ id: p.id, data: { tags: { set: [] } } });
    expect(await tagsOf(p.id)).toEqual([]);
    const got = await app.services.managers.project.get(app.ctx, { id: p.id, include: { tags: true } });
    expect(got.tags).toEqual([]);
    expect(got.version).toBe(6);
  });

  it('a missing id in connect or set writes nothing, not even the other changes', async () => {
    const [t0, t1] = s.tags as [string, string];
    const p = await app.api.project.create({ organizationId: s.orgId, name: 'M1', tags: { connect: [t0] } });
    const before = await snapshot(app.database.db, ['project', 'project_tag']);
    await expectError(
      app.api.project.update({ id: p.id, data: { name: 'changed', tags: { set: [t1, missingId] } } }),
      'BAD_REQUEST',
      'data.tags.set',
    );
    await expectError(
      app.api.project.update({ id: p.id, data: { tags: { disconnect: [t0], connect: [missingId] } } }),
      'BAD_REQUEST',
      'data.tags.connect',
    );
    // the connect procedure: a row the caller cannot find (missing or hidden) is NOT_FOUND
    await expectError(
      app.api.project.connect({ id: p.id, relation: 'tags', ids: [t1, missingId] }),
      'NOT_FOUND',
      'ids',
    );
    await expectError(
      app.services.managers.project.connect(app.ctx, { id: p.id, relation: 'tags', ids: [missingId] }),
      'NOT_FOUND',
      'ids',
    );
    await expectError(
      app.api.project.create({ organizationId: s.orgId, name: 'M2', tags: { connect: [t0, missingId] } }),
      'BAD_REQUEST',
      'tags.connect',
    );
    expect(await snapshot(app.database.db, ['project', 'project_tag'])).toEqual(before);
  });

  it('creates a user with its one-to-one profile in one call', async () => {
    const u = await app.api.user.create({
      email: 'one@example.test',
      displayName: 'One',
      profile: { create: { bio: 'bio', timezone: 'Asia/Tokyo' } },
    });
    const got = await app.services.managers.user.get(app.ctx, { id: u.id, include: { profile: true } });
    expect(got.profile).toMatchObject({ userId: u.id, bio: 'bio', timezone: 'Asia/Tokyo' });
    // defaults apply in the nested create too
    const d = await app.services.managers.user.create(app.ctx, {
      email: 'two@example.test',
      displayName: 'Two',
      profile: { create: {} },
    });
    const gd = await app.services.managers.user.get(app.ctx, { id: d.id, include: { profile: true } });
    expect(gd.profile).toMatchObject({ timezone: 'UTC', bio: null });
    // a second profile for the same user is a conflict on userId
    await expectError(app.api.profile.create({ userId: u.id }), 'CONFLICT', 'userId');
    // an invalid nested child writes neither row
    const before = await snapshot(app.database.db, ['app_user', 'profile']);
    await expectError(
      app.api.user.create({
        email: 'three@example.test',
        displayName: 'Three',
        profile: { create: { timezone: 'x'.repeat(65) } },
      }),
      'BAD_REQUEST',
      'profile.create.timezone',
    );
    await expectError(
      app.api.user.create({
        email: 'one@example.test',
        displayName: 'Dup',
        profile: { create: { bio: 'b' } },
      }),
      'CONFLICT',
      'email',
    );
    expect(await snapshot(app.database.db, ['app_user', 'profile'])).toEqual(before);
  });

  it('deleting a project cascades to its releases and its tag links, not to the tags', async () => {
    const [t0, t1] = s.tags as [string, string];
    const p = await app.api.project.create({
      organizationId: s.orgId,
      name: 'Cascade',
      tags: { connect: [t0, t1] },
    });
    await app.api.release.createMany([
      { projectId: p.id, semver: '1.0.0' },
      { projectId: p.id, semver: '1.1.0' },
    ]);
    const archived = await app.api.release.create({ projectId: p.id, semver: '0.1.0' });
    await app.api.release.archive({ id: archived.id });
    expect(await app.api.release.count({ where: { projectId: p.id }, withArchived: true })).toBe(3);
    await app.api.project.delete({ id: p.id });
    expect(await app.api.release.count({ where: { projectId: p.id }, withArchived: true })).toBe(0);
    expect(await tagsOf(p.id)).toEqual([]);
    expect(await app.api.tag.count({ where: { id: { in: [t0, t1] } } })).toBe(2);
  });

  it('deleting an organization cascades two levels down', async () => {
    const org = await app.api.organization.create({ name: 'Gone', slug: 'gone' });
    const p = await app.api.project.create({
      organizationId: org.id,
      name: 'Gone',
      tags: { connect: [s.tags[2]!] },
    });
    await app.api.release.create({ projectId: p.id, semver: '1.0.0' });
    expect(await app.api.organization.deleteMany({ where: { slug: 'gone' } })).toEqual({ count: 1 });
    expect(await app.api.project.count({ where: { organizationId: org.id }, withArchived: true })).toBe(0);
    expect(await app.api.release.count({ where: { projectId: p.id }, withArchived: true })).toBe(0);
  });

  it('deleting a tag removes its links; deleting a user removes its profile and nulls createdBy', async () => {
    const tag = await app.api.tag.create({ label: 'doomed' });
    const p = await app.api.project.create({
      organizationId: s.orgId,
      name: 'Keeps',
      tags: { connect: [tag.id, s.tags[0]!] },
    });
    await app.api.tag.delete({ id: tag.id });
    expect(await tagsOf(p.id)).toEqual(['t0']);
    const user = await app.services.managers.user.create(app.ctx, {
      email: 'author@example.test',
      displayName: 'Author',
      profile: { create: {} },
    });
    const org = await app.services.managers.organization.create(
      { db: app.database.db, caller: { userId: user.id, superadmin: true, memberships: [] } },
      { name: 'ByAuthor', slug: 'by-author' },
    );
    expect(org.createdBy).toBe(user.id);
    await app.api.user.delete({ id: user.id });
    expect(await app.api.profile.count({ where: { userId: user.id } })).toBe(0);
    const after = await app.api.organization.get({ id: org.id });
    expect(after.createdBy).toBeNull();
    expect(after.updatedBy).toBeNull();
  });
});

// A schema of its own for what the demo domain does not declare: a restricting foreign key and a nullable set-null one.
const author = defineEntity({
  name: 'author',
  traits: ['timestamps', 'archive'],
  fields: { name: f.string({ max: 50 }).filterable().sortable().list() },
  relations: { books: hasMany('book', 'authorId'), notes: hasMany('note', 'authorId') },
});
const book = defineEntity({
  name: 'book',
  traits: ['timestamps'],
  fields: {
    authorId: f.ref('author', { onDelete: 'restrict' }).list(),
    title: f.string().filterable().sortable().list(),
  },
  relations: { author: belongsTo('author', 'authorId') },
});
const note = defineEntity({
  name: 'note',
  traits: ['timestamps'],
  fields: {
    authorId: f.ref('author', { onDelete: 'set null' }).nullable().list(),
    text: f.string().filterable().list(),
  },
  relations: { author: belongsTo('author', 'authorId') },
});
const library = defineSchema({ author, book, note });
const libraryRouter = router({
  author: router(crudProcedures(library, 'author')),
  book: router(crudProcedures(library, 'book')),
  note: router(crudProcedures(library, 'note')),
});
const createLibraryCaller = createCallerFactory(libraryRouter);

describe.each(testEngines())('restrict and set null on %s', (engine) => {
  const state = {} as { database: TestDatabase; api: ReturnType<typeof createLibraryCaller> };
  beforeAll(async () => {
    state.database = await openTestDatabase(engine, library as never);
    const services = createServices(library, state.database, { policies: 'unrestricted' });
    // unrestricted policies; the procedures still want a signed-in caller (this schema has no users table)
    const caller = { userId: '11111111-1111-4111-8111-111111111111', superadmin: false, memberships: [] };
    state.api = createLibraryCaller({ services, db: state.database.db, caller });
  });
  afterAll(async () => {
    await state.database?.dispose();
  });

  it('the DDL follows the definitions', async () => {
    const { rows } = await sql<{
      name: string;
      rule: string;
    }>`select conname as name, confdeltype as rule from pg_constraint
      where contype = 'f' and conrelid in ('book'::regclass, 'note'::regclass) order by conname`.execute(
      state.database.db,
    );
    expect(rows).toEqual([
      { name: 'book_author_id_fkey', rule: 'r' },
      { name: 'note_author_id_fkey', rule: 'n' },
    ]);
  });

  it('deleting a row still referenced through restrict is a clear CONFLICT and deletes nothing', async () => {
    const a = await state.api.author.create({ name: 'Austen' });
    await state.api.book.createMany([
      { authorId: a.id, title: 'Emma' },
      { authorId: a.id, title: 'Persuasion' },
    ]);
    const before = await snapshot(state.database.db, ['author', 'book', 'note']);
    const e = await expectError(state.api.author.delete({ id: a.id }), 'CONFLICT');
    expect(e.message).toContain('still referenced by book');
    expect((e as CrudError).details.fields).toEqual(['authorId']);
    await expectError(state.api.author.deleteMany({ where: { name: 'Austen' } }), 'CONFLICT');
    expect(await snapshot(state.database.db, ['author', 'book', 'note'])).toEqual(before);
    // archiving is still allowed, and the books keep showing their (archived) author
    await state.api.author.archive({ id: a.id });
    const books = await state.api.book.list({ include: { author: true }, orderBy: { title: 'asc' } });
    expect(
      books.items.map((b) => [b.title, (b as unknown as { author: { name: string } }).author.name]),
    ).toEqual([
      ['Emma', 'Austen'],
      ['Persuasion', 'Austen'],
    ]);
    await state.api.author.restore({ id: a.id });
    // once the books are gone, the delete goes through
    expect(await state.api.book.deleteMany({ where: { authorId: a.id } })).toEqual({ count: 2 });
    expect(await state.api.author.delete({ id: a.id })).toEqual({ id: a.id });
  });

  it('set null keeps the referencing rows and clears their reference', async () => {
    const a = await state.api.author.create({ name: 'Woolf' });
    const n = await state.api.note.create({ authorId: a.id, text: 'margin' });
    const orphanBefore = await state.api.note.create({ text: 'loose' });
    expect(orphanBefore.authorId).toBeNull();
    await state.api.author.delete({ id: a.id });
    const after = await state.api.note.get({ id: n.id, include: { author: true } });
    expect(after.authorId).toBeNull();
    expect((after as unknown as { author: unknown }).author).toBeNull();
    expect((await tableRows(state.database.db, 'note')).map((r) => r.text).sort()).toEqual([
      'loose',
      'margin',
    ]);
    // a missing reference on create is BAD_REQUEST naming the field
    await expectError(state.api.note.create({ authorId: missingId, text: 'x' }), 'BAD_REQUEST', 'authorId');
    await expectError(state.api.book.create({ authorId: missingId, title: 'x' }), 'BAD_REQUEST', 'authorId');
  });
});
