import { errors, jwtVerify, SignJWT } from 'jose';
import { CrudError } from '../errors.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a valid access token says: whose it is and the session it belongs to. */
export interface TokenClaims {
  userId: string;
  /** The session (`sid`) the token was issued for: revoking the session revokes the token. */
  sessionId: string;
}

export interface TokenService {
  /** A signed access token for the user's session, expiring after the configured lifetime. */
  issue(userId: string, sessionId: string): Promise<{ token: string; expiresAt: Date }>;
  /**
   * The claims of a valid token; UNAUTHORIZED for an expired, malformed or wrongly signed one,
   * and for one without `exp`, `iat` or a session id.
   */
  verify(token: string): Promise<TokenClaims>;
  /** Lifetime of an access token, in seconds. */
  readonly ttlSeconds: number;
}

export interface TokenOptions {
  /** At least 32 characters. */
  secret: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
  issuer?: string;
}

/**
 * HS256 tokens with jose: `sub` is the user id, `sid` the session; issuer, expiry and issue time
 * are required and checked on every request (a token without `exp` never verifies).
 */
export function createTokenService({ secret, ttlSeconds, issuer = 'typecrud' }: TokenOptions): TokenService {
  if (secret.length < 32) throw new Error('the token secret must be at least 32 characters');
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    async issue(userId, sessionId) {
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(issuer)
        .setIssuedAt()
        // every token is distinct, even two issued in the same second for the same session
        .setJti(crypto.randomUUID())
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer,
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'iat', 'sub', 'sid'],
        });
        // a validly signed token naming something that is not a user id is as bad as a forged one
        if (typeof payload.sub !== 'string' || !uuidPattern.test(payload.sub))
          throw new CrudError('UNAUTHORIZED', 'the token names no user');
        if (typeof payload.sid !== 'string' || !uuidPattern.test(payload.sid))
          throw new CrudError('UNAUTHORIZED', 'the token names no session');
        return { userId: payload.sub, sessionId: payload.sid };
      } catch (e) {
        if (e instanceof CrudError) throw e;
        const message = e instanceof errors.JWTExpired ? 'the token has expired' : 'the token is not valid';
        throw new CrudError('UNAUTHORIZED', message);
      }
    },
  };
}
