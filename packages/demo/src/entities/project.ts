import { belongsTo, computed, defineEntity, f, hasMany, manyToMany } from '@typecrud/shared';

export const project = defineEntity({
  name: 'project',
  description: 'A product an organization ships releases of.',
  traits: ['timestamps', 'version', 'audit', 'properties', 'archive'],
  fields: {
    organizationId: f.ref('organization', { onDelete: 'cascade' }).immutable().list(),
    name: f.string({ max: 200 }).filterable().sortable().list(),
    description: f.text({ max: 4000 }).nullable().filterable(),
    isPublic: f.boolean().default(false).filterable().sortable().list(),
  },
  // an archived project leaves its name free for a new one
  uniques: [{ fields: ['organizationId', 'name'], ignoreArchived: true }],
  // full-text search: name weighs more than description (where: { search }, orderBy: { _relevance })
  search: ['name', 'description'],
  relations: {
    organization: belongsTo('organization', 'organizationId'),
    releases: hasMany('release', 'projectId'),
    tags: manyToMany('tag', { through: 'project_tag' }),
  },
  // worked out in SQL when asked for (select / include: { releaseCount: true }), never stored;
  // each over the releases the caller may read, archived ones left out
  computed: {
    releaseCount: computed.count('releases'),
    publishedCount: computed.count('releases', { where: { status: 'published' } }),
    latestReleaseAt: computed.max('timestamp', 'releases', 'releasedAt'),
  },
});

export const tag = defineEntity({
  name: 'tag',
  description: 'A label projects share.',
  traits: ['timestamps'],
  // read on every project page, rarely written: worth caching
  cache: { ttlSeconds: 60 },
  fields: {
    label: f.string({ max: 50 }).unique().filterable().sortable().list(),
    color: f
      .string({ max: 7, pattern: { regex: /^#[0-9a-f]{6}$/i, message: 'must be a colour like #1a2b3c' } })
      .nullable()
      .list(),
  },
  relations: {
    projects: manyToMany('project', { through: 'project_tag' }),
  },
  // the tagged projects the caller may read (another tenant's private projects never count)
  computed: { projectCount: computed.count('projects') },
});
