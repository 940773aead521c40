import { refreshingToken, type SessionTokens } from '@typecrud/client';

/** The signed-in user as `auth.signIn` / `auth.me` return it; the admin reads only these. */
export interface SessionUser {
  id: string;
  email: string;
  displayName?: string;
  role?: string;
}

export interface Session {
  /** The short-lived access token. */
  token: string;
  /** When it expires (ISO), and the token that renews it (used once). */
  expiresAt: string;
  refreshToken: string;
  user: SessionUser | null;
}

const KEY = 'typecrud.admin.session';
const listeners = new Set<() => void>();
let cached: { raw: string | null; session: Session | null } | undefined;

function read(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (cached && cached.raw === raw) return cached.session;
  let session: Session | null = null;
  try {
    const parsed = raw ? (JSON.parse(raw) as Session) : null;
    session =
      parsed &&
      typeof parsed.token === 'string' &&
      typeof parsed.refreshToken === 'string' &&
      typeof parsed.expiresAt === 'string'
        ? parsed
        : null;
  } catch {
    session = null;
  }
  cached = { raw, session };
  return session;
}

/**
 * The access token for the next request, renewed through `refresh` shortly before it expires (one
 * renewal at a time); a refused renewal ends the session, and the sign-in page says why.
 */
export function sessionToken(
  refresh: (refreshToken: string) => Promise<SessionTokens>,
): () => Promise<string | null> {
  return refreshingToken({
    get: () => {
      const s = read();
      return s ? { token: s.token, refreshToken: s.refreshToken, expiresAt: new Date(s.expiresAt) } : null;
    },
    set: (next) => {
      const s = read();
      if (!next) clearSession('Your session has ended; please sign in again.');
      else if (s)
        setSession({
          ...s,
          token: next.token,
          refreshToken: next.refreshToken,
          expiresAt: new Date(next.expiresAt).toISOString(),
        });
    },
    refresh,
  });
}

/** The session of this browser tab (sessionStorage: it ends when the tab closes). */
export function getSession(): Session | null {
  return read();
}

export function getToken(): string | null {
  return read()?.token ?? null;
}

export function setSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  for (const l of listeners) l();
}

/** Signs out; `reason` is shown on the sign-in page (an expired session, say). */
export function clearSession(reason?: string): void {
  sessionStorage.removeItem(KEY);
  if (reason) sessionStorage.setItem(`${KEY}.reason`, reason);
  for (const l of listeners) l();
}

/** Why the last session ended, once. */
export function takeSignOutReason(): string | null {
  const reason = sessionStorage.getItem(`${KEY}.reason`);
  sessionStorage.removeItem(`${KEY}.reason`);
  return reason;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
