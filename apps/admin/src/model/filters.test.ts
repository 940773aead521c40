import { describe, expect, it } from 'vitest';
import { entityOf } from './entities.js';
import { filterSpecs, whereFromFilters } from './filters.js';

const project = entityOf('project')!;
const release = entityOf('release')!;

describe('filters generated from the filterable fields', () => {
  it('gives each field the widget of its kind', () => {
    const widgets = Object.fromEntries(filterSpecs(project).map((s) => [s.field, s.widget]));
    expect(widgets.name).toEqual({ kind: 'text' });
    expect(widgets.description).toEqual({ kind: 'text' });
    expect(widgets.isPublic).toEqual({ kind: 'boolean' });
    expect(widgets.createdAt).toEqual({ kind: 'dateRange' });
    expect(widgets.organizationId).toEqual({ kind: 'relation', target: 'organization' });
    // audit fields pick from the schema's principal
    expect(widgets.createdBy).toEqual({ kind: 'relation', target: 'user' });
    // the archive toggle covers archivedAt; json has no generic widget
    expect(widgets.archivedAt).toBeUndefined();
    expect(widgets.properties).toBeUndefined();
    expect(filterSpecs(project).at(-1)?.field).toBe('id');

    const releaseWidgets = Object.fromEntries(filterSpecs(release).map((s) => [s.field, s.widget]));
    expect(releaseWidgets.status).toEqual({
      kind: 'enum',
      values: ['draft', 'scheduled', 'published', 'withdrawn'],
    });
    expect(releaseWidgets.downloads).toEqual({ kind: 'numberRange', integer: true });
    expect(releaseWidgets.projectId).toEqual({ kind: 'relation', target: 'project' });
  });

  it('turns the inputs into a where the list DTO accepts', () => {
    const orgId = '6f1c1a52-2f7a-4c39-9a55-5b8c1c1e0a11';
    const where = whereFromFilters(project, {
      name: '  Rock ',
      isPublic: 'false',
      organizationId: orgId,
      'createdAt.from': '2026-01-01',
      'createdAt.to': '2026-01-31',
    });
    expect(where).toEqual({
      name: { contains: 'Rock', mode: 'insensitive' },
      isPublic: { eq: false },
      organizationId: { eq: orgId },
      createdAt: { gte: new Date('2026-01-01T00:00:00.000Z'), lte: new Date('2026-01-31T23:59:59.999Z') },
    });
  });

  it('skips inputs that cannot be used', () => {
    expect(
      whereFromFilters(project, {
        name: '   ',
        isPublic: 'maybe',
        organizationId: 'nope',
        'createdAt.from': '2026-13-45',
      }),
    ).toEqual({});
    expect(
      whereFromFilters(release, { status: 'lost', 'downloads.from': '10', 'downloads.to': 'x' }),
    ).toEqual({
      downloads: { gte: 10n },
    });
  });

  it('produces only wheres the server schema accepts', async () => {
    const { schema } = await import('@typecrud/demo');
    const where = whereFromFilters(release, {
      semver: '1.',
      status: 'draft',
      'releasedAt.from': '2026-02-01',
      'downloads.to': '5000',
    });
    expect(schema.dto('release').where.safeParse(where).success).toBe(true);
  });
});

describe('field labels', () => {
  it('names a reference after what it points to, and keeps a plain uuid as is', async () => {
    const { fieldLabel } = await import('./entities.js');
    expect(fieldLabel(project, 'organizationId')).toBe('Organization');
    expect(fieldLabel(project, 'isPublic')).toBe('Is public');
    expect(fieldLabel(entityOf('auditEntry')!, 'entityId')).toBe('Entity id');
  });
});

describe('column sorting', () => {
  it('sorts a reference column by the referenced row label, through the relation', async () => {
    const { isSortable, orderTerm } = await import('./columns.js');
    expect(isSortable(project, 'organizationId')).toBe(true);
    expect(orderTerm(project, 'organizationId', 'desc')).toEqual({ organization: { name: 'desc' } });
    expect(orderTerm(project, 'name', 'asc')).toEqual({ name: 'asc' });
    expect(isSortable(project, 'description')).toBe(false);
    const { schema } = await import('@typecrud/demo');
    expect(
      schema.dto('project').list.safeParse({ orderBy: [orderTerm(project, 'organizationId', 'asc')] })
        .success,
    ).toBe(true);
  });
});
