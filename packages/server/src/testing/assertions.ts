import { AssertionError } from 'node:assert';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { CrudError } from '../core/errors.js';
import type { Executor } from '../core/transaction.js';

interface IssueLike {
  path?: readonly (PropertyKey | { key: PropertyKey })[];
  message?: string;
  keys?: readonly string[];
}

const segment = (p: PropertyKey | { key: PropertyKey }) =>
  String(typeof p === 'object' && p !== null ? p.key : p);

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

/**
 * Every field path an error names, dotted (`data.name`): Zod issues of the cause (an unknown key
 * counts as its own path), typecrud issues and the fields of a conflict.
 */
export function namedPaths(e: unknown): string[] {
  const out: string[] = [];
  if (e instanceof CrudError) {
    for (const i of e.details.issues ?? []) out.push(i.path.join('.'));
    out.push(...(e.details.fields ?? []));
  }
  const cause = (e as { cause?: { issues?: IssueLike[] } }).cause;
  for (const issue of cause?.issues ?? []) {
    const path = (issue.path ?? []).map(segment);
    out.push(path.join('.'));
    for (const key of issue.keys ?? []) out.push([...path, key].join('.'));
  }
  return out;
}

/** Awaits a call that must fail with `code`; when `path` is given the error must name that field path. */
export async function expectError(
  call: Promise<unknown>,
  code: TRPCError['code'],
  path?: string,
): Promise<TRPCError> {
  const e = await call.then(
    (v) => {
      throw new AssertionError({ message: `expected ${code}, got a result: ${show(v)}` });
    },
    (err: unknown) => err,
  );
  if (!(e instanceof TRPCError)) {
    throw new AssertionError({ message: `expected a TRPCError ${code}, got ${String(e)}`, actual: e });
  }
  if (e.code !== code) {
    throw new AssertionError({ message: `${e.message}`, actual: e.code, expected: code, operator: '===' });
  }
  if (path !== undefined && !namedPaths(e).includes(path)) {
    throw new AssertionError({
      message: `${code} "${e.message}" does not name ${path}`,
      actual: namedPaths(e),
      expected: path,
      operator: 'includes',
    });
  }
  return e;
}

/** Every row of a table (ordered by its first columns), to prove a failed call changed nothing. */
export async function tableRows(db: Executor, table: string): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<
    Record<string, unknown>
  >`select * from ${sql.table(table)} order by 1, 2`.execute(db);
  return rows;
}

/** The rows of several tables at once. */
export async function snapshot(
  db: Executor,
  tables: readonly string[],
): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of tables) out[t] = await tableRows(db, t);
  return out;
}

/** A uuid no row has. */
export const missingId = '00000000-0000-4000-8000-000000000000';
