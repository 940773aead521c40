import type { Api } from './api.js';

/**
 * Every project of an organization with its releases and tags, page by page with the keyset
 * cursor (no row lost or repeated, however many rows are added meanwhile).
 */
export async function* exportProjects(api: Api, organizationId: string, pageSize = 50) {
  let cursor: string | undefined;
  do {
    const page = await api.project.list.query({
      where: { organizationId },
      orderBy: [{ name: 'asc' }],
      limit: pageSize,
      include: { tags: true, releases: { orderBy: { semver: 'asc' } } },
      ...(cursor ? { cursor } : {}),
    });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
