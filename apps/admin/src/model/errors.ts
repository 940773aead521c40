import { callError, TRPCClientError } from '@typecrud/client';
import { issuesByField } from './form-model.js';

/** How the admin shows a failed call. */
export type ErrorKind =
  | 'connection'
  | 'unauthorized'
  | 'forbidden'
  | 'notFound'
  | 'conflict'
  | 'invalid'
  | 'other';

export interface AdminError {
  kind: ErrorKind;
  message: string;
  /** Messages by field, from the server's issues. */
  fields: Record<string, string>;
  /** A stale version: the row's version now. */
  currentVersion?: number;
}

const kinds: Record<string, ErrorKind> = {
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'notFound',
  CONFLICT: 'conflict',
  BAD_REQUEST: 'invalid',
};

/**
 * Classifies an error: no HTTP response at all is a lost connection (offer a retry); a typecrud
 * error maps by its code, with its field issues by field name.
 */
export function describeError(e: unknown): AdminError {
  if (e instanceof TRPCClientError && !e.data) {
    // No tRPC body: the request never got an answer (offline, server down, proxy error page).
    const status = (e.meta as { response?: { status?: number } } | undefined)?.response?.status;
    if (status === undefined || status >= 500 || status === 0) {
      return { kind: 'connection', message: 'The server could not be reached.', fields: {} };
    }
  }
  if (e instanceof TypeError)
    return { kind: 'connection', message: 'The server could not be reached.', fields: {} };
  const err = callError(e);
  if (!err) return { kind: 'other', message: e instanceof Error ? e.message : String(e), fields: {} };
  const fields = issuesByField(err.issues);
  // A stale version names `version`, which no form shows; a unique conflict names the fields to fix.
  if (err.currentVersion === undefined)
    for (const f of err.fields) fields[f] ??= err.code === 'CONFLICT' ? 'already exists' : 'is not valid';
  delete fields[''];
  return {
    kind: kinds[err.code] ?? 'other',
    message: err.message,
    fields,
    ...(err.currentVersion !== undefined ? { currentVersion: err.currentVersion } : {}),
  };
}

export function isConnectionError(e: unknown): boolean {
  return describeError(e).kind === 'connection';
}
