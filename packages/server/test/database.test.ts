import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/core/database.js';

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('the pg pool (postgres)', () => {
  it('reads int8 as bigint in its own pool and leaves other pg clients of the process alone', async () => {
    const database = await openDatabase({ url, poolSize: 1 });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const { rows } = await sql<{
        n: unknown;
        d: unknown;
      }>`select 9007199254740993::int8 as n, 1.50::numeric as d`.execute(database.db);
      expect(rows[0]).toEqual({ n: 9007199254740993n, d: '1.50' });
      const plain = await other.query('select 9007199254740993::int8 as n');
      expect(plain.rows[0]).toEqual({ n: '9007199254740993' });
    } finally {
      await other.end();
      await database.close();
    }
  });
});
