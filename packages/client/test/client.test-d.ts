import type { AppRouter } from '@typecrud/server';
import type { Organization, Project, Tag } from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/index.js';

const api = createClient<AppRouter>({ url: 'http://127.0.0.1:1' });

describe('client types', () => {
  it('shapes a result by its include', () => {
    const plain = api.project.get.query({ id: 'x' });
    expectTypeOf(plain).resolves.toEqualTypeOf<
      import('@typecrud/shared').Result<
        import('@typecrud/shared').AppSchema,
        import('@typecrud/shared').AppSchema['project'],
        Record<never, never>
      >
    >();
    expectTypeOf(plain).resolves.not.toHaveProperty('tags');
    const withTags = api.project.get.query({ id: 'x', include: { tags: true, organization: true } });
    expectTypeOf(withTags).resolves.toHaveProperty('tags').toEqualTypeOf<(Tag & Record<never, never>)[]>();
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
