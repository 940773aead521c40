import type { QueryKey, UseMutationOptions, UseQueryOptions } from '@tanstack/react-query';
import type { TRPCClient } from '@trpc/client';
import { createClient } from '@typecrud/client';
import type { AppRouter } from '@typecrud/demo/server';
import type { DeletePreview, EntityPermissions } from '@typecrud/server';
import type { SessionUser } from '../auth/session.js';
import type { Row } from '../model/entities.js';
import { overridesOf } from '../overrides.js';
import { useTRPC as useTypedTRPC } from './context.js';

export { TRPCProvider } from './context.js';

/**
 * The tRPC client of the admin: packages/client's link setup (superjson, batching, the bearer
 * token read per request), against the origin that served the page (the API, or Vite's proxy in dev).
 */
export function createAdminClient(
  token: () => string | null | Promise<string | null>,
  url = window.location.origin,
): TRPCClient<AppRouter> {
  return createClient<AppRouter>({ url, token }) as unknown as TRPCClient<AppRouter>;
}

/** A query procedure as the generic pages use it (the admin does not know entity types statically). */
export interface QueryProcedure<I, O> {
  queryOptions(
    input: I,
    opts?: { enabled?: boolean },
  ): UseQueryOptions<O, Error, O, QueryKey> & { queryKey: QueryKey };
  queryKey(input?: I): QueryKey;
}
export interface MutationProcedure<I, O> {
  mutationOptions(opts?: Record<string, never>): UseMutationOptions<O, Error, I>;
}

export interface Page {
  items: Row[];
  nextCursor: string | null;
  total?: number;
}

/** The generated procedures of one entity, untyped: every entity router has exactly these. */
export interface EntityProcedures {
  list: QueryProcedure<Record<string, unknown>, Page>;
  get: QueryProcedure<{ id: string; include?: Record<string, unknown>; withArchived?: boolean }, Row>;
  create: MutationProcedure<Record<string, unknown>, Row>;
  update: MutationProcedure<{ id: string; data: Record<string, unknown>; expectedVersion?: number }, Row>;
  delete: MutationProcedure<{ id: string; withArchived?: boolean }, { id: string }>;
  deleteMany: MutationProcedure<{ where: Record<string, unknown> }, { count: number }>;
  archive: MutationProcedure<{ id: string }, Row>;
  /** What deleting `ids` would remove, under the caller's rules (nothing is written). */
  deletePreview: QueryProcedure<{ ids: string[]; withArchived?: boolean }, DeletePreview>;
  /** What the caller may do with the entity and with each of `ids`. */
  permissions: QueryProcedure<{ ids?: string[] }, EntityPermissions>;
  restore: MutationProcedure<{ id: string }, Row>;
  pathFilter(): { queryKey: QueryKey };
}

/** The auth procedures the admin uses: `auth.signIn`, `auth.me`, `auth.changePassword`, `auth.setPassword`. */
export interface AuthProcedures {
  signIn: MutationProcedure<
    { email: string; password: string },
    { token: string; expiresAt: Date; refreshToken: string; user: SessionUser }
  >;
  me: QueryProcedure<undefined, { user: SessionUser; superadmin: boolean }>;
  /** One's own new password; every other session of the user ends. */
  changePassword: MutationProcedure<
    { currentPassword: string; newPassword: string },
    { ok: true; sessionsEnded: number }
  >;
  /** A superadmin sets anyone's password (a new user's first one); that user's sessions end. */
  setPassword: MutationProcedure<{ userId: string; password: string }, { ok: true }>;
}

/** The typed tRPC options proxy (for the few places that name a procedure statically). */
export const useTRPC = useTypedTRPC;

/** One entity's procedures, by name. */
export function useEntityApi(entity: string): EntityProcedures {
  const trpc = useTypedTRPC() as unknown as Record<string, EntityProcedures>;
  const api = trpc[overridesOf(entity).router ?? entity];
  if (!api) throw new Error(`the API has no router for ${entity}`);
  return api;
}

export function useAuthApi(): AuthProcedures {
  return (useTypedTRPC() as unknown as { auth: AuthProcedures }).auth;
}
