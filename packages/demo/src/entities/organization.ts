import { defineEntity, f, hasMany } from '@typecrud/shared';

export const organization = defineEntity({
  name: 'organization',
  description: 'A team that owns projects.',
  traits: ['timestamps', 'version', 'audit', 'properties', 'archive'],
  cache: { ttlSeconds: 30 },
  fields: {
    name: f.string({ max: 200 }).filterable().sortable().list(),
    slug: f
      .string({
        max: 64,
        pattern: { regex: /^[a-z0-9]+(?:-[a-z0-9]+)*$/, message: 'must be lowercase words joined by -' },
      })
      .unique()
      .filterable()
      .sortable()
      .list(),
  },
  relations: {
    // archiving an organization archives its live projects; restoring it brings back exactly those
    projects: hasMany('project', 'organizationId', { archive: 'cascade' }),
    memberships: hasMany('membership', 'organizationId'),
  },
});
