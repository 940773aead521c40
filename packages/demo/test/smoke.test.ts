import { testEngines } from '@typecrud/server/testing';
import { describe, expect, it } from 'vitest';
import { useApp } from './fixtures.js';

describe.each(testEngines())('spine on %s', (engine) => {
  const app = useApp(engine);

  it('creates, reads and lists through the router', async () => {
    const org = await app.api.organization.create({ name: '  Acme  ', slug: 'acme' });
    expect(org.name).toBe('Acme');
    expect(org.version).toBe(1);
    const project = await app.api.project.create({ organizationId: org.id, name: 'Rocket' });
    const got = await app.services.managers.project.get(app.ctx, {
      id: project.id,
      include: { organization: true },
    });
    expect(got.organization!.slug).toBe('acme');
    const page = await app.api.project.list({ where: { name: { startsWith: 'ROC', mode: 'insensitive' } } });
    expect(page.items.map((p) => p.id)).toEqual([project.id]);
  });
});
