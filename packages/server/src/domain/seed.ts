import { schema } from '@typecrud/shared';
import { type Caller, type Executor, inTransaction, type Services } from '../core/index.js';

/** Demo data: an organization with projects, tags and releases. Running it twice changes nothing. */
export async function seedDemo(services: Services<typeof schema.entities>, db: Executor = services.database.db): Promise<boolean> {
  const m = services.managers;
  const caller: Caller | null = null;
  return inTransaction(db, async (trx) => {
    const ctx = { db: trx, caller };
    const existing = await m.organization.list(ctx, { where: { slug: 'acme' }, limit: 1, withArchived: true });
    if (existing.items.length > 0) return false;
    const acme = await m.organization.create(ctx, { name: 'Acme', slug: 'acme' });
    await m.user.create(ctx, {
      email: 'ada@acme.test',
      displayName: 'Ada Lovelace',
      role: 'admin',
      profile: { create: { bio: 'Runs the releases.', timezone: 'Europe/London' } },
    });
    const tags = await m.tag.createMany(ctx, [
      { label: 'backend', color: '#3355aa' },
      { label: 'frontend', color: '#aa5533' },
      { label: 'infra', color: '#33aa55' },
    ]);
    const names = ['Rocket', 'Anvil', 'Magnet', 'Catapult', 'Tornado'];
    for (const [i, name] of names.entries()) {
      const project = await m.project.create(ctx, {
        organizationId: acme.id,
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
    return true;
  });
}
