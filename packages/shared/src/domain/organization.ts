import { defineEntity, f, hasMany } from '../core/index.js';

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
    projects: hasMany('project', 'organizationId'),
    memberships: hasMany('membership', 'organizationId'),
  },
});
