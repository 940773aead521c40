import { belongsTo, defineEntity, f } from '@typecrud/shared';

/** Roles in an organization, weakest first. */
export const orgRoles = ['viewer', 'member', 'admin', 'owner'] as const;
export type OrgRole = (typeof orgRoles)[number];

/** An added user is `invited` until they accept (`membership.accept`); only `active` memberships count. */
export const membershipStatuses = ['invited', 'active'] as const;
export type MembershipStatus = (typeof membershipStatuses)[number];

export const membership = defineEntity({
  name: 'membership',
  description: 'A user belongs to an organization with a role, once they accept the invitation.',
  traits: ['timestamps', 'version', 'audit'],
  fields: {
    organizationId: f.ref('organization', { onDelete: 'cascade' }).immutable().list(),
    userId: f.ref('user', { onDelete: 'cascade' }).immutable().list(),
    role: f.enum(orgRoles).default('member').filterable().sortable().list(),
    status: f.enum(membershipStatuses).default('invited').filterable().sortable().list(),
  },
  uniques: [['organizationId', 'userId']],
  relations: {
    organization: belongsTo('organization', 'organizationId'),
    user: belongsTo('user', 'userId'),
  },
});
