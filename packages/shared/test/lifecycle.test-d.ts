import { describe, expectTypeOf, it } from 'vitest';
import { defineEntity, defineSchema, f, hasMany, type Row, type UniqueKey } from '../src/index.js';

const org = defineEntity({
  name: 'org',
  traits: ['archive'],
  fields: { name: f.string({ max: 50 }) },
  relations: { projects: hasMany('proj', 'orgId', { archive: 'cascade' }) },
});
const proj = defineEntity({
  name: 'proj',
  traits: ['archive'],
  fields: { orgId: f.ref('org'), name: f.string({ max: 50 }) },
  uniques: [{ fields: ['orgId', 'name'], ignoreArchived: true }, ['name']],
});

describe('archive lifecycle options', () => {
  it('types the unique keys and keeps the archive batch out of rows', () => {
    expectTypeOf(proj.uniqueKeys).toEqualTypeOf<readonly UniqueKey[]>();
    expectTypeOf<Row<typeof proj>>().toHaveProperty('archivedAt');
    expectTypeOf<Row<typeof proj>>().not.toHaveProperty('archiveBatch');
    defineSchema({ org, proj }, { auditLog: 'org' });
  });

  it('refuses unknown fields in a unique key and unknown archive modes', () => {
    defineEntity({
      name: 'bad',
      traits: ['archive'],
      fields: { a: f.string({ max: 5 }) },
      // @ts-expect-error: not a field of the entity
      uniques: [{ fields: ['nope'], ignoreArchived: true }],
    });
    // @ts-expect-error: only 'cascade'
    hasMany('proj', 'orgId', { archive: 'restrict' });
  });
});
