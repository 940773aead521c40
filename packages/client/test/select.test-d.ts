import type { AppSchema } from '@typecrud/demo';
import type { AppRouter } from '@typecrud/demo/server';
import type { Row } from '@typecrud/shared';
import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/index.js';

const api = createClient<AppRouter>({ url: 'http://127.0.0.1:1' });
type S = AppSchema;

describe('client reads shaped by select / omit / _count', () => {
  it('select and omit shape get and list', async () => {
    const row = await api.project.get.query({
      id: 'x',
      select: { id: true, name: true, tags: { select: { label: true } } },
    });
    expectTypeOf(row).toEqualTypeOf<{ id: string; name: string; tags: { label: string }[] }>();
    const page = await api.release.list.query({ omit: { notes: true }, distinct: ['status'] });
    expectTypeOf(page.items[0]!).toEqualTypeOf<Omit<Row<S['release']>, 'notes'>>();
  });

  it('_count is typed', async () => {
    const row = await api.organization.get.query({ id: 'x', include: { _count: { projects: true } } });
    expectTypeOf(row._count).toEqualTypeOf<{ projects: number }>();
    expectTypeOf(row.slug).toEqualTypeOf<string>();
  });

  it('misuse does not compile', () => {
    // @ts-expect-error a hidden field
    void api.user.get.query({ id: 'x', select: { passwordHash: true } });
    // @ts-expect-error an unknown field
    void api.project.list.query({ select: { bogus: true } });
    // @ts-expect-error select and omit together
    void api.project.get.query({ id: 'x', select: { name: true }, omit: { description: true } });
  });
});
