import type { Caller, ManagerContext } from '../context.js';
import { badRequest } from '../errors.js';
import { insertRows } from '../statements/write.js';
import type { Executor } from '../transaction.js';
import {
  changed,
  checkFieldRules,
  committed,
  type Data,
  decode,
  exec,
  needsTransaction,
  runWrite,
  splitNested,
} from './base.js';
import { writeNested } from './nested.js';
import type { EntityScope } from './scope.js';

const createHooks = ['beforeCreate', 'afterCreate'] as const;

/**
 * Inserts rows of `scope`'s entity in one statement (its create rule checked on every row
 * first), then their nested writes; runs the create hooks once with all rows. Returns the
 * inserted rows, decoded, in input order.
 */
export async function insertAll(
  scope: EntityScope,
  db: Executor,
  caller: Caller | null,
  input: Data[],
  path: (string | number)[],
  options: { skipDuplicates?: boolean | undefined } = {},
): Promise<Data[]> {
  const ctx = { db, caller };
  const data = ((await scope.hooks.beforeCreate?.({ data: input as never[] }, ctx)) ?? input) as Data[];
  const parts = data.map((d) => splitNested(scope, d));
  parts.forEach((p, i) => {
    checkFieldRules(scope, p.fields, caller, path.length || data.length > 1 ? [...path, i] : path);
  });
  const skip = options.skipDuplicates === true;
  if (skip && parts.some((p) => p.nested.length)) {
    // a skipped row's nested writes would have no row to hang on
    throw badRequest('skipDuplicates takes rows without nested writes', [
      { path: [...path, 'skipDuplicates'], message: 'cannot be used with nested writes' },
    ]);
  }
  const rows = parts.map((p) => withDefaults(scope, p.fields));
  const inserted = await exec(
    scope,
    db,
    insertRows(scope.guard(caller), scope.meta, rows, { skipDuplicates: skip }),
  );
  await changed(scope, db);
  // (skipped rows have no nested writes: refused above)
  for (let i = 0; i < parts.length && !skip; i++) {
    const id = inserted[i]!.id as string;
    const at = data.length > 1 ? [...path, i] : path;
    for (const [rel, w] of parts[i]!.nested) await writeNested(scope, db, caller, rel, id, w, at);
  }
  const decoded = inserted.map((r) => decode<Data>(scope, r));
  await scope.hooks.afterCreate?.({ rows: decoded as never[] }, ctx);
  await committed(scope, db, caller, { action: 'create', rows: decoded as never[] });
  return decoded;
}

/** Fields absent from a create get their declared default (the DTO applies the same ones). */
function withDefaults(scope: EntityScope, fields: Data): Data {
  const out = { ...fields };
  for (const c of scope.writable) {
    if (out[c.field] === undefined && c.config.hasDefault) out[c.field] = c.config.defaultValue;
  }
  return out;
}

const transactional = (scope: EntityScope, input: Data[]) =>
  needsTransaction(
    scope,
    createHooks,
    input.some((d) => Object.keys(d).some((k) => scope.relations.has(k) && d[k] !== undefined)),
  );

/** One row (and its nested writes): a single statement when nothing needs a transaction. */
export async function create(scope: EntityScope, ctx: ManagerContext, input: Data): Promise<Data> {
  return runWrite(
    ctx,
    transactional(scope, [input]),
    async (db) => {
      const [row] = await insertAll(scope, db, ctx.caller, [input], []);
      return row!;
    },
    scope,
  );
}

/** Every row in one statement, or none of them. */
export async function createMany(
  scope: EntityScope,
  ctx: ManagerContext,
  input: Data[],
  options: { skipDuplicates?: boolean | undefined } = {},
): Promise<{ count: number; ids: string[] }> {
  return runWrite(
    ctx,
    transactional(scope, input),
    async (db) => {
      const rows = await insertAll(scope, db, ctx.caller, input, [], options);
      return { count: rows.length, ids: rows.map((r) => r.id as string) };
    },
    scope,
  );
}
