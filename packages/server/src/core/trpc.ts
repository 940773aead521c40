import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { CrudError, type ErrorDetails, type FieldIssue, toApiError } from './errors.js';
import type { RequestContext } from './services.js';
import { inTransaction } from './transaction.js';

interface ZodLikeError {
  issues: { path: PropertyKey[]; message: string }[];
}
const isZodError = (e: unknown): e is ZodLikeError =>
  typeof e === 'object' && e !== null && Array.isArray((e as { issues?: unknown }).issues);

const issuesOf = (e: ZodLikeError): FieldIssue[] =>
  e.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: i.message,
  }));

/** The `data.typecrud` part of every error shape the client receives. */
export type ErrorData = ErrorDetails;

const t = initTRPC.context<RequestContext>().create({
  transformer: superjson,
  isDev: process.env.NODE_ENV !== 'production',
  errorFormatter({ shape, error, ctx }) {
    let details: ErrorDetails = {};
    let message = shape.message;
    if (error instanceof CrudError) details = error.details;
    else if (error.code === 'BAD_REQUEST' && isZodError(error.cause)) {
      const issues = issuesOf(error.cause);
      details = { issues };
      message = `invalid input: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
    }
    const { stack, ...data } = shape.data;
    // production: no stack traces, whatever NODE_ENV tRPC saw when it loaded
    const keepStack = stack !== undefined && !ctx?.services.production;
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
const crud = t.middleware(async ({ ctx, next, type, path }) => {
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
  if (type !== 'mutation') {
    const result = await next();
    if (!result.ok) throw map(unwrap(result.error));
    return result;
  }
  try {
    return await inTransaction(ctx.db, async (db) => {
      const result = await next({ ctx: { db } });
      if (!result.ok) throw unwrap(result.error);
      return result;
    });
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
