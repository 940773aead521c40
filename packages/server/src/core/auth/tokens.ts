import { errors, jwtVerify, SignJWT } from 'jose';
import { CrudError } from '../errors.js';

export interface TokenService {
  /** A signed JWT for the user, expiring after the configured lifetime. */
  issue(userId: string): Promise<{ token: string; expiresAt: Date }>;
  /** The user id of a valid token; UNAUTHORIZED for an expired, malformed or wrongly signed one. */
  verify(token: string): Promise<string>;
}

export interface TokenOptions {
  /** At least 32 characters. */
  secret: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
  issuer?: string;
}

/** HS256 tokens with jose: `sub` is the user id; issuer and expiry are checked on every request. */
export function createTokenService({ secret, ttlSeconds, issuer = 'typecrud' }: TokenOptions): TokenService {
  if (secret.length < 32) throw new Error('the token secret must be at least 32 characters');
  const key = new TextEncoder().encode(secret);
  return {
    async issue(userId) {
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { issuer, algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string') throw new CrudError('UNAUTHORIZED', 'the token names no user');
        return payload.sub;
      } catch (e) {
        if (e instanceof CrudError) throw e;
        const message = e instanceof errors.JWTExpired ? 'the token has expired' : 'the token is not valid';
        throw new CrudError('UNAUTHORIZED', message);
      }
    },
  };
}
