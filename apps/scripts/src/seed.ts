import type { Api } from './api.js';

export interface SeedOptions {
  /** The organization's slug; reused when it exists. */
  slug: string;
  projects: number;
  releasesPerProject: number;
  onProgress?: (done: number) => void;
}

export interface SeedResult {
  organizationId: string;
  createdProjects: number;
  createdReleases: number;
}

/**
 * Seeds an organization with projects, tags and releases through the API, as the signed-in
 * user. Idempotent per project name: projects that exist are left as they are.
 */
export async function seedThroughApi(api: Api, options: SeedOptions): Promise<SeedResult> {
  const found = await api.organization.list.query({ where: { slug: options.slug }, limit: 1 });
  const org =
    found.items[0] ??
    (await api.organization.create.mutate({
      name: options.slug.replace(/(^|-)(\w)/g, (_m, s, c) => `${s ? ' ' : ''}${c.toUpperCase()}`),
      slug: options.slug,
    }));
  const tagLabels = ['api', 'web', 'mobile'];
  const existingTags = await api.tag.list.query({ where: { label: { in: tagLabels } }, limit: 10 });
  const missing = tagLabels.filter((l) => !existingTags.items.some((t) => t.label === l));
  const tagIds = [
    ...existingTags.items.map((t) => t.id),
    ...(missing.length ? (await api.tag.createMany.mutate(missing.map((label) => ({ label })))).ids : []),
  ];
  let createdProjects = 0;
  let createdReleases = 0;
  for (let i = 1; i <= options.projects; i++) {
    const name = `Project ${String(i).padStart(3, '0')}`;
    const exists = await api.project.count.query({ where: { organizationId: org.id, name } });
    if (!exists) {
      const project = await api.project.create.mutate({
        organizationId: org.id,
        name,
        description: `Seeded by the scripts app (${i} of ${options.projects}).`,
        isPublic: i % 3 === 0,
        properties: { seeded: true, batch: i % 5 },
        tags: { connect: tagIds.filter((_t, k) => (i + k) % 2 === 0) },
      });
      const releases =
        options.releasesPerProject === 0
          ? { count: 0 }
          : await api.release.createMany.mutate(
              Array.from({ length: options.releasesPerProject }, (_r, k) => ({
                projectId: project.id,
                semver: `0.${k + 1}.0`,
                status: k + 1 < options.releasesPerProject ? ('published' as const) : ('draft' as const),
                downloads: BigInt((k + 1) * 100),
              })),
            );
      createdProjects++;
      createdReleases += releases.count;
    }
    options.onProgress?.(i);
  }
  return { organizationId: org.id, createdProjects, createdReleases };
}
