import { type AppSchema, policies, schema } from '@typecrud/shared';
import { sql } from 'kysely';
import {
  type CacheStore,
  createServices,
  createTokenService,
  type Database,
  defineHooks,
  inTransaction,
  type Services,
  tableAuditSink,
} from '../core/index.js';
import { cacheCallers, setPassword } from './auth.js';

export type AppServices = Services<AppSchema>;

/** Hooks of the demo domain: they run inside the write's transaction. */
export const hooks = defineHooks(schema, {
  organization: {
    // whoever founds an organization owns it
    async afterCreate(org, ctx) {
      if (!ctx.caller || ctx.caller.superadmin) return;
      await sql`insert into membership (organization_id, user_id, role, created_by, updated_by)
        values (${org.id}::uuid, ${ctx.caller.userId}::uuid, 'owner', ${ctx.caller.userId}::uuid, ${ctx.caller.userId}::uuid)`.execute(
        ctx.db,
      );
    },
  },
  release: {
    // a release created as published gets its release time
    beforeCreate(data) {
      return data.status === 'published' && !data.releasedAt ? { ...data, releasedAt: new Date() } : data;
    },
  },
});

export interface AppServicesOptions {
  /** Signs bearer tokens; at least 32 characters. */
  tokenSecret: string;
  tokenTtlSeconds?: number;
  cursorSecret?: string | undefined;
  production?: boolean;
  /** How long a verified token's caller (role, memberships) is reused, in ms; 0 (default) checks every request. */
  callerCacheMs?: number;
  /** Where cached reads go (entities with a `cache` TTL); none when absent. */
  cache?: CacheStore | undefined;
}

/** The demo app's services: its schema with its policies, hooks, audit log and sign-in. */
export function createAppServices(database: Database, options: AppServicesOptions): AppServices {
  const services = createServices(schema, database, {
    policies,
    ...common(options),
    tokens: createTokenService({ secret: options.tokenSecret, ttlSeconds: options.tokenTtlSeconds ?? 3600 }),
  });
  cacheCallers(services, options.callerCacheMs ?? 0);
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
    audit: tableAuditSink(schema.entity('auditEntry').table),
    cursorSecret: options.cursorSecret,
    production: options.production,
    cache: options.cache,
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
