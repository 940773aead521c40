import { definePolicies, type Principal, type Where } from '../core/index.js';
import { type OrgRole, orgRoles } from './membership.js';
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
    read: scoped((p) => ({
      OR: [{ id: p.userId }, { memberships: { some: { organizationId: { in: orgsWith(p, 'viewer') } } } }],
    })),
    create: superadmin,
    update: scoped((p) => ({ id: p.userId })),
    delete: superadmin,
    archive: superadmin,
    fields: { role: superadmin },
  },
  profile: {
    read: scoped((p) => ({
      user: {
        is: {
          OR: [
            { id: p.userId },
            { memberships: { some: { organizationId: { in: orgsWith(p, 'viewer') } } } },
          ],
        },
      },
    })),
    create: scoped((p) => ({ userId: p.userId })),
    update: scoped((p) => ({ userId: p.userId })),
    delete: scoped((p) => ({ userId: p.userId })),
  },
  membership: {
    read: scoped((p) => ({ organizationId: { in: orgsWith(p, 'viewer') } })),
    create: scoped((p) => ({ organizationId: { in: orgsWith(p, 'admin') } })),
    update: scoped((p) => ({ organizationId: { in: orgsWith(p, 'admin') } })),
    delete: scoped((p) => ({ organizationId: { in: orgsWith(p, 'admin') } })),
  },
  project: {
    read: scoped(readableProject),
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
