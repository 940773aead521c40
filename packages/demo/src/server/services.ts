import {
  type CacheStore,
  CrudError,
  createServices,
  createTokenService,
  type Database,
  defineHooks,
  type Executor,
  inTransaction,
  type LiveOptions,
  type Services,
} from '@typecrud/server';
import { sql } from 'kysely';
import { type AppSchema, policies, schema } from '../index.js';
import { configureAuth, setPassword } from './auth.js';

export type AppServices = Services<AppSchema>;

/** Hooks of the demo domain: they run inside the write's transaction. */
export const hooks = defineHooks(schema, {
  organization: {
    // whoever founds an organization owns it
    async afterCreate({ rows }, ctx) {
      const caller = ctx.caller;
      if (!caller || caller.superadmin) return;
      const values = rows.map(
        (org) =>
          sql`(${org.id}::uuid, ${caller.userId}::uuid, 'owner', 'active', ${caller.userId}::uuid, ${caller.userId}::uuid)`,
      );
      await sql`insert into membership (organization_id, user_id, role, status, created_by, updated_by)
        values ${sql.join(values)}`.execute(ctx.db);
    },
  },
  membership: {
    // adding someone is an invitation, whatever the inviter sends; the system and superadmins may
    // add active members (seeds, support)
    beforeCreate({ data }, ctx) {
      if (!ctx.caller || ctx.caller.superadmin) return;
      return data.map((d) => ({ ...d, status: 'invited' as const }));
    },
    async beforeUpdate({ rows, data }, ctx) {
      const caller = ctx.caller;
      if (data.status !== undefined && caller && !caller.superadmin) {
        // the one status change a user makes: accepting their own invitation, and nothing else with it
        const accepting =
          data.status === 'active' &&
          Object.entries(data).every(([k, v]) => k === 'status' || v === undefined) &&
          rows.every((m) => m.userId === caller.userId && m.status === 'invited');
        if (!accepting)
          throw new CrudError('FORBIDDEN', 'you may not set status', {
            fields: ['status'],
            issues: [
              {
                path: ['status'],
                message: 'an invitation is accepted by the invited user (membership.accept)',
              },
            ],
          });
      }
      if (data.role !== undefined && data.role !== 'owner')
        await keepAnOwner(
          ctx.db,
          rows.filter((m) => m.role === 'owner'),
        );
    },
    async beforeDelete({ rows }, ctx) {
      await keepAnOwner(
        ctx.db,
        rows.filter((m) => m.role === 'owner'),
      );
    },
  },
  release: {
    // a release created as published gets its release time
    beforeCreate({ data }) {
      return data.map((d) =>
        d.status === 'published' && !d.releasedAt ? { ...d, releasedAt: new Date() } : d,
      );
    },
  },
});

/**
 * An organization keeps at least one owner: refuses a change that would take the owner role
 * from every owner of an organization. The owners are locked, so two owners demoting each
 * other at once cannot both succeed.
 */
async function keepAnOwner(db: Executor, leaving: { id: string; organizationId: string }[]) {
  for (const organizationId of new Set(leaving.map((m) => m.organizationId))) {
    const { rows } = await sql<{ id: string }>`select id from membership
      where organization_id = ${organizationId}::uuid and role = 'owner' and status = 'active'
      order by id for update`.execute(db);
    const gone = new Set(leaving.map((m) => m.id));
    if (rows.every((r) => gone.has(r.id)))
      throw new CrudError('CONFLICT', `organization ${organizationId} must keep at least one owner`, {
        fields: ['role'],
        issues: [{ path: ['role'], message: 'the last owner of an organization stays owner' }],
      });
  }
}

export interface AppServicesOptions {
  /** Signs bearer tokens; at least 32 characters. */
  tokenSecret: string;
  /** Lifetime of an access token in seconds (900 by default). */
  tokenTtlSeconds?: number;
  /** Lifetime of a refresh token in seconds (30 days by default); each refresh starts a new one. */
  refreshTtlSeconds?: number;
  cursorSecret?: string | undefined;
  production?: boolean;
  /**
   * How long a verified token's caller (role, memberships, session) is reused, in ms, while the
   * cache store's generations of users, memberships and sessions hold (so never across a change);
   * needs `cache`, and a store every instance shares when several serve one database. 0 (default):
   * checked on every request.
   */
  callerCacheMs?: number;
  /** Where cached reads go (entities with a `cache` TTL); none when absent. */
  cache?: CacheStore | undefined;
  /** Most rows one read may return, embedded ones counted (10,000 by default). */
  maxResponseRows?: number | undefined;
  /** Change events: retention and subscription limits (defaults when absent). */
  live?: LiveOptions | undefined;
}

/** The demo app's services: its schema with its policies, hooks, audit log and sign-in. */
export function createAppServices(database: Database, options: AppServicesOptions): AppServices {
  const services = createServices(schema, database, {
    policies,
    ...common(options),
    tokens: createTokenService({ secret: options.tokenSecret, ttlSeconds: options.tokenTtlSeconds ?? 900 }),
  });
  configureAuth(services, {
    refreshTtlSeconds: options.refreshTtlSeconds ?? 30 * 24 * 3600,
    store: options.cache,
    callerCacheMs: options.callerCacheMs ?? 0,
    system: createSystemServices(database, options),
  });
  return services;
}

/**
 * Services for the system itself (seeding, the CLI): the same hooks and audit log, but no
 * policies, since no user is calling. Never hand these to a request.
 */
export function createSystemServices(
  database: Database,
  options: Omit<AppServicesOptions, 'tokenSecret'> = {},
): AppServices {
  return createServices(schema, database, { policies: 'unrestricted', ...common(options) });
}

function common(options: Omit<AppServicesOptions, 'tokenSecret'>) {
  return {
    hooks,
    cursorSecret: options.cursorSecret,
    production: options.production,
    cache: options.cache,
    maxResponseRows: options.maxResponseRows,
    live: options.live,
  };
}

export interface AdminAccount {
  email: string;
  password: string;
  displayName?: string;
}

/** The first superadmin, through system services: created once (an existing account keeps its password). */
export async function ensureAdmin(
  services: AppServices,
  account: AdminAccount,
): Promise<{ id: string; created: boolean }> {
  const users = services.managers.user;
  return inTransaction(services.database.db, async (db) => {
    const ctx = { db, caller: null };
    const existing = await users.list(ctx, {
      where: { email: account.email.toLowerCase() },
      limit: 1,
      withArchived: true,
    });
    if (existing.items[0]) return { id: existing.items[0].id, created: false };
    const user = await users.create(ctx, {
      email: account.email,
      displayName: account.displayName ?? 'Administrator',
      role: 'superadmin',
    });
    await setPassword(db, user.id, account.password);
    return { id: user.id, created: true };
  });
}
