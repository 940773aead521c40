import { type AppSchema, type Principal, schema } from '@typecrud/shared';
import { decodeJwt } from 'jose';
import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import {
  authedProcedure,
  CrudError,
  decoyHash,
  type Executor,
  hashPassword,
  managersOf,
  procedure,
  type RequestContext,
  router,
  type Services,
  verifyPassword,
} from '../core/index.js';

const password = z.string().min(8, { error: 'must be at least 8 characters' }).max(200);

/** The caller of a user id: its platform role and memberships, in one statement; null when gone or archived. */
export async function loadPrincipal(db: Executor, userId: string): Promise<Principal | null> {
  const { rows } = await sql<{ role: string; memberships: { tenantId: string; role: string }[] }>`
    select u.role, coalesce((
      select json_agg(json_build_object('tenantId', m.organization_id, 'role', m.role))
      from membership m where m.user_id = u.id), '[]'::json) as memberships
    from app_user u where u.id = ${userId}::uuid and u.archived_at is null`.execute(db);
  const row = rows[0];
  if (!row) return null;
  return { userId, superadmin: row.role === 'superadmin', memberships: row.memberships };
}

/**
 * The context of one HTTP request: the caller from a bearer token, or none. A token that is
 * expired, malformed, wrongly signed or names a removed user is UNAUTHORIZED (never anonymous).
 */
export async function createRequestContext(
  services: Services<AppSchema>,
  authorization: string | undefined,
): Promise<RequestContext> {
  const base = { services, db: services.database.db };
  if (!authorization) return { ...base, caller: null };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match || !services.tokens)
    throw new CrudError('UNAUTHORIZED', 'the authorization header must be "Bearer <token>"');
  const token = match[1]!;
  const callers = callerCaches.get(services);
  const hit = callers?.get(token);
  if (hit && hit.until > Date.now()) return { ...base, caller: hit.caller };
  const userId = await services.tokens.verify(token);
  const caller = await loadPrincipal(services.database.db, userId);
  if (!caller) throw new CrudError('UNAUTHORIZED', 'the user of this token no longer exists');
  if (callers) {
    const { exp } = decodeJwt(token);
    const until = Math.min(Date.now() + callers.ttlMs, (exp ?? 0) * 1000);
    callers.set(token, { caller, until });
  }
  return { ...base, caller };
}

interface CallerCache {
  ttlMs: number;
  get(token: string): { caller: Principal; until: number } | undefined;
  set(token: string, entry: { caller: Principal; until: number }): void;
}

const callerCaches = new WeakMap<object, CallerCache>();

/**
 * Remembers, for `ttlMs`, the caller a verified token resolved to (never past the token's own
 * expiry), so a burst of requests pays for one signature check and one membership query. A
 * changed role or membership takes effect within `ttlMs`; 0 turns this off.
 */
export function cacheCallers(services: Services<AppSchema>, ttlMs: number, max = 10_000): void {
  if (ttlMs <= 0) return;
  const entries = new LRUCache<string, { caller: Principal; until: number }>({ max });
  callerCaches.set(services, { ttlMs, get: (t) => entries.get(t), set: (t, e) => entries.set(t, e) });
}

/** Sets a user's password hash (the only way it is written). */
export async function setPassword(db: Executor, userId: string, plain: string): Promise<void> {
  await sql`update app_user set password_hash = ${await hashPassword(plain)} where id = ${userId}::uuid`.execute(
    db,
  );
}

const invalidCredentials = () => new CrudError('UNAUTHORIZED', 'invalid email or password');

export const authRouter = router({
  /** Email + password -> a signed token. Unknown email and wrong password fail alike, in the same time. */
  signIn: procedure
    .input(z.strictObject({ email: z.string().trim().toLowerCase().max(320), password: z.string().max(200) }))
    .mutation(async ({ ctx, input }) => {
      if (!ctx.services.tokens) throw new CrudError('NOT_IMPLEMENTED', 'sign-in is not configured');
      const { rows } = await sql<{ id: string; password_hash: string | null }>`
        select id, password_hash from app_user where email = ${input.email} and archived_at is null`.execute(
        ctx.db,
      );
      const found = rows[0];
      const ok = await verifyPassword(input.password, found?.password_hash ?? (await decoyHash));
      if (!found?.password_hash || !ok) throw invalidCredentials();
      const caller = await loadPrincipal(ctx.db, found.id);
      const { token, expiresAt } = await ctx.services.tokens.issue(found.id);
      const user = await managersOf(schema, ctx).user.get({ db: ctx.db, caller }, { id: found.id });
      return { token, expiresAt, user, memberships: caller?.memberships ?? [] };
    }),

  /** The signed-in user and their memberships. */
  me: authedProcedure.query(async ({ ctx }) => {
    const user = await managersOf(schema, ctx).user.get(ctx, { id: ctx.caller.userId });
    return { user, superadmin: ctx.caller.superadmin, memberships: ctx.caller.memberships };
  }),

  changePassword: authedProcedure
    .input(z.strictObject({ currentPassword: z.string().max(200), newPassword: password }))
    .mutation(async ({ ctx, input }) => {
      const { rows } = await sql<{
        password_hash: string | null;
      }>`select password_hash from app_user where id = ${ctx.caller.userId}::uuid`.execute(ctx.db);
      const hash = rows[0]?.password_hash;
      if (!hash || !(await verifyPassword(input.currentPassword, hash))) throw invalidCredentials();
      await setPassword(ctx.db, ctx.caller.userId, input.newPassword);
      return { ok: true as const };
    }),

  /** A superadmin sets anyone's password (e.g. a new user's first one). */
  setPassword: authedProcedure
    .input(z.strictObject({ userId: z.uuid(), password }))
    .mutation(async ({ ctx, input }) => {
      if (!ctx.caller.superadmin) throw new CrudError('FORBIDDEN', 'only a superadmin may set passwords');
      await managersOf(schema, ctx).user.get(ctx, { id: input.userId });
      await setPassword(ctx.db, input.userId, input.password);
      return { ok: true as const };
    }),
});
