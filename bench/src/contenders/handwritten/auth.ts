import { TRPCError } from '@trpc/server';
import { jwtVerify, SignJWT } from 'jose';
import { type Kysely, sql } from 'kysely';
import type { BenchDB } from './db.js';

/** The token secret and admin account the typecrud contender uses too: one user, signed in on both. */
export const benchTokenSecret = 'bench-token-secret-bench-token-secret';
export const benchAdmin = { email: 'bench-admin@bench.test', password: 'bench-password-1234' };

const key = new TextEncoder().encode(benchTokenSecret);
const issuer = 'typecrud';

export interface Principal {
  userId: string;
  superadmin: boolean;
  memberships: { tenantId: string; role: string }[];
}

/**
 * Sign-in as a hand-written app would do it, the same work typecrud's createRequestContext does per
 * request: verify the HS256 bearer token (jose), then load the caller's role and memberships in one statement.
 */
export function bearerContext(db: Kysely<BenchDB>) {
  return async (authorization: string | undefined): Promise<{ caller: Principal }> => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
    const { payload } = await jwtVerify(token, key, { issuer, algorithms: ['HS256'] }).catch(() => {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'invalid token' });
    });
    const { rows } = await sql<{ role: string; memberships: Principal['memberships'] }>`
      select u.role, coalesce((
        select json_agg(json_build_object('tenantId', m.organization_id, 'role', m.role))
        from membership m where m.user_id = u.id), '[]'::json) as memberships
      from app_user u where u.id = ${payload.sub}::uuid and u.archived_at is null`.execute(db);
    const row = rows[0];
    if (!row)
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'the user of this token no longer exists' });
    return {
      caller: { userId: payload.sub!, superadmin: row.role === 'superadmin', memberships: row.memberships },
    };
  };
}

/** A token for the bench admin (created by the typecrud contender, which starts first). */
export async function adminToken(db: Kysely<BenchDB>): Promise<string> {
  const { rows } = await sql<{
    id: string;
  }>`select id from app_user where email = ${benchAdmin.email}`.execute(db);
  const id = rows[0]?.id;
  if (!id) throw new Error('no bench admin: start the typecrud contender first');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(id)
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(key);
}
