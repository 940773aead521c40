import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  authedProcedure,
  type CacheStore,
  CrudError,
  decoyHash,
  type Executor,
  hashPassword,
  inTransaction,
  managersOf,
  onCommit,
  procedure,
  type RequestContext,
  router,
  type Services,
  verifyPassword,
} from '@typecrud/server';
import { type Principal, storableString } from '@typecrud/shared';
import { decodeJwt } from 'jose';
import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { type AppSchema, invitationOf, schema } from '../index.js';

const password = z.string().min(8, { error: 'must be at least 8 characters' }).max(200);

type Memberships = { tenantId: string; role: string }[];

/** The caller of a user id: its platform role and active memberships, in one statement; null when gone or archived. */
export async function loadPrincipal(db: Executor, userId: string): Promise<Principal | null> {
  const { rows } = await sql<{ role: string; memberships: Memberships }>`
    select u.role, ${activeMemberships} as memberships
    from app_user u where u.id = ${userId}::uuid and u.archived_at is null`.execute(db);
  const row = rows[0];
  if (!row) return null;
  return { userId, superadmin: row.role === 'superadmin', memberships: row.memberships };
}

/** A user's memberships that count: the accepted ones (an invitation grants nothing). */
const activeMemberships = sql`coalesce((
  select json_agg(json_build_object('tenantId', m.organization_id, 'role', m.role))
  from membership m where m.user_id = u.id and m.status = 'active'), '[]'::json)`;

/**
 * The caller of an access token, in one statement: null when the user is gone or archived, or the
 * session is revoked (signed out, password changed, refresh token replayed) or over.
 */
async function loadCaller(db: Executor, userId: string, sessionId: string): Promise<Principal | null> {
  const { rows } = await sql<{ role: string; memberships: Memberships }>`
    select u.role, ${activeMemberships} as memberships
    from app_user u where u.id = ${userId}::uuid and u.archived_at is null
      and exists (select 1 from auth_session s where s.family_id = ${sessionId}::uuid and s.user_id = u.id
        and s.revoked_at is null and s.expires_at > now())`.execute(db);
  const row = rows[0];
  if (!row) return null;
  return { userId, superadmin: row.role === 'superadmin', memberships: row.memberships, sessionId };
}

/** What the caller cache's entries depend on: any committed write to these moves their generation. */
const callerDependencies = ['user', 'membership', 'session'] as const;

interface CallerEntry {
  caller: Principal;
  until: number;
  generations: number[];
}

/** Per services: token lifetimes, the cache seam (generations), the caller cache and the unrestricted twin. */
export interface AuthSettings {
  /** Lifetime of a refresh token (and so of an unused session), in seconds. */
  refreshTtlSeconds: number;
  /** The store whose generations validate cached callers and carry revocations to every instance. */
  store?: CacheStore | undefined;
  /** How long a verified token's caller is reused while its generations hold, in ms; 0: never. */
  callerCacheMs: number;
  callerCacheMax?: number;
  /** Services without policies, for the writes whose rule a procedure states itself (accepting an invitation). */
  system: Services<AppSchema>;
}

interface AuthState extends AuthSettings {
  callers?: LRUCache<string, CallerEntry>;
}

const states = new WeakMap<object, AuthState>();

/** Wires sign-in for `services` (createAppServices does this). */
export function configureAuth(services: Services<AppSchema>, settings: AuthSettings): void {
  const callers =
    settings.callerCacheMs > 0 && settings.store
      ? new LRUCache<string, CallerEntry>({ max: settings.callerCacheMax ?? 10_000 })
      : undefined;
  states.set(services, { ...settings, ...(callers ? { callers } : {}) });
}

function stateOf(services: RequestContext['services']): AuthState {
  const state = states.get(services);
  if (!state || !services.tokens) throw new CrudError('NOT_IMPLEMENTED', 'sign-in is not configured');
  return state;
}

const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The context of one HTTP request: the caller from a bearer token, or none. A token that is
 * expired, malformed, wrongly signed, without `exp`, of a revoked session or of a removed user
 * is UNAUTHORIZED (never anonymous).
 *
 * A verified caller may be reused for `callerCacheMs`, but only while the generations of users,
 * memberships and sessions are those it was loaded under: any committed change of a role, a
 * membership, an archive or a revocation moves them (in Redis: on every instance), so the next
 * request loads the caller afresh. When the store cannot answer, the database is asked.
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
  const state = states.get(services);
  const callers = state?.callers;
  let generations: number[] | undefined;
  if (callers && state.store) {
    // read before loading, so a change committed meanwhile leaves the entry stale, never the reverse
    generations = await state.store.generations(callerDependencies).catch(() => undefined);
    const hit = callers.get(token);
    if (hit && generations && hit.until > Date.now() && same(hit.generations, generations))
      return { ...base, caller: hit.caller };
  }
  const { userId, sessionId } = await services.tokens.verify(token);
  const caller = await loadCaller(services.database.db, userId, sessionId);
  if (!caller) throw new CrudError('UNAUTHORIZED', 'the session of this token has ended');
  if (callers && generations) {
    const { exp } = decodeJwt(token);
    const until = Math.min(Date.now() + state.callerCacheMs, (exp ?? 0) * 1000);
    callers.set(token, { caller, until, generations });
  }
  return { ...base, caller };
}

