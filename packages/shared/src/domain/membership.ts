import { belongsTo, defineEntity, f } from '../core/index.js';

/** Roles in an organization, weakest first. */
export const orgRoles = ['viewer', 'member', 'admin', 'owner'] as const;
export type OrgRole = (typeof orgRoles)[number];

export const membership = defineEntity({
  name: 'membership',
  description: 'A user belongs to an organization with a role.',
  traits: ['timestamps', 'version', 'audit'],
  fields: {
    organizationId: f.ref('organization', { onDelete: 'cascade' }).list(),
    userId: f.ref('user', { onDelete: 'cascade' }).list(),
    role: f.enum(orgRoles).default('member').filterable().sortable().list(),
  },
  uniques: [['organizationId', 'userId']],
  relations: {
    organization: belongsTo('organization', 'organizationId'),
    user: belongsTo('user', 'userId'),
  },
});
