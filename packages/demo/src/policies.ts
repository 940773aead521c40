import { definePolicies, type Principal, type Where } from '@typecrud/shared';
import { type OrgRole, orgRoles } from './entities/membership.js';
import { type AppSchema, schema } from './schema.js';

const rank = (role: string) => orgRoles.indexOf(role as OrgRole);

/** The organizations in which the principal holds at least `min`. */
export function orgsWith(p: Principal, min: OrgRole): string[] {
  return p.memberships.filter((m) => rank(m.role) >= rank(min)).map((m) => m.tenantId);
}

const superadmin = (p: Principal | null) => p?.superadmin === true;
const signedIn = (p: Principal | null): p is Principal => p !== null;

/** A rule: superadmins may; signed-in callers may on rows matching `scope`; nobody else. */
const scoped =
  <W>(scope: (p: Principal) => W) =>
  (p: Principal | null): W | boolean =>
    superadmin(p) || (signedIn(p) ? scope(p) : false);

type ProjectWhere = Where<AppSchema, AppSchema['project']>;
type MembershipWhere = Where<AppSchema, AppSchema['membership']>;

/** A membership row with the owner role is within reach only of the organization's owners. */
const ownerOnlyForOwners = (p: Principal): MembershipWhere => ({
  OR: [{ role: { ne: 'owner' } }, { organizationId: { in: orgsWith(p, 'owner') } }],
});
/**
 * Membership is by consent: adding a user to an organization invites them (status `invited`,
 * whatever the inviter sends: a hook in services.ts). Until the invited user accepts
 * (`membership.accept`, which changes exactly the rows this rule matches), the membership gives
 * nobody anything: the invitee no access to the organization (a caller's memberships are its
 * active ones), the organization's members no sight of the invitee's user row or profile.
 */
export const invitationOf = (p: Principal): MembershipWhere => ({ userId: p.userId, status: 'invited' });
/** Users who share an active membership with the caller's organizations. */
const fellowMember = (p: Principal) => ({
  memberships: { some: { organizationId: { in: orgsWith(p, 'viewer') }, status: 'active' as const } },
});
const readableProject = (p: Principal): ProjectWhere => ({
  OR: [{ isPublic: true }, { organizationId: { in: orgsWith(p, 'viewer') } }],
});

/**
 * Who may do what. Tenancy is by organization: a row is reachable through the caller's
 * memberships and their roles; public projects (and their releases) are readable by anyone
 * signed in. Every rule becomes part of the SQL statement of the call it guards.
 */
export const policies = definePolicies(schema, {
  organization: {
    read: scoped((p) => ({ id: { in: orgsWith(p, 'viewer') } })),
    // anyone signed in may found an organization (a hook makes them its owner)
    create: (p) => signedIn(p),
    update: scoped((p) => ({ id: { in: orgsWith(p, 'admin') } })),
    delete: scoped((p) => ({ id: { in: orgsWith(p, 'owner') } })),
    archive: scoped((p) => ({ id: { in: orgsWith(p, 'owner') } })),
  },
  user: {
    // oneself, and the members of one's organizations who accepted (an invitee stays hidden)
    read: scoped((p) => ({ OR: [{ id: p.userId }, fellowMember(p)] })),
    create: superadmin,
    update: scoped((p) => ({ id: p.userId })),
    delete: superadmin,
    archive: superadmin,
    fields: { role: superadmin },
  },
  profile: {
    read: scoped((p) => ({
      user: {
        is: { OR: [{ id: p.userId }, fellowMember(p)] },
      },
    })),
    create: scoped((p) => ({ userId: p.userId })),
    update: scoped((p) => ({ userId: p.userId })),
    delete: scoped((p) => ({ userId: p.userId })),
  },
  membership: {
    // an organization's members see its memberships and invitations; a user sees their own invitations
    read: scoped((p) => ({ OR: [{ organizationId: { in: orgsWith(p, 'viewer') } }, { userId: p.userId }] })),
    // admins manage memberships; only an owner grants owner (checked on the new row) or removes it
    // (checked on the row as it is); an organization keeps one owner (a hook: services.ts)
    create: scoped((p) => ({ organizationId: { in: orgsWith(p, 'admin') }, ...ownerOnlyForOwners(p) })),
    // nobody changes their own role
    update: scoped((p) => ({
      organizationId: { in: orgsWith(p, 'admin') },
      userId: { ne: p.userId },
      ...ownerOnlyForOwners(p),
    })),
    // an invited user may decline (delete) their invitation
    delete: scoped((p) => ({
      OR: [{ organizationId: { in: orgsWith(p, 'admin') }, ...ownerOnlyForOwners(p) }, invitationOf(p)],
    })),
  },
  session: {
    // a user sees their own sessions; only the auth service writes them
    read: scoped((p) => ({ userId: p.userId })),
    create: false,
    update: false,
    delete: false,
  },
  project: {
    read: scoped(readableProject),
    // tagging is a change of the project: its update rule decides, the tag need only be readable
    links: { tags: 'self' },
    create: scoped((p) => ({ organizationId: { in: orgsWith(p, 'member') } })),
    update: scoped((p) => ({ organizationId: { in: orgsWith(p, 'member') } })),
    delete: scoped((p) => ({ organizationId: { in: orgsWith(p, 'admin') } })),
    archive: scoped((p) => ({ organizationId: { in: orgsWith(p, 'admin') } })),
  },
  tag: {
    read: (p) => signedIn(p),
    create: (p) => superadmin(p) || (signedIn(p) && orgsWith(p, 'member').length > 0),
    update: (p) => superadmin(p) || (signedIn(p) && orgsWith(p, 'admin').length > 0),
    delete: superadmin,
    links: { projects: 'other' },
  },
  release: {
    read: scoped((p) => ({ project: { is: readableProject(p) } })),
    create: scoped((p) => ({ project: { is: { organizationId: { in: orgsWith(p, 'member') } } } })),
    update: scoped((p) => ({ project: { is: { organizationId: { in: orgsWith(p, 'member') } } } })),
    delete: scoped((p) => ({ project: { is: { organizationId: { in: orgsWith(p, 'admin') } } } })),
    archive: scoped((p) => ({ project: { is: { organizationId: { in: orgsWith(p, 'admin') } } } })),
  },
  auditEntry: {
    read: superadmin,
  },
});
