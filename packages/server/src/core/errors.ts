import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { ConstraintInfo } from './table-model.js';

/** One problem with one part of the input, by its path (`['data', 'name']`). */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/** The structured part of every typecrud error; it reaches the client as `error.data.typecrud`. */
export interface ErrorDetails {
  /** Problems with particular fields of the input. */
  issues?: FieldIssue[];
  /** The fields a conflict or a reference is about. */
  fields?: string[];
  /** For a stale version: the version the row has now. */
  currentVersion?: number;
}

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
};

/**
 * Turns whatever a manager threw into an API error: typecrud and tRPC errors pass through,
 * database errors are mapped by code, anything else is INTERNAL_SERVER_ERROR (its message stays on the server).
 */
export function toApiError(
  e: unknown,
  entity: string,
  constraints?: ReadonlyMap<string, ConstraintInfo>,
): TRPCError {
  if (e instanceof TRPCError) return e;
  if (isDatabaseError(e)) {
    const mapper = mappers[e.code as PgCode];
    if (mapper) return mapper(e, e.constraint ? constraints?.get(e.constraint) : undefined, entity);
  }
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error', cause: e });
}
