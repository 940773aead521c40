import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * Counts every SQL statement a contender's process sends, at the driver: `pg.Client#query`
 * (pools, BEGIN/COMMIT included) and PGlite's `query`/`exec`. The same meter for every contender.
 */
export const statements = { count: 0 };

let installed = false;

export function installStatementCounter(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  const logSql = process.env.BENCH_LOG_SQL;
  proto.query = function counted(this: unknown, ...args: unknown[]) {
    statements.count++;
    if (logSql) {
      const q = args[0] as string | { text: string };
      process.stderr.write(
        `[sql] ${(typeof q === 'string' ? q : q.text).replace(/\s+/g, ' ').slice(0, logSql === 'full' ? undefined : 300)}\n`,
      );
    }
    return query.apply(this, args);
  };
  const lite = PGlite.prototype as unknown as Record<'query' | 'exec', (...args: unknown[]) => unknown>;
  for (const name of ['query', 'exec'] as const) {
    const original = lite[name];
    lite[name] = function counted(this: unknown, ...args: unknown[]) {
      statements.count++;
      return original.apply(this, args);
    };
  }
}
