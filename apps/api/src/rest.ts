import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import { problem, problemResponse, type RestApi, type RestResponse, toJson } from '@typecrud/server';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface RestMountOptions {
  rest: RestApi;
  /** The largest request body, in bytes (BODY_LIMIT). */
  bodyLimit: number;
  /** The largest response body, in bytes (MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  /** Where the OpenAPI document is served. */
  documentPath: string;
}

const send = (reply: FastifyReply, response: RestResponse) => {
  reply.status(response.status).headers(response.headers);
  return response.body === undefined ? reply.send() : reply.send(toJson(response.body));
};

/** Fastify's own refusals (parsing, limits) as problem documents naming what was wrong. */
function refusal(
  error: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): RestResponse {
  if (error.statusCode === 413)
    return problemResponse(
      problem(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${bodyLimit} bytes`),
    );
  if (error.statusCode === 415)
    return problemResponse(
      problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON (content-type: application/json)', {
        issues: [{ path: ['content-type'], message: 'must be application/json' }],
      }),
    );
  if (error.code === 'TYPECRUD_BAD_JSON')
    return problemResponse(
      problem(400, 'BAD_REQUEST', `the body is not valid JSON: ${error.message}`, {
        issues: [{ path: ['(body)'], message: 'is not valid JSON' }],
      }),
    );
  if (error.statusCode && error.statusCode < 500)
    return problemResponse(problem(400, 'BAD_REQUEST', error.message));
  return problemResponse(problem(500, 'INTERNAL_SERVER_ERROR', 'internal error'));
}

/**
 * The REST routes under their base path, the OpenAPI document, and the API docs (Swagger UI from
 * its npm package, no CDN) at /docs. Only JSON bodies are read; every refusal is a problem document.
 */
export async function mountRest(app: FastifyInstance, options: RestMountOptions): Promise<void> {
  const { rest, bodyLimit, maxResponseBytes } = options;
  await app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
        const text = body as string;
        if (text.trim() === '') return done(null, undefined);
        try {
          done(null, JSON.parse(text));
        } catch (e) {
          done(
            Object.assign(new Error((e as Error).message), { code: 'TYPECRUD_BAD_JSON', statusCode: 400 }),
          );
        }
      });
      scope.setErrorHandler(
        (error: { code?: string; statusCode?: number; message: string }, request, reply) => {
          if (!error.statusCode || error.statusCode >= 500)
            request.log.error({ err: error }, 'rest request failed');
          return send(reply, refusal(error, bodyLimit));
        },
      );
      scope.setNotFoundHandler((request, reply) =>
        send(
          reply,
          problemResponse(
            problem(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
          ),
        ),
      );
      for (const route of rest.routes) {
        scope.route({
          method: route.method,
          url: route.path.replace(/\{(\w+)\}/g, ':$1'),
          async handler(request, reply) {
            const response = await rest.handle(route, {
              ip: request.ip,
              params: request.params as Record<string, string>,
              query: request.query as Record<string, string | string[] | undefined>,
              headers: request.headers,
              body: request.body,
            });
            if (response.status >= 500 && response.body)
              request.log.error(
                { route: route.operationId, problem: response.body },
                'rest procedure failed',
              );
            if (response.body === undefined) return send(reply, response);
            const text = toJson(response.body);
            const bytes = Buffer.byteLength(text);
            if (bytes <= maxResponseBytes) {
              reply.status(response.status).headers(response.headers);
              return reply.send(text);
            }
            request.log.warn({ bytes }, 'response over MAX_RESPONSE_BYTES refused');
            return send(
              reply,
              problemResponse(
                problem(
                  400,
                  'BAD_REQUEST',
                  `the response would be ${bytes.toLocaleString('en-US')} bytes; the limit is ${maxResponseBytes.toLocaleString('en-US')}: ask for fewer rows (a smaller limit, fewer or narrower includes)`,
                ),
              ),
            );
          },
        });
      }
    },
    { prefix: rest.basePath },
  );

  app.get(options.documentPath, async (_request, reply) =>
    reply.type('application/json').send(rest.document()),
  );

  const require = createRequire(import.meta.url);
  const swaggerDir = dirname(require.resolve('swagger-ui-dist/package.json'));
  const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>API docs</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/docs-init.js"></script>
  </body>
</html>
`;
  const docsInit = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(options.documentPath)}, dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n`;
  await app.register(fastifyStatic, {
    root: swaggerDir,
    prefix: '/docs/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => /^\/(swagger-ui(-bundle)?\.(js|css)|favicon-\d+x\d+\.png)$/.test(path),
  });
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsPage));
  app.get('/docs/docs-init.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(docsInit),
  );
}
