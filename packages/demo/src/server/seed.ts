import { type Executor, inTransaction, type Services } from '@typecrud/server';
import type { AppSchema, OrgRole } from '../index.js';
import { setPassword } from './auth.js';

/** The demo users' password (development data only). */
export const demoPassword = 'demo-password';

/**
 * Demo data through system services: two organizations with members of every role, projects
 * (some public), tags and releases. Returns false, changing nothing, when it ran before.
 */
export async function seedDemo(
  services: Services<AppSchema>,
  options: { adminId?: string } = {},
  db: Executor = services.database.db,
): Promise<boolean> {
  const m = services.managers;
  return inTransaction(db, async (trx) => {
    const ctx = { db: trx, caller: null };
    const existing = await m.organization.list(ctx, {
      where: { slug: 'acme' },
      limit: 1,
      withArchived: true,
    });
    if (existing.items.length > 0) return false;
    const tags = await m.tag.createMany(ctx, [
      { label: 'backend', color: '#3355aa' },
      { label: 'frontend', color: '#aa5533' },
      { label: 'infra', color: '#33aa55' },
    ]);
    const people: [string, string, OrgRole][] = [
      ['ada@acme.test', 'Ada Lovelace', 'owner'],
      ['bob@acme.test', 'Bob Builder', 'member'],
      ['cleo@acme.test', 'Cleo Viewer', 'viewer'],
      ['gus@globex.test', 'Gus Globex', 'owner'],
    ];
    const users = new Map<string, string>();
    for (const [email, displayName] of people) {
      const u = await m.user.create(ctx, {
        email,
        displayName,
        profile: { create: { bio: `${displayName}, demo user.`, timezone: 'Europe/London' } },
      });
      await setPassword(trx, u.id, demoPassword);
      users.set(email, u.id);
    }
    const orgs = [
      {
        name: 'Acme',
        slug: 'acme',
        projects: ['Rocket', 'Anvil', 'Magnet', 'Catapult', 'Tornado'],
        domain: 'acme.test',
      },
      { name: 'Globex', slug: 'globex', projects: ['Hammock', 'Volcano'], domain: 'globex.test' },
    ];
    for (const o of orgs) {
      const org = await m.organization.create(ctx, { name: o.name, slug: o.slug });
      for (const [email, , role] of people) {
        if (email.endsWith(o.domain))
          await m.membership.create(ctx, {
            organizationId: org.id,
            userId: users.get(email)!,
            role,
            status: 'active',
          });
      }
      if (options.adminId)
        await m.membership.create(ctx, {
          organizationId: org.id,
          userId: options.adminId,
          role: 'owner',
          status: 'active',
        });
      for (const [i, name] of o.projects.entries()) {
        const project = await m.project.create(ctx, {
          organizationId: org.id,
          name,
          description: `${name}: a demo project.`,
          isPublic: i % 2 === 0,
          properties: { tier: i < 2 ? 'gold' : 'silver' },
          tags: { connect: tags.ids.slice(0, (i % 3) + 1) },
        });
        await m.release.createMany(
          ctx,
          [0, 1, 2].map((minor) => ({
            projectId: project.id,
            semver: `1.${minor}.0`,
            status: minor < 2 ? ('published' as const) : ('draft' as const),
            releasedAt: minor < 2 ? new Date(Date.UTC(2026, minor * 3, 1)) : null,
            downloads: BigInt(1000 * (minor + 1) * (i + 1)),
          })),
        );
      }
    }
    return true;
  });
}
