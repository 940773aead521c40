import { startTestServer, type TestServer } from '@typecrud/api/testing';
import { testEngines } from '@typecrud/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, signedInClient } from '../src/api.js';
import { exportProjects } from '../src/export.js';
import { seedThroughApi } from '../src/seed.js';

describe.each(testEngines())('node scripts through the client on %s', (engine) => {
  let server: TestServer;
  let api: Api;
  beforeAll(async () => {
    server = await startTestServer(engine);
    api = await signedInClient({
      API_URL: server.url,
      TYPECRUD_EMAIL: server.admin.email,
      TYPECRUD_PASSWORD: server.admin.password,
    });
  });
  afterAll(() => server?.close());

  it('seeds through the API with progress, and a second run changes nothing', async () => {
    const seen: number[] = [];
    const first = await seedThroughApi(api, {
      slug: 'scripted',
      projects: 12,
      releasesPerProject: 2,
      onProgress: (n) => seen.push(n),
    });
    expect(first).toMatchObject({ createdProjects: 12, createdReleases: 24 });
    expect(seen).toEqual(Array.from({ length: 12 }, (_v, i) => i + 1));
    const again = await seedThroughApi(api, { slug: 'scripted', projects: 12, releasesPerProject: 2 });
    expect(again).toEqual({ organizationId: first.organizationId, createdProjects: 0, createdReleases: 0 });
    expect(
      await api.release.count.query({ where: { project: { is: { organizationId: first.organizationId } } } }),
    ).toBe(24);
  });

  it('exports every project once, page by page, with its includes', async () => {
    const org = (await api.organization.list.query({ where: { slug: 'scripted' } })).items[0]!;
    const names: string[] = [];
    for await (const p of exportProjects(api, org.id, 5)) {
      names.push(p.name);
      expect(p.releases.map((r) => r.semver)).toEqual(['0.1.0', '0.2.0']);
    }
    expect(names).toEqual(Array.from({ length: 12 }, (_v, i) => `Project ${String(i + 1).padStart(3, '0')}`));
  });

  it('a wrong password stops the script with UNAUTHORIZED', async () => {
    await expect(
      signedInClient({ API_URL: server.url, TYPECRUD_EMAIL: server.admin.email, TYPECRUD_PASSWORD: 'wrong' }),
    ).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });
});
