import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { TRPCRequestInfo } from '@trpc/server/http';
import { schema } from '@typecrud/demo';
import { type AppRouter, type AppServices, appRouter, createRequestContext } from '@typecrud/demo/server';
import {
  CrudError,
  createRestApi,
  pingDatabase,
  type RequestContext,
  toApiError,
  unavailableRetryAfterSeconds,
} from '@typecrud/server';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { serveAdmin } from './admin-static.js';
import type { Config } from './config.js';
import { mountRest } from './rest.js';
import { createSignInLimiter, type SignInLimiter } from './signin-limit.js';

export type { AppServices };

export interface AppOptions {
  config: Pick<Config, 'BODY_LIMIT' | 'MAX_BATCH_SIZE'> &
    Partial<Pick<Config, 'SIGNIN_RATE_LIMIT' | 'MAX_RESPONSE_BYTES' | 'REDIS_URL'>>;
  services: AppServices;
  /** A pino logger; none (silent) when absent. */
  logger?: FastifyBaseLogger;
  /** Counts sign-in attempts; by default in memory, or in Redis when `config.REDIS_URL` is set. */
  signInLimiter?: SignInLimiter;
}

type LimitCode = 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS' | 'BAD_REQUEST';
const jsonRpcCodes: Record<LimitCode, number> = {
  PAYLOAD_TOO_LARGE: -32600,
  TOO_MANY_REQUESTS: -32029,
  BAD_REQUEST: -32600,
};

/** A tRPC-shaped error body (one per call of a batch), so the typed client reports it like any other error. */
function trpcErrorBody(batchOf: number | undefined, code: LimitCode, httpStatus: number, message: string) {
  const error = { json: { message, code: jsonRpcCodes[code], data: { code, httpStatus, typecrud: {} } } };
  return batchOf === undefined ? { error } : Array.from({ length: batchOf }, () => ({ error }));
}

