import type { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorDetails, FieldIssue } from '@typecrud/shared';
import { describeError } from '../trpc.js';

/**
 * An RFC 9457 problem document (`application/problem+json`): `status`, `title` and `detail` as the
 * RFC has them, plus typecrud's members: the tRPC `code`, the `issues` naming the fields, and the
 * rest of the error's details (`fields`, `currentVersion`, `retryAfterSeconds`).
 */
export interface Problem extends ErrorDetails {
  type: 'about:blank';
  status: number;
  title: string;
  /** The same message a tRPC caller gets. */
  detail: string;
  /** The same code a tRPC caller gets (`NOT_FOUND`, `BAD_REQUEST`, ...). */
  code: TRPC_ERROR_CODE_KEY;
  issues: FieldIssue[];
}

export const problemContentType = 'application/problem+json';

/** Reason phrases of the statuses typecrud answers with. */
const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** A problem document for a status, a code and a message. */
export function problem(
  status: number,
  code: TRPC_ERROR_CODE_KEY,
  detail: string,
  details: ErrorDetails = {},
): Problem {
  return {
    type: 'about:blank',
    status,
    title: titles[status] ?? 'Error',
    detail,
    code,
    ...details,
    issues: details.issues ?? [],
  };
}

/**
 * The problem document of a procedure's error: its HTTP status from tRPC's own table (so REST and
 * tRPC answer alike), its message and details as the tRPC error shape carries them. A stale version
 * on a request with `If-Match` is 412 Precondition Failed.
 */
export function problemOf(error: TRPCError, options: { precondition?: boolean } = {}): Problem {
  const { message, details } = describeError(error);
  const stale = options.precondition && error.code === 'CONFLICT' && details.currentVersion !== undefined;
  return problem(stale ? 412 : getHTTPStatusCodeFromError(error), error.code, message, details);
}
