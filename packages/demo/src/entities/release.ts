import { belongsTo, defineEntity, f } from '@typecrud/shared';

export const releaseStatuses = ['draft', 'scheduled', 'published', 'withdrawn'] as const;

export const release = defineEntity({
  name: 'release',
  description: 'One version of a project.',
  traits: ['timestamps', 'version', 'audit', 'properties', 'archive'],
  fields: {
    projectId: f.ref('project', { onDelete: 'cascade' }).immutable().list(),
    semver: f
      .string({
        max: 64,
        pattern: {
          regex: /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/,
          message: 'must be a semantic version like 1.2.3',
        },
      })
      .filterable()
      .sortable()
      .list(),
    status: f.enum(releaseStatuses).default('draft').filterable().sortable().list(),
    notes: f.text({ max: 20000 }).nullable(),
    releasedAt: f.timestamp().nullable().filterable().sortable().list(),
    downloads: f.bigint().default(0n).filterable().sortable(),
  },
  uniques: [['projectId', 'semver']],
  relations: {
    project: belongsTo('project', 'projectId'),
  },
});
