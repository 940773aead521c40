import type { Organization, Project, Tag } from '@typecrud/demo';
import type { AppRouter } from '@typecrud/demo/server';
import type { ChangeAction } from '@typecrud/server';
import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/index.js';

const api = createClient<AppRouter>({ url: 'http://127.0.0.1:1' });

describe('client types', () => {
  it('shapes a result by its include', () => {
    const plain = api.project.get.query({ id: 'x' });
    expectTypeOf(plain).resolves.toEqualTypeOf<
      import('@typecrud/shared').Result<
        import('@typecrud/demo').AppSchema,
        import('@typecrud/demo').AppSchema['project'],
        Record<never, never>
      >
    >();
    expectTypeOf(plain).resolves.not.toHaveProperty('tags');
    const withTags = api.project.get.query({ id: 'x', include: { tags: true, organization: true } });
    expectTypeOf(withTags).resolves.toHaveProperty('tags').toEqualTypeOf<Tag[]>();
    type R = Awaited<typeof withTags>;
    expectTypeOf<R['tags'][number]['label']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<R['organization']>['slug']>().toEqualTypeOf<string>();
    expectTypeOf<R['organization']>().toBeNullable();
    expectTypeOf<R['name']>().toEqualTypeOf<Project['name']>();
  });

  it('nests includes', async () => {
    const page = await api.organization.list.query({
      include: { projects: { include: { releases: { where: { status: 'published' } }, tags: true } } },
    });
    expectTypeOf(page.items[0]!.projects[0]!.releases[0]!.releasedAt).toEqualTypeOf<Date | null>();
    expectTypeOf(page.items[0]!.projects[0]!.releases[0]!.downloads).toEqualTypeOf<bigint>();
    expectTypeOf(page.items[0]!.name).toEqualTypeOf<Organization['name']>();
    expectTypeOf(page.nextCursor).toEqualTypeOf<string | null>();
  });

  it('types aggregate and groupBy results exactly', async () => {
    const totals = await api.release.aggregate.query({ _count: true, _sum: { downloads: true } });
    expectTypeOf(totals).toEqualTypeOf<{ _count: number; _sum: { downloads: bigint | null } }>();
    const groups = await api.release.groupBy.query({ by: ['status'], _max: { releasedAt: true } });
    expectTypeOf(groups[0]!.status).toEqualTypeOf<'draft' | 'scheduled' | 'published' | 'withdrawn'>();
    expectTypeOf(groups[0]!._max).toEqualTypeOf<{ releasedAt: Date | null }>();
    // @ts-expect-error semver is a string: no sum
    api.release.aggregate.query({ _sum: { semver: true } });
    // @ts-expect-error an unknown by field
    api.release.groupBy.query({ by: ['unknownField'] });
    // the read-only audit router has no aggregates
    expectTypeOf(api.audit).not.toHaveProperty('aggregate');
  });

  it('rejects misuse at compile time', () => {
    // @ts-expect-error unknown field in where
    api.project.list.query({ where: { nmae: 'x' } });
    // @ts-expect-error wrong operator for a boolean
    api.project.list.query({ where: { isPublic: { contains: 'x' } } });
    // @ts-expect-error wrong value type
    api.project.list.query({ where: { name: { eq: 3 } } });
    // @ts-expect-error a field that is not sortable
    api.project.list.query({ orderBy: { description: 'asc' } });
    // @ts-expect-error an unknown relation in include
    api.project.get.query({ id: 'x', include: { tagz: true } });
    // @ts-expect-error an unknown relation beside a known one
    api.project.get.query({ id: 'x', include: { tags: true, tagz: true } });
    // @ts-expect-error system field on create
    api.project.create.mutate({ organizationId: 'x', name: 'n', id: 'x' });
    // @ts-expect-error missing required field
    api.project.create.mutate({ name: 'n' });
    // @ts-expect-error wrong type in update
    api.project.update.mutate({ id: 'x', data: { isPublic: 'yes' } });
    // @ts-expect-error enum value outside the set
    api.release.update.mutate({ id: 'x', data: { status: 'shipped' } });
  });

  it('upsert takes one unique key of the entity; nested writes only on relations', () => {
    const tag = api.tag.upsert.mutate({
      where: { label: 'x' },
      create: { label: 'x' },
      update: { color: '#000000' },
    });
    expectTypeOf(tag).resolves.toEqualTypeOf<Tag>();
    api.project.upsert.mutate({
      where: { organizationId: 'o', name: 'n' },
      create: { organizationId: 'o', name: 'n' },
      update: { description: 'd' },
    });
    api.tag.upsert.mutate({
      // @ts-expect-error a field that is not unique
      where: { color: '#000000' },
      create: { label: 'x' },
      update: { color: '#000000' },
    });
    api.project.upsert.mutate({
      // @ts-expect-error half of a multi-column key
      where: { name: 'n' },
      create: { organizationId: 'o', name: 'n' },
      update: { description: 'd' },
    });
    api.project.create.mutate({
      organizationId: 'o',
      name: 'n',
      releases: { create: [{ semver: '1.0.0' }] },
      tags: { connectOrCreate: [{ where: { label: 'x' }, create: { label: 'x' } }] },
    });
    // @ts-expect-error a nested create of a field that is not a relation
    api.project.create.mutate({ organizationId: 'o', name: 'n', description: { create: [] } });
    expectTypeOf(
      api.tag.createMany.mutate({ data: [{ label: 'x' }], skipDuplicates: true }),
    ).resolves.toEqualTypeOf<{
      count: number;
      ids: string[];
    }>();
    // @ts-expect-error the audit log has no upsert
    api.audit.upsert.mutate({});
  });

  it('keeps custom procedures typed', () => {
    expectTypeOf(api.release.publish.mutate)
      .parameter(0)
      .toEqualTypeOf<{ id: string; expectedVersion?: number | undefined }>();
  });
});

describe('procedures that cannot apply do not exist', () => {
  it('has archive only with the archive trait, connect only with a many-to-many relation', () => {
    expectTypeOf(api.project).toHaveProperty('archive');
    expectTypeOf(api.project).toHaveProperty('connect');
    // @ts-expect-error tag has no archive trait
    api.tag.archive.mutate({ id: 'x' });
    // @ts-expect-error release has no many-to-many relation
    api.release.connect.mutate({ id: 'x', relation: 'tags', ids: [] });
    // @ts-expect-error the audit log is read-only through the API
    api.audit.create.mutate({});
  });
});

describe('onChange subscriptions', () => {
  it('types the where by the entity, and the events by its row', () => {
    api.project.onChange.subscribe(
      { where: { name: { startsWith: 'R' } }, ids: ['x'], lastEventId: '1' },
      {
        onData(event) {
          expectTypeOf(event.id).toEqualTypeOf<string>();
          expectTypeOf(event.data.removed).toEqualTypeOf<boolean>();
          expectTypeOf(event.data.row).toEqualTypeOf<Project | null>();
          expectTypeOf(event.data.action).toEqualTypeOf<ChangeAction>();
          expectTypeOf(event.data.changedFields).toEqualTypeOf<readonly string[]>();
        },
      },
    );
    // @ts-expect-error releasedAt is not a field of project
    api.project.onChange.subscribe({ where: { releasedAt: { lt: new Date() } } }, {});
    // @ts-expect-error ids are strings
    api.project.onChange.subscribe({ ids: [1] }, {});
  });
});