/** The number of calls of a batched tRPC URL, read the way tRPC reads it (decoded query and path); undefined when not batched. */
function batchSize(url: string): number | undefined {
  try {
    const parsed = new URL(url, 'http://x');
    if (parsed.searchParams.get('batch') !== '1') return undefined;
    return decodeURIComponent(parsed.pathname.replace(/^\/trpc\//, '')).split(',').length;
  } catch {
    return undefined;
  }
}

/** Procedures whose calls are counted per client address and account. */
const signInPath = 'auth.signIn';

/** The email a sign-in call names, as the procedure will read it (trimmed, lower-cased); undefined when unreadable. */
async function signInEmail(call: TRPCRequestInfo['calls'][number]): Promise<string | undefined> {
  try {
    const input = (await call.getRawInput()) as { email?: unknown } | undefined;
    const email = input?.email;
    return typeof email === 'string' && email.length <= 320 ? email.trim().toLowerCase() : undefined;
  } catch {
    return undefined; // the procedure reports the unreadable input itself
  }
}

/**
 * The HTTP app: tRPC under /trpc (Fastify adapter: body limits, logging and graceful close come
 * with it) and /health, which checks the database.
 *
 * Limits are enforced on what tRPC parsed, never on the raw URL: the batch size on the calls tRPC
 * found (so `%2C`, `%62atch=1` or `batch=%31` count like the plain forms), sign-in attempts per
 * `auth.signIn` call in createContext (per client address and per account; one per batch).
 */
export async function buildApp({
  config,
  services,
  logger,
  signInLimiter,
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: config.BODY_LIMIT,
    routerOptions: { maxParamLength: 5000 },
    // shutdown: idle keep-alive sockets are closed at once; a request that arrives while closing is
    // still served (with `connection: close`), never answered 503
    forceCloseConnections: 'idle',
    return503OnClosing: false,
  });
  const limiter =
    signInLimiter ??
    createSignInLimiter({ points: config.SIGNIN_RATE_LIMIT ?? 10, redisUrl: config.REDIS_URL });
  const maxResponseBytes = config.MAX_RESPONSE_BYTES ?? 8 * 1024 * 1024;

  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: 400 | 413,
    code: LimitCode,
    message: string,
  ) => reply.status(status).send(trpcErrorBody(batchSize(request.url), code, status, message));

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    if (error.statusCode === 413) {
      return refuse(
        request,
        reply,
        413,
        'PAYLOAD_TOO_LARGE',
        `request body is larger than ${config.BODY_LIMIT} bytes`,
      );
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(error.statusCode ?? 500)
      .send({ error: error.statusCode && error.statusCode < 500 ? error.message : 'internal error' });
  });

  // While closing, every response ends its connection and idle sockets are reaped as they appear,
  // so keep-alive clients cannot hold the server open past the in-flight work.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async () => {
    if (closing) app.server.closeIdleConnections();
  });

  // The response size: tRPC hands Fastify a whole Response; one over MAX_RESPONSE_BYTES is replaced by an error.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/trpc/') || !(payload instanceof Response) || payload.body === null)
      return payload;
    // errors are small (and a batch whose every call failed is 4xx/5xx): results are what can grow
    if (payload.status !== 200 && payload.status !== 207) return payload;
    const type = payload.headers.get('content-type') ?? '';
    if (!type.startsWith('application/json')) return payload;
    const body = Buffer.from(await payload.arrayBuffer());
    if (body.length <= maxResponseBytes) {
      return new Response(body, { status: payload.status, headers: payload.headers });
    }
    request.log.warn({ bytes: body.length }, 'response over MAX_RESPONSE_BYTES refused');
    const message = `the response would be ${body.length.toLocaleString('en-US')} bytes; the limit is ${maxResponseBytes.toLocaleString('en-US')}: ask for fewer rows (a smaller limit, fewer or narrower includes)`;
    const batch = body[0] === 0x5b ? batchSize(request.url) : undefined;
    reply.header('content-type', 'application/json');
    return new Response(JSON.stringify(trpcErrorBody(batch, 'BAD_REQUEST', 400, message)), {
      status: 400,
      headers: { 'content-type': 'application/json' },
    });
  });

  /** The caller of a request (a bearer token or none); an outage while reading it is 503 like anywhere else. */
  const contextOf = async (
    authorization: string | undefined,
    log: FastifyBaseLogger,
  ): Promise<RequestContext> => {
    try {
      return await createRequestContext(services, authorization);
    } catch (e) {
      // authentication reads the database too: an outage there is 503 like anywhere else
      const mapped = toApiError(e, 'auth', services.constraints);
      if (mapped.code === 'INTERNAL_SERVER_ERROR') {
        log.error({ err: e }, 'authentication failed');
        throw new CrudError('INTERNAL_SERVER_ERROR', 'internal error');
      }
      throw mapped;
    }
  };

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      async createContext({ req, info }) {
        // the batch as tRPC parsed it: its calls, whatever encoding the URL used
        if (info.calls.length > config.MAX_BATCH_SIZE) {
          throw new CrudError(
            'PAYLOAD_TOO_LARGE',
            `a batch may carry at most ${config.MAX_BATCH_SIZE} calls (got ${info.calls.length})`,
          );
        }
        const signIns = info.calls.filter((c) => c.path === signInPath);
        if (signIns.length > 1) {
          throw new CrudError('BAD_REQUEST', `a batch may carry at most one ${signInPath} call`);
        }
        if (signIns[0]) await limiter.consume(req.ip, await signInEmail(signIns[0]));
        return contextOf(req.headers.authorization, req.log);
      },
      responseMeta({ errors }) {
        const retryAfter = errors.reduce((max, e) => {
          const s =
            e.code === 'SERVICE_UNAVAILABLE'
              ? unavailableRetryAfterSeconds
              : e instanceof CrudError
                ? (e.details.retryAfterSeconds ?? 0)
                : 0;
          return Math.max(max, s);
        }, 0);
        return retryAfter > 0 ? { headers: { 'retry-after': String(retryAfter) } } : {};
      },
      onError({ error, path }) {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          app.log.error({ err: error.cause ?? error, path }, 'procedure failed');
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  // REST and OpenAPI: the same procedures through a caller, so the same rules, hooks, limits and errors
  const rest = createRestApi(
    {
      schema,
      router: appRouter,
      resources: { audit: { entity: 'auditEntry', path: 'audit-entries' } },
      procedures: {
        'auth.signIn': {
          method: 'POST',
          path: '/auth/sign-in',
          summary: 'Email + password -> a bearer token',
        },
        'auth.me': { method: 'GET', path: '/auth/me', summary: 'The signed-in user and their memberships' },
        'release.publish': { method: 'POST', path: '/releases/{id}/publish', summary: 'Publish a release' },
      },
      async createContext(request, route) {
        if (route.procedure === signInPath) {
          const email = (request.body as { email?: unknown } | undefined)?.email;
          await limiter.consume(
            request.ip ?? '',
            typeof email === 'string' && email.length <= 320 ? email.trim().toLowerCase() : undefined,
          );
        }
        const authorization = request.headers.authorization;
        return contextOf(Array.isArray(authorization) ? authorization[0] : authorization, app.log);
      },
    },
    { title: 'typecrud demo API', version: '1', description: 'REST projection of the tRPC router' },
  );
  await mountRest(app, {
    rest,
    bodyLimit: config.BODY_LIMIT,
    maxResponseBytes,
    documentPath: '/api/openapi.json',
  });

  app.get('/health', async (_request, reply) => {
    if (await pingDatabase(services.database)) return { status: 'ok', engine: services.database.engine };
    return reply
      .status(503)
      .header('retry-after', String(unavailableRetryAfterSeconds))
      .send({ status: 'degraded', engine: services.database.engine });
  });

  app.addHook('onClose', async () => {
    await limiter.close();
  });

  // The admin web app on the same origin, when it has been built (apps/admin/dist).
  await serveAdmin(app);

  return app;
}
