import type { Organization, Release } from '@typecrud/demo';
import type { AppRouter } from '@typecrud/demo/server';
import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/index.js';

const api = createClient<AppRouter>({ url: 'http://127.0.0.1:1' });
declare const b: boolean;

describe('include args are checked as exactly as a top-level query', () => {
  it('refuses an unknown field in an include where, at any depth and in get', () => {
    // @ts-expect-error unknown field in an include's where (depth 1)
    api.project.list.query({ include: { releases: { where: { nope: 1 } } } });
    // @ts-expect-error unknown field inside OR of an include's where
    api.project.list.query({ include: { releases: { where: { OR: [{ nope: 1 }] } } } });
    // @ts-expect-error unknown field in the where of an include inside an include (depth 2)
    api.organization.list.query({ include: { projects: { include: { releases: { where: { nope: 1 } } } } } });
    // @ts-expect-error unknown field in get's include where
    api.project.get.query({ id: 'x', include: { releases: { where: { nope: 1 } } } });
    // @ts-expect-error unknown operator in an include where
    api.project.list.query({ include: { releases: { where: { semver: { eq: '1', nope: 1 } } } } });
    // @ts-expect-error unknown key in the include args
    api.project.list.query({ include: { releases: { nope: true } } });
    // @ts-expect-error a field that is not sortable in an include orderBy
    api.organization.list.query({ include: { projects: { orderBy: { description: 'asc' } } } });
    // @ts-expect-error unknown relation in a nested include
    api.organization.list.query({ include: { projects: { include: { tagz: true } } } });
  });

  it('still accepts valid include args and shapes the result', async () => {
    const page = await api.organization.list.query({
      include: {
        projects: {
          where: { OR: [{ name: 'a' }, { tags: { some: { label: 'x' } } }], isPublic: true },
          orderBy: [{ name: 'asc' }],
          limit: 3,
          include: { releases: { where: { status: { in: ['published'] } } }, organization: true },
        },
      },
    });
    expectTypeOf(page.items[0]!.projects[0]!.releases).toEqualTypeOf<Release[]>();
    expectTypeOf(page.items[0]!.projects[0]!.organization!.slug).toEqualTypeOf<string>();
  });
});

describe('a boolean variable as include value', () => {
  it('makes the relation optional', async () => {
    const project = await api.project.get.query({ id: 'x', include: { organization: b, releases: b } });
    // the property is optional: present (maybe null) or absent
    expectTypeOf<Pick<typeof project, 'organization' | 'releases'>>().toEqualTypeOf<{
      organization?: Organization | null;
      releases?: Release[];
    }>();
    const always = await api.project.get.query({ id: 'x', include: { organization: true, releases: false } });
    expectTypeOf(always).toHaveProperty('organization');
    expectTypeOf(always).not.toHaveProperty('releases');
  });
});

describe('to-one include args', () => {
  it('refuse limit and orderBy', () => {
    // @ts-expect-error limit on a to-one include
    api.project.list.query({ include: { organization: { limit: 1 } } });
    // @ts-expect-error orderBy on a to-one include
    api.release.get.query({ id: 'x', include: { project: { orderBy: { name: 'asc' } } } });
    // where, include and withArchived stay
    api.release.list.query({ include: { project: { where: { isPublic: true }, include: { tags: true } } } });
  });
});

describe('connect names a many-to-many relation', () => {
  it('refuses a relation that is not many-to-many', () => {
    api.project.connect.mutate({ id: 'x', relation: 'tags', ids: ['y'] });
    // @ts-expect-error releases is a has-many relation
    api.project.connect.mutate({ id: 'x', relation: 'releases', ids: ['y'] });
    // @ts-expect-error not a relation at all
    api.project.disconnect.mutate({ id: 'x', relation: 'nope', ids: ['y'] });
  });
});
