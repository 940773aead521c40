/** The tokens of a signed-in session, as a sign-in or a refresh returns them. */
export interface SessionTokens {
  /** The short-lived access token sent as `Bearer`. */
  token: string;
  expiresAt: Date;
  /** Exchanged, once, for the next pair. */
  refreshToken: string;
}

export interface RefreshingTokenOptions<T extends SessionTokens> {
  /** The tokens held now (null: signed out). */
  get(): T | null;
  /** Keeps the next tokens; null when the session has ended (the refresh was refused). */
  set(tokens: T | null): void;
  /** Exchanges a refresh token for the next tokens (e.g. `auth.refresh` through a client without a token). */
  refresh(refreshToken: string): Promise<T>;
  /** How long before the access token expires it is renewed, in ms (30 s by default). */
  earlyMs?: number;
  /** Whether a failed refresh means the session is over (default: yes unless the failure looks like a network error). */
  isFinal?(error: unknown): boolean;
}

const looksOffline = (e: unknown) =>
  e instanceof TypeError || /fetch failed|ECONN|network/i.test(e instanceof Error ? e.message : String(e));

/**
 * A `token` function for createClient that renews the access token before it expires: at most
 * one refresh at a time (concurrent calls wait for it, since a refresh token is used only once),
 * the result handed to `set`. A refused refresh ends the session (`set(null)`); a network failure
 * keeps the tokens and sends the current one.
 */
export function refreshingToken<T extends SessionTokens>(
  options: RefreshingTokenOptions<T>,
): () => Promise<string | null> {
  const early = options.earlyMs ?? 30_000;
  const isFinal = options.isFinal ?? ((e: unknown) => !looksOffline(e));
  let pending: Promise<string | null> | undefined;
  return async () => {
    const current = options.get();
    if (!current) return null;
    if (new Date(current.expiresAt).getTime() - Date.now() > early) return current.token;
    pending ??= (async () => {
      try {
        const next = await options.refresh(current.refreshToken);
        options.set(next);
        return next.token;
      } catch (e) {
        if (!isFinal(e)) return current.token;
        options.set(null);
        return null;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
