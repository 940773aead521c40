import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAdmin } from '../src/admin-static.js';

/** The admin's assets over a real socket: security headers, compression, no source maps, the app for page URLs. */
describe('serving the admin build', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  const script = `console.log(${JSON.stringify('x'.repeat(20_000))});\n//# sourceMappingURL=app.js.map\n`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'typecrud-admin-static-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>typecrud admin</title><div id="root"></div>',
    );
    writeFileSync(join(dir, 'assets', 'app.js'), script);
    writeFileSync(join(dir, 'assets', 'app.js.map'), '{"version":3}');
    app = Fastify();
    app.get('/health', async () => ({ status: 'ok' }));
    expect(await serveAdmin(app, dir)).toBe(true);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a page URL gets index.html with a CSP the app runs under, no framing, a referrer policy, nosniff', async () => {
    const res = await fetch(`${base}/project/123`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('compresses assets for a browser that accepts it, and caches hashed ones for good', async () => {
    const res = await fetch(`${base}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('cache-control')).toContain('immutable');
    // fetch decodes it; the bytes on the wire were far fewer (checked raw below)
    expect(await res.text()).toBe(script);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${base}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject),
      );
    });
    expect(raw.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(raw).toString()).toBe(script);
  });

  it('never serves a source map; API paths and missing assets stay 404', async () => {
    expect((await fetch(`${base}/assets/app.js.map`)).status).toBe(404);
    expect((await fetch(`${base}/assets/gone.js`)).status).toBe(404);
    expect((await fetch(`${base}/trpc/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
