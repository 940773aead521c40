import type { ListQuery, OrderBy, Row, SearchKeys, Where } from '@typecrud/shared';
import { defineEntity, f } from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type { AppSchema } from '../src/index.js';
import type { Api } from './fixtures.js';

type P = AppSchema['project'];
type T = AppSchema['tag'];

describe('full-text search types', () => {
  it('the project declares its searched fields; the tag none', () => {
    expectTypeOf<SearchKeys<P>>().toEqualTypeOf<'name' | 'description'>();
    expectTypeOf<SearchKeys<T>>().toEqualTypeOf<never>();
  });

  it('search is a where key only on entities that declare search, at every level', () => {
    const ok: Where<AppSchema, P> = { search: 'rocket -draft', AND: [{ search: '"launch pad"' }] };
    const nested: Where<AppSchema, AppSchema['release']> = { project: { is: { search: 'moon' } } };
    const some: Where<AppSchema, AppSchema['organization']> = { projects: { some: { search: 'x' } } };
    // @ts-expect-error tag declares no search
    const bad: Where<AppSchema, T> = { search: 'x' };
    // @ts-expect-error the search is a string
    const notString: Where<AppSchema, P> = { search: 3 };
    // @ts-expect-error release declares no search, even inside a relation filter
    const badNested: Where<AppSchema, AppSchema['project']> = { releases: { some: { search: 'x' } } };
    expectTypeOf(ok).toBeObject();
    expectTypeOf(nested).toBeObject();
    expectTypeOf(some).toBeObject();
    expectTypeOf(bad).toBeObject();
    expectTypeOf(notString).toBeObject();
    expectTypeOf(badNested).toBeObject();
  });

  it('orderBy _relevance only on entities that declare search', () => {
    const ok: OrderBy<AppSchema, P> = { _relevance: { search: 'rocket', dir: 'desc' } };
    const viaParent: OrderBy<AppSchema, AppSchema['release']> = { project: { _relevance: { search: 'x' } } };
    // @ts-expect-error tag declares no search
    const bad: OrderBy<AppSchema, T> = { _relevance: { search: 'x' } };
    // @ts-expect-error _relevance needs its search
    const noSearch: OrderBy<AppSchema, P> = { _relevance: { dir: 'asc' } };
    const q: ListQuery<AppSchema, P> = {
      where: { search: 'x' },
      orderBy: [{ _relevance: { search: 'x' } }, { name: 'asc' }],
    };
    expectTypeOf(ok).toBeObject();
    expectTypeOf(viaParent).toBeObject();
    expectTypeOf(bad).toBeObject();
    expectTypeOf(noSearch).toBeObject();
    expectTypeOf(q).toBeObject();
  });

  it('the search column is not a field: not in rows, not in the API input', () => {
    expectTypeOf<Row<P>>().not.toHaveProperty('search');
    expectTypeOf<Row<P>>().not.toHaveProperty('searchVector');
    const api = {} as Api;
    const call = () => api.project.list({ where: { search: 'x' }, orderBy: { _relevance: { search: 'x' } } });
    // @ts-expect-error tag declares no search: the API input refuses it
    const bad = () => api.tag.list({ where: { search: 'x' } });
    // @ts-expect-error nor does project take the column as a field
    const column = () => api.project.list({ where: { searchVector: 'x' } });
    expectTypeOf(call).toBeFunction();
    expectTypeOf(bad).toBeFunction();
    expectTypeOf(column).toBeFunction();
  });

  it('defineEntity accepts only text fields that are not hidden', () => {
    const fields = {
      title: f.string({ max: 10 }),
      body: f.text().nullable(),
      mail: f.email(),
      count: f.int(),
      secret: f.string({ max: 10 }).hidden(),
    };
    const doc = defineEntity({ name: 'doc', fields, search: ['title', 'body', 'mail'] });
    expectTypeOf<SearchKeys<typeof doc>>().toEqualTypeOf<'title' | 'body' | 'mail'>();
    // @ts-expect-error an int field is not searchable
    defineEntity({ name: 'doc', fields, search: ['count'] });
    // @ts-expect-error a hidden field is not searchable
    defineEntity({ name: 'doc', fields, search: ['secret'] });
    // @ts-expect-error not a field
    defineEntity({ name: 'doc', fields, search: ['nope'] });
  });
});