/** Sets a user's password hash (the only way it is written). */
export async function setPassword(db: Executor, userId: string, plain: string): Promise<void> {
  await sql`update app_user set password_hash = ${await hashPassword(plain)} where id = ${userId}::uuid`.execute(
    db,
  );
}

/** A new session's tokens, or a refreshed one's. */
export interface SessionTokens {
  /** The access token (a JWT with `exp`, `iat` and the session id `sid`). */
  token: string;
  expiresAt: Date;
  /** Exchanged once, through `auth.refresh`, for the next pair. */
  refreshToken: string;
  refreshExpiresAt: Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

async function addRefreshToken(
  db: Executor,
  state: AuthState,
  userId: string,
  familyId: string,
): Promise<Pick<SessionTokens, 'refreshToken' | 'refreshExpiresAt'>> {
  const refreshToken = randomBytes(32).toString('base64url');
  const refreshExpiresAt = new Date(Date.now() + state.refreshTtlSeconds * 1000);
  await sql`insert into auth_session (user_id, family_id, token_hash, expires_at)
    values (${userId}::uuid, ${familyId}::uuid, ${hashToken(refreshToken)}, ${refreshExpiresAt})`.execute(db);
  return { refreshToken, refreshExpiresAt };
}

/** Starts a session for a user (sign-in does this after checking the password). */
export async function startSession(
  services: Services<AppSchema>,
  userId: string,
  db: Executor = services.database.db,
): Promise<SessionTokens> {
  const state = stateOf(services);
  const familyId = randomUUID();
  const refresh = await addRefreshToken(db, state, userId, familyId);
  const access = await services.tokens!.issue(userId, familyId);
  return { token: access.token, expiresAt: access.expiresAt, ...refresh };
}

/**
 * Revokes sessions (the rows matching `which`) and, once that commits, moves the session
 * generation so no instance serves a cached caller of theirs; the count of sessions ended.
 */
async function revoke(db: Executor, state: AuthState, which: ReturnType<typeof sql>): Promise<number> {
  const { rows } = await sql<{
    family_id: string;
  }>`update auth_session set revoked_at = now(), updated_at = now()
    where revoked_at is null and ${which} returning family_id`.execute(db);
  if (rows.length)
    await onCommit(db, () => state.store?.bump(['session']).catch(() => {}) ?? Promise.resolve());
  return new Set(rows.map((r) => r.family_id)).size;
}

const invalidCredentials = () => new CrudError('UNAUTHORIZED', 'invalid email or password');

export const authRouter = router({
  /**
   * Email + password -> a session: a short access token and a refresh token. Unknown email and
   * wrong password fail alike, in the same time.
   */
  signIn: procedure
    .input(
      z.strictObject({
        email: storableString().trim().toLowerCase().max(320),
        password: z.string().max(200),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      stateOf(ctx.services);
      const { rows } = await sql<{ id: string; password_hash: string | null }>`
        select id, password_hash from app_user where email = ${input.email} and archived_at is null`.execute(
        ctx.db,
      );
      const found = rows[0];
      const ok = await verifyPassword(input.password, found?.password_hash ?? (await decoyHash));
      if (!found?.password_hash || !ok) throw invalidCredentials();
      const caller = await loadPrincipal(ctx.db, found.id);
      const tokens = await startSession(ctx.services as Services<AppSchema>, found.id, ctx.db);
      const user = await managersOf(schema, ctx).user.get({ db: ctx.db, caller }, { id: found.id });
      return { ...tokens, user, memberships: caller?.memberships ?? [] };
    }),

  /**
   * A refresh token -> the next access and refresh tokens of its session; the token given is used
   * up. A refresh token that was used up already is a replay (stolen, or a client that kept an old
   * copy): the whole session is revoked, the tokens issued after it included.
   */
  refresh: procedure
    // its own transaction: the revocation of a replayed session must commit although the call fails
    .meta({ atomic: true })
    .input(z.strictObject({ refreshToken: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }): Promise<SessionTokens> => {
      const state = stateOf(ctx.services);
      const hash = hashToken(input.refreshToken);
      const next = await inTransaction(ctx.db, async (db) => {
        const { rows } = await sql<{ user_id: string; family_id: string }>`
          update auth_session s set rotated_at = now(), updated_at = now()
          where s.token_hash = ${hash} and s.rotated_at is null and s.revoked_at is null and s.expires_at > now()
            and exists (select 1 from app_user u where u.id = s.user_id and u.archived_at is null)
          returning s.user_id, s.family_id`.execute(db);
        const row = rows[0];
        if (!row) return undefined;
        const refresh = await addRefreshToken(db, state, row.user_id, row.family_id);
        return { ...row, ...refresh };
      });
      if (!next) {
        const replayed = await inTransaction(ctx.db, (db) =>
          revoke(
            db,
            state,
            sql`family_id = (select family_id from auth_session where token_hash = ${hash} and rotated_at is not null)`,
          ),
        );
        throw new CrudError(
          'UNAUTHORIZED',
          replayed
            ? 'this refresh token was used already: its session is ended, sign in again'
            : 'the refresh token is not valid, or its session has ended',
        );
      }
      const access = await ctx.services.tokens!.issue(next.user_id, next.family_id);
      return {
        token: access.token,
        expiresAt: access.expiresAt,
        refreshToken: next.refreshToken,
        refreshExpiresAt: next.refreshExpiresAt,
      };
    }),

  /** Ends the caller's session (its access and refresh tokens, at once, on every instance); `everywhere`: all of them. */
  signOut: authedProcedure
    .input(z.strictObject({ everywhere: z.boolean().optional() }).optional())
    .mutation(async ({ ctx, input }) => {
      const state = stateOf(ctx.services);
      const { userId, sessionId } = ctx.caller;
      const which =
        input?.everywhere || !sessionId
          ? sql`user_id = ${userId}::uuid`
          : sql`family_id = ${sessionId}::uuid and user_id = ${userId}::uuid`;
      return { ok: true as const, sessions: await revoke(ctx.db, state, which) };
    }),

  /** The signed-in user and their memberships. */
  me: authedProcedure.query(async ({ ctx }) => {
    const user = await managersOf(schema, ctx).user.get(ctx, { id: ctx.caller.userId });
    return { user, superadmin: ctx.caller.superadmin, memberships: ctx.caller.memberships };
  }),

  /** A new password; every other session of the user ends at once (this one goes on). */
  changePassword: authedProcedure
    .input(z.strictObject({ currentPassword: z.string().max(200), newPassword: password }))
    .mutation(async ({ ctx, input }) => {
      const state = stateOf(ctx.services);
      const { rows } = await sql<{
        password_hash: string | null;
      }>`select password_hash from app_user where id = ${ctx.caller.userId}::uuid`.execute(ctx.db);
      const hash = rows[0]?.password_hash;
      // a field error, not UNAUTHORIZED: the caller's session is fine, only this input is wrong
      if (!hash || !(await verifyPassword(input.currentPassword, hash)))
        throw new CrudError('BAD_REQUEST', 'the current password is not right', {
          issues: [{ path: ['currentPassword'], message: 'is not right' }],
        });
      await setPassword(ctx.db, ctx.caller.userId, input.newPassword);
      const others = ctx.caller.sessionId
        ? sql`user_id = ${ctx.caller.userId}::uuid and family_id <> ${ctx.caller.sessionId}::uuid`
        : sql`user_id = ${ctx.caller.userId}::uuid`;
      return { ok: true as const, sessionsEnded: await revoke(ctx.db, state, others) };
    }),

  /** A superadmin sets anyone's password (e.g. a new user's first one); that user's sessions end. */
  setPassword: authedProcedure
    .input(z.strictObject({ userId: z.uuid(), password }))
    .mutation(async ({ ctx, input }) => {
      const state = stateOf(ctx.services);
      if (!ctx.caller.superadmin) throw new CrudError('FORBIDDEN', 'only a superadmin may set passwords');
      await managersOf(schema, ctx).user.get(ctx, { id: input.userId });
      await setPassword(ctx.db, input.userId, input.password);
      const others =
        input.userId === ctx.caller.userId && ctx.caller.sessionId
          ? sql`user_id = ${input.userId}::uuid and family_id <> ${ctx.caller.sessionId}::uuid`
          : sql`user_id = ${input.userId}::uuid`;
      await revoke(ctx.db, state, others);
      return { ok: true as const };
    }),
});

/**
 * `membership.accept`: the invited user turns their invitation into a membership. The rule is
 * the demo's policy `invitationOf` (the caller's own, still invited, membership): anything else —
 * someone else's invitation, an accepted one, a missing one — is NOT_FOUND alike.
 */
export const acceptInvitation = authedProcedure
  .input(z.strictObject({ id: z.uuid() }))
  .mutation(async ({ ctx, input }) => {
    const { system } = stateOf(ctx.services);
    const memberships = system.managers.membership;
    const as = { db: ctx.db, caller: ctx.caller };
    const { count } = await memberships.updateMany(as, {
      where: { id: input.id, ...invitationOf(ctx.caller) },
      data: { status: 'active' },
    });
    if (count === 0) throw new CrudError('NOT_FOUND', `membership ${input.id} not found`);
    return memberships.get(as, { id: input.id });
  });
