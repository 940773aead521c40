import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The built admin app (`pnpm --filter @typecrud/admin build`), next to this package in the monorepo. */
export const defaultAdminDir = fileURLToPath(new URL('../../admin/dist', import.meta.url));

/**
 * Serves the admin web app's built assets at `/`, on the API's origin, when they exist: hashed
 * assets are cached for good, and any other GET that is not an API path gets index.html (the
 * app's own router reads the URL). Without a build the API runs as before.
 */
export async function serveAdmin(app: FastifyInstance, dir = defaultAdminDir): Promise<boolean> {
  if (!existsSync(`${dir}/index.html`)) return false;
  await app.register(fastifyStatic, {
    root: dir,
    index: ['index.html'],
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
  app.setNotFoundHandler((request, reply) => {
    const api = request.url.startsWith('/trpc') || request.url.startsWith('/health');
    const asset = /\.[a-z0-9]+$/i.test(request.url.split('?')[0] ?? '');
    // A missing file (an old asset hash) stays a 404; a page URL gets the app, which routes it.
    if (request.method !== 'GET' || api || asset) return reply.status(404).send({ error: 'not found' });
    return sendIndex(reply);
  });
  return true;
}
