import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { CrudError, type ErrorDetails, type FieldIssue, toApiError } from './errors.js';
import type { RequestContext } from './services.js';
import { inTransaction } from './transaction.js';

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
  code?: string;
  /** invalid_union: the issues of each alternative. */
  errors?: ZodLikeIssue[][];
  /** unrecognized_keys: the keys. */
  keys?: string[];
}
interface ZodLikeError {
  issues: ZodLikeIssue[];
}
const isZodError = (e: unknown): e is ZodLikeError =>
  typeof e === 'object' && e !== null && Array.isArray((e as { issues?: unknown }).issues);

/**
 * True when an alternative of a union refused the input for its shape (a plain value where an
 * operators object was sent, one enum value where a list was): a wrong type or value at its
 * root, or a union of its own whose every alternative did so.
 */
const mismatched = (branch: ZodLikeIssue[]): boolean =>
  branch.some(
    (i) =>
      i.path.length === 0 &&
      (i.code === 'invalid_type' ||
        i.code === 'invalid_value' ||
        (i.code === 'invalid_union' && !!i.errors?.length && i.errors.every(mismatched))),
  );

/**
 * A union none of whose alternatives matched (`{ in: [...] }` or a plain value; one orderBy or
 * a list) says only "Invalid input"; the alternative whose shape did match (the one not refusing
 * the input at its root) says what was wrong inside it - `where.status.in: at most 1000 values` -
 * so its issues are reported instead.
 */
function flatten(issue: ZodLikeIssue): ZodLikeIssue[] {
  // one issue per unknown key, at its own path (a strict object names them only in `keys`)
  if (issue.code === 'unrecognized_keys' && issue.keys?.length)
    return issue.keys.map((k) => ({ path: [...issue.path, k], message: 'is not a known field' }));
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue];
  let typed = issue.errors.filter((branch) => branch.length > 0 && !mismatched(branch));
  // every alternative refused the shape: the one of the right type says why ('bogus' is no status)
  if (typed.length === 0)
    typed = issue.errors.filter(
      (branch) => branch.length > 0 && !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
    );
  if (typed.length !== 1) return [issue];
  return typed[0]!.flatMap((i) => flatten({ ...i, path: [...issue.path, ...i.path] }));
}

const issuesOf = (e: ZodLikeError): FieldIssue[] =>
  e.issues.flatMap(flatten).map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: i.message,
  }));

/**
 * The message and details a caller sees for a procedure's error, whatever the projection (tRPC's
 * error shape, REST's problem document): a typecrud error's own details, or the Zod issues of a
 * refused input, one per field path.
 */
export function describeError(
  error: TRPCError,
  message: string = error.message,
): { message: string; details: ErrorDetails } {
  if (error instanceof CrudError) return { message, details: error.details };
  if (error.code === 'BAD_REQUEST' && isZodError(error.cause)) {
    const issues = issuesOf(error.cause);
    const text = issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { message: `invalid input: ${text}`, details: { issues } };
  }
  return { message, details: {} };
}

/** What a procedure declares about itself. */
export interface ProcedureMeta {
  /**
   * The procedure is one manager call, atomic by itself: it opens a transaction only when it
   * needs one (hooks, audit, nested writes), so a plain single-row write is one statement.
   * Custom procedures leave this unset and run in a transaction.
   */
  atomic?: boolean;
}

const t = initTRPC
  .context<RequestContext>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    // subscriptions over Server-Sent Events: a ping keeps idle streams open through proxies
    sse: { ping: { enabled: true, intervalMs: 15_000 } },
    isDev: process.env.NODE_ENV !== 'production',
    errorFormatter({ shape, error, ctx }) {
      const { message, details } = describeError(error, shape.message);
      const { stack, ...data } = shape.data;
      // production: no stack traces, whatever NODE_ENV tRPC saw when it loaded
      // (no context: createContext failed, production or not is unknown, so no stack either)
      const keepStack = stack !== undefined && ctx !== undefined && !ctx.services.production;
      return { ...shape, message, data: { ...data, ...(keepStack ? { stack } : {}), typecrud: details } };
    },
  });

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;

/** The underlying error of a failed call: the thrown value tRPC wrapped, or the tRPC error itself. */
function unwrap(error: TRPCError): unknown {
  return error.code === 'INTERNAL_SERVER_ERROR' && !(error instanceof CrudError) && error.cause
    ? error.cause
    : error;
}

/**
 * Every procedure: mutations run in one transaction (rolled back on any error, retried on
 * serialization failures); every error is mapped by `toApiError`, the one place that knows the database's codes.
 */
const crud = t.middleware(async ({ ctx, next, type, path, meta }) => {
  const entity = path.split('.')[0] ?? path;
  const map = (e: unknown) => {
    const mapped = toApiError(e, entity, ctx.services.constraints);
    if (mapped.code === 'INTERNAL_SERVER_ERROR' && mapped.cause && !ctx.services.production) {
      // outside production, keep the cause's message for the developer
      return new TRPCError({
        code: 'INTERNAL_SERVER_ERROR',
        message: (mapped.cause as Error).message ?? 'internal error',
        cause: mapped.cause,
      });
    }
    return mapped;
  };
  if (type !== 'mutation' || meta?.atomic) {
    const result = await next();
    if (!result.ok) throw map(unwrap(result.error));
    return result;
  }
  // a custom procedure may write with raw SQL: its transaction names the caller for the audit
  // triggers up front, and tells the cache which tables the triggers saw change
  const cache = ctx.services.cache;
  try {
    return await inTransaction(
      ctx.db,
      async (db) => {
        const result = await next({ ctx: { db } });
        if (!result.ok) throw unwrap(result.error);
        return result;
      },
      {
        actor: ctx.caller?.userId ?? null,
        onChanged: cache ? (tables) => cache.tablesChanged(tables) : undefined,
      },
    );
  } catch (e) {
    throw map(e);
  }
});

/** The base of every typecrud procedure, generated or custom. */
export const procedure = t.procedure.use(crud);

/** A procedure that needs a signed-in caller: UNAUTHORIZED otherwise. */
export const authedProcedure = procedure.use(({ ctx, next }) => {
  if (!ctx.caller) throw new CrudError('UNAUTHORIZED', 'sign in first');
  return next({ ctx: { caller: ctx.caller } });
});
