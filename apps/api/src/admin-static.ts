import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCompress from '@fastify/compress';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { problem, problemResponse, toJson } from '@typecrud/server';
import type { FastifyInstance } from 'fastify';

/** The built admin app (`pnpm --filter @typecrud/admin build`), next to this package in the monorepo. */
export const defaultAdminDir = fileURLToPath(new URL('../../admin/dist', import.meta.url));

/**
 * The admin's Content-Security-Policy: its own origin only (scripts, styles, the API it calls),
 * no inline script, no plugins, never framed.
 */
export const adminCsp = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // served over plain http on loopback in development: upgrading would break it
  upgradeInsecureRequests: null,
};

/**
 * Serves the admin web app's built assets at `/`, on the API's origin, when they exist: hashed
 * assets are cached for good, and any other GET that is not an API path gets index.html (the
 * app's own router reads the URL). Its responses carry the security headers (CSP, no framing,
 * no referrer beyond the origin, nosniff) and are compressed (brotli or gzip, as the browser
 * accepts); source maps are never served. Without a build the API runs as before.
 */
export async function serveAdmin(app: FastifyInstance, dir = defaultAdminDir): Promise<boolean> {
  if (!existsSync(`${dir}/index.html`)) return false;
  await app.register(async (scope) => {
    await scope.register(fastifyHelmet, {
      contentSecurityPolicy: { useDefaults: false, directives: adminCsp },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      frameguard: { action: 'deny' },
    });
    await scope.register(fastifyCompress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
    await scope.register(fastifyStatic, {
      root: dir,
      index: ['index.html'],
      // a source map is a development aid: never public
      allowedPath: (path) => !path.endsWith('.map'),
      setHeaders(reply, path) {
        reply.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
    const sendIndex = (reply: { header(k: string, v: string): unknown; sendFile(f: string): unknown }) => {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    };
    scope.setNotFoundHandler((request, reply) => {
      const api = /^\/(trpc|health|api|docs)(\/|\?|$)/.test(request.url);
      const asset = /\.[a-z0-9]+$/i.test(request.url.split('?')[0] ?? '');
      // A missing file (an old asset hash) stays a 404; a page URL gets the app, which routes it.
      // The static wildcard route catches GETs first, so REST's own 404 is answered here too.
      if (/^\/api\/v\d+(\/|\?|$)/.test(request.url)) {
        const path = request.url.split('?')[0] ?? '';
        const response = problemResponse(problem(404, 'NOT_FOUND', `no route ${request.method} ${path}`));
        return reply.status(response.status).headers(response.headers).send(toJson(response.body));
      }
      if (request.method !== 'GET' || api || asset) return reply.status(404).send({ error: 'not found' });
      return sendIndex(reply);
    });
  });
  return true;
}
