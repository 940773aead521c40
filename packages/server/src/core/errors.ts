import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ErrorDetails, FieldIssue } from '@typecrud/shared';
import type { ConstraintInfo } from './table-model.js';

export type { ErrorDetails, FieldIssue };

/** An error with a tRPC code and details the client can act on. */
export class CrudError extends TRPCError {
  readonly details: ErrorDetails;
  constructor(code: TRPC_ERROR_CODE_KEY, message: string, details: ErrorDetails = {}, cause?: unknown) {
    super({ code, message, cause });
    this.details = details;
  }
}

export const notFound = (entity: string, id?: string) =>
  new CrudError('NOT_FOUND', id ? `${entity} ${id} not found` : `${entity} not found`);

export const badRequest = (message: string, issues: FieldIssue[] = []) =>
  new CrudError('BAD_REQUEST', message, { issues });

/** The caller's rules refuse this write (the row as it is, or as it would be). */
export const forbidden = (message: string) => new CrudError('FORBIDDEN', message);

/** A write with `expectedVersion` found the row at another version: nothing changed. */
export const staleVersion = (entity: string, id: string, current: number, expected: number) =>
  new CrudError(
    'CONFLICT',
    `${entity} ${id} was changed by someone else (version ${current}, expected ${expected})`,
    { fields: ['version'], currentVersion: current },
  );

/**
 * Statements abort themselves when a row fails a rule checked after the write (or a bulk
 * limit): they cast a marked text to integer, an error (22P02) whose message carries the marker
 * and what failed. This reads it back: `{ kind: 'rule', what: 'update' }`, or null.
 */
export const abortMarker = 'typecrud-abort';

export function statementAbort(e: unknown): { kind: string; what: string } | null {
  if (!isDatabaseError(e) || e.code !== pgCodes.invalidText) return null;
  const message = (e as { message?: unknown }).message;
  const m =
    typeof message === 'string' ? new RegExp(`${abortMarker}:([a-z]+):([a-zA-Z]+):`).exec(message) : null;
  return m ? { kind: m[1]!, what: m[2]! } : null;
}

/** PostgreSQL error codes typecrud maps; every other code is an internal error. */
export const pgCodes = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  notNullViolation: '23502',
  checkViolation: '23514',
  invalidText: '22P02',
  stringTooLong: '22001',
  numericOutOfRange: '22003',
  serializationFailure: '40001',
  deadlock: '40P01',
  queryCanceled: '57014',
  untranslatableCharacter: '22P05',
  characterNotInRepertoire: '22021',
} as const;

type PgCode = (typeof pgCodes)[keyof typeof pgCodes];

/** The fields of a database error that both `pg` and PGlite set. */
interface DatabaseErrorLike {
  code: string;
  constraint?: string;
  column?: string;
  detail?: string;
  table?: string;
}

export function isDatabaseError(e: unknown): e is DatabaseErrorLike {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((e as { code: string }).code)
  );
}

/** Codes a transaction is retried on. */
export function isRetryable(e: unknown): boolean {
  return isDatabaseError(e) && (e.code === pgCodes.serializationFailure || e.code === pgCodes.deadlock);
}

type Mapper = (e: DatabaseErrorLike, info: ConstraintInfo | undefined, entity: string) => CrudError;

const fieldsOf = (e: DatabaseErrorLike, info: ConstraintInfo | undefined) =>
  info ? [...info.fields] : e.column ? [e.column] : [];

