import rateLimit from '@fastify/rate-limit';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import {
  type AppRouter,
  type AppServices,
  appRouter,
  createRequestContext,
  pingDatabase,
} from '@typecrud/server';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { serveAdmin } from './admin-static.js';
import type { Config } from './config.js';

export type { AppServices };

export interface AppOptions {
  config: Pick<Config, 'BODY_LIMIT' | 'MAX_BATCH_SIZE'> & Partial<Pick<Config, 'SIGNIN_RATE_LIMIT'>>;
  services: AppServices;
  /** A pino logger; none (silent) when absent. */
  logger?: FastifyBaseLogger;
}

/** A tRPC-shaped error body, so the typed client reports limits as it reports any other error. */
function trpcErrorBody(
  url: string,
  code: 'PAYLOAD_TOO_LARGE' | 'TOO_MANY_REQUESTS',
  httpStatus: number,
  message: string,
) {
  const error = {
    json: { message, code: httpStatus === 413 ? -32600 : -32029, data: { code, httpStatus, typecrud: {} } },
  };
  const batch = /[?&]batch=1/.test(url);
  if (!batch) return { error };
  const paths = (url.split('?')[0] ?? '').replace(/^\/trpc\//, '').split(',');
  return paths.map(() => ({ error }));
}

/**
 * The HTTP app: tRPC under /trpc (Fastify adapter: body limits, logging and graceful close come
 * with it) and /health, which checks the database.
 */
export async function buildApp({ config, services, logger }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: config.BODY_LIMIT,
    routerOptions: { maxParamLength: 5000 },
  });

  const limited = { 413: 'PAYLOAD_TOO_LARGE', 429: 'TOO_MANY_REQUESTS' } as const;
  /** Refuses a request over a limit with a tRPC-shaped error, which the client reads like any other. */
  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: keyof typeof limited,
    message: string,
  ) => reply.status(status).send(trpcErrorBody(request.url, limited[status], status, message));

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    if (error.statusCode === 429) return refuse(request, reply, 429, error.message);
    if (error.statusCode === 413) {
      return refuse(request, reply, 413, `request body is larger than ${config.BODY_LIMIT} bytes`);
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(error.statusCode ?? 500)
      .send({ error: error.statusCode && error.statusCode < 500 ? error.message : 'internal error' });
  });

  // A batch is one HTTP request carrying several calls; past the limit it is refused whole.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/trpc/') || !/[?&]batch=1/.test(request.url)) return;
    const calls = (request.url.split('?')[0] ?? '').split(',').length;
    if (calls > config.MAX_BATCH_SIZE) {
      return refuse(
        request,
        reply,
        413,
        `a batch may carry at most ${config.MAX_BATCH_SIZE} calls (got ${calls})`,
      );
    }
  });

  // Sign-in attempts per client address and minute: password guessing meets TOO_MANY_REQUESTS.
  await app.register(rateLimit, {
    max: config.SIGNIN_RATE_LIMIT ?? 10,
    timeWindow: '1 minute',
    allowList: (request) => !request.url.startsWith('/trpc/auth.signIn'),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `too many sign-in attempts; try again in ${context.after}`,
    }),
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req }) => createRequestContext(services, req.headers.authorization),
      onError({ error, path }) {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          app.log.error({ err: error.cause ?? error, path }, 'procedure failed');
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  app.get('/health', async (_request, reply) => {
    if (await pingDatabase(services.database)) return { status: 'ok', engine: services.database.engine };
    return reply.status(503).send({ status: 'unavailable', engine: services.database.engine });
  });

  // The admin web app on the same origin, when it has been built (apps/admin/dist).
  await serveAdmin(app);

  return app;
}
