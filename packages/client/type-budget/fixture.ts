// The fixed client file the type-check budget measures (scripts/check-type-budget.mjs): get and
// list with includes, where and orderBy against the demo router. Change it only together with
// the budget (type-budget.json), since the instantiation count depends on exactly this text.
import type { AppRouter } from '@typecrud/demo/server';
import { createClient } from '../src/index.js';

const api = createClient<AppRouter>({ url: 'http://127.0.0.1:1' });

export async function reads() {
  const project = await api.project.get.query({
    id: 'x',
    include: { organization: true, tags: { orderBy: { label: 'asc' }, limit: 5 } },
  });
  const orgs = await api.organization.list.query({
    where: { OR: [{ name: { contains: 'a', mode: 'insensitive' } }, { slug: 'b' }] },
    orderBy: [{ name: 'asc' }],
    limit: 20,
    include: {
      projects: {
        where: { isPublic: true, tags: { some: { label: 'x' } } },
        orderBy: { name: 'desc' },
        include: { releases: { where: { status: 'published' }, limit: 3 }, tags: true },
      },
    },
  });
  const releases = await api.release.list.query({
    where: { project: { is: { isPublic: true } }, NOT: { status: 'draft' } },
    orderBy: { project: { name: 'asc' } },
    include: { project: { include: { organization: true } } },
  });
  return { project, orgs, releases };
}
