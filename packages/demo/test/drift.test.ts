import { checkDrift, createSchemaTables } from '@typecrud/server';
import { openTestDatabase, testEngines } from '@typecrud/server/testing';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/index.js';

describe.each(testEngines())('demo tables (%s)', (engine) => {
  it('introspection reads back exactly what the definitions create', async () => {
    const database = await openTestDatabase(engine);
    try {
      await createSchemaTables(database.db, schema);
      expect(await checkDrift(database.db, schema)).toEqual([]);
    } finally {
      await database.dispose();
    }
  });
});