/** The one place database errors become API errors. */
const mappers: Record<PgCode, Mapper> = {
  [pgCodes.uniqueViolation]: (e, info, entity) => {
    const fields = fieldsOf(e, info);
    return new CrudError(
      'CONFLICT',
      `${entity} with this ${fields.join(' + ') || 'value'} already exists`,
      {
        fields,
        issues: fields.map((f) => ({ path: [f], message: 'already exists' })),
      },
      e,
    );
  },
  [pgCodes.foreignKeyViolation]: (e, info, entity) => {
    const fields = fieldsOf(e, info);
    if (e.detail?.includes('still referenced')) {
      const by = /from table "([^"]+)"/.exec(e.detail)?.[1] ?? info?.table ?? 'another table';
      return new CrudError(
        'CONFLICT',
        `${entity} is still referenced by ${by}; delete or move those rows first`,
        { fields },
        e,
      );
    }
    return new CrudError(
      'BAD_REQUEST',
      `${fields.join(', ') || 'a reference'} points to a row that does not exist`,
      {
        fields,
        issues: fields.map((f) => ({ path: [f], message: 'refers to a row that does not exist' })),
      },
      e,
    );
  },
  [pgCodes.notNullViolation]: (e) =>
    new CrudError(
      'BAD_REQUEST',
      `${e.column ?? 'a field'} is required`,
      {
        issues: [{ path: [e.column ?? ''], message: 'is required' }],
      },
      e,
    ),
  [pgCodes.checkViolation]: (e, info) => {
    const fields = fieldsOf(e, info);
    return new CrudError(
      'BAD_REQUEST',
      `${fields.join(', ') || 'a value'} is not allowed`,
      {
        fields,
        issues: fields.map((f) => ({ path: [f], message: 'is not an allowed value' })),
      },
      e,
    );
  },
  [pgCodes.invalidText]: (e) => new CrudError('BAD_REQUEST', 'a value has the wrong format', {}, e),
  [pgCodes.stringTooLong]: (e) => new CrudError('BAD_REQUEST', 'a value is too long', {}, e),
  [pgCodes.numericOutOfRange]: (e) => new CrudError('BAD_REQUEST', 'a number is out of range', {}, e),
  [pgCodes.serializationFailure]: (e) =>
    new CrudError('CONFLICT', 'a concurrent change interfered; try again', {}, e),
  [pgCodes.deadlock]: (e) => new CrudError('CONFLICT', 'a concurrent change interfered; try again', {}, e),
  [pgCodes.queryCanceled]: (e) => new CrudError('TIMEOUT', 'the query took too long', {}, e),
  [pgCodes.untranslatableCharacter]: (e) =>
    new CrudError('BAD_REQUEST', 'a value holds a character the database cannot store', {}, e),
  [pgCodes.characterNotInRepertoire]: (e) =>
    new CrudError('BAD_REQUEST', 'a value holds a character the database cannot store', {}, e),
};

/**
 * PostgreSQL codes of a database that cannot serve now: shutting down or starting up (57P01-57P03),
 * connection exceptions (class 08), too many connections (53300).
 */
const unavailableCodes = /^(57P0[123]|08[0-9A-Z]{3}|53300)$/;
/** Node socket errors of an unreachable server. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** Errors `pg`, its pool, Kysely and PGlite raise without a code when the connection is gone. */
const unavailableMessages =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|PGlite is closed|driver has already been destroyed)/;

/** True when `e` says the database cannot be reached (restart, outage, closed pool): SERVICE_UNAVAILABLE, not a bug. */
export function isUnavailable(e: unknown, depth = 0): boolean {
  if (typeof e !== 'object' || e === null || depth > 3) return false;
  const { code, message, errors, cause } = e as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (unavailableCodes.test(code) || socketCodes.has(code))) return true;
  if (typeof message === 'string' && unavailableMessages.test(message)) return true;
  // an AggregateError (every address of the host refused), or a wrapped cause
  if (Array.isArray(errors) && errors.some((x) => isUnavailable(x, depth + 1))) return true;
  return cause !== undefined && isUnavailable(cause, depth + 1);
}

/** Seconds a client should wait before retrying when the database is unavailable (the Retry-After header). */
export const unavailableRetryAfterSeconds = 2;

/** The fixed answer to any call while the database cannot be reached: nothing of the cause reaches the client. */
export const unavailable = (cause?: unknown) =>
  new CrudError(
    'SERVICE_UNAVAILABLE',
    'the service is temporarily unavailable; try again shortly',
    { retryAfterSeconds: unavailableRetryAfterSeconds },
    cause,
  );

/**
 * Turns whatever a manager threw into an API error: typecrud and tRPC errors pass through,
 * database errors are mapped by code, anything else is INTERNAL_SERVER_ERROR (its message stays on the server).
 */
export function toApiError(
  e: unknown,
  entity: string,
  constraints?: ReadonlyMap<string, ConstraintInfo>,
): TRPCError {
  if (e instanceof TRPCError) {
    // a procedure's unexpected error wraps the database's: still an outage, not a bug
    if (e.code === 'INTERNAL_SERVER_ERROR' && !(e instanceof CrudError) && isUnavailable(e.cause))
      return unavailable(e.cause);
    return e;
  }
  if (isUnavailable(e)) return unavailable(e);
  if (isDatabaseError(e)) {
    const mapper = mappers[e.code as PgCode];
    if (mapper) return mapper(e, e.constraint ? constraints?.get(e.constraint) : undefined, entity);
    // any other data exception (class 22) is about a value the client sent
    if (e.code.startsWith('22')) return new CrudError('BAD_REQUEST', 'a value is not valid', {}, e);
  }
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error', cause: e });
}
