import type { ResolvedRelation } from '@typecrud/shared';
import type { Caller, ManagerContext } from '../context.js';
import { badRequest, CrudError, forbidden, notFound } from '../errors.js';
import type { LinkChange } from '../hooks.js';
import { type LinkMode, type LinkOutcome, linkStatement } from '../statements/links.js';
import type { Executor } from '../transaction.js';
import { changed, committed, exec, needsTransaction, runWrite, systemSets } from './base.js';
import type { EntityScope } from './scope.js';

export interface LinkInput {
  id: string;
  relation: string;
  ids: string[];
}

export function manyToMany(scope: EntityScope, name: string): ResolvedRelation {
  const rel = scope.relations.get(name);
  if (rel?.kind !== 'manyToMany') {
    throw badRequest(`${name} is not a many-to-many relation of ${scope.entity.name}`, [
      { path: ['relation'], message: 'unknown relation' },
    ]);
  }
  return rel;
}

interface LinkOptions {
  /** Where the ids sit in the input, for error paths. */
  path: (string | number)[];
  /** A procedure of its own (connect / disconnect): an unreadable row is NOT_FOUND and the row's version moves. Nested: part of the row's own write. */
  topLevel: boolean;
}

/**
 * Changes the links of row `id` through `rel`: the caller must be able to read both ends and
 * update the end(s) the policies name; a link that already exists (connect) or does not
 * (disconnect) is left alone — no version bump, no audit record, no hook after.
 */
export async function writeLinks(
  scope: EntityScope,
  db: Executor,
  caller: Caller | null,
  rel: ResolvedRelation,
  id: string,
  ids: readonly string[],
  mode: LinkMode,
  options: LinkOptions,
): Promise<{ added: string[]; removed: string[] }> {
  const unique = [...new Set(ids)];
  const ctx = { db, caller };
  const { hooks } = scope;
  if (unique.length === 0 && mode !== 'set') return { added: [], removed: [] };
  const asked: LinkChange = { id, relation: rel.name, ids: unique };
  if (mode !== 'connect') await hooks.beforeDisconnect?.(asked, ctx);
  if (mode !== 'disconnect') await hooks.beforeConnect?.(asked, ctx);
  const bump = options.topLevel ? systemSets(scope, caller, null) : [];
  const guard = scope.guard(caller);
  const [row] = await exec(
    scope,
    db,
    linkStatement(guard, rel, id, unique, mode, scope.governance(rel), bump),
  );
  const out = row as unknown as LinkOutcome;
  if (out.source === 0) throw notFound(scope.entity.name, id);
  if (out.targets < unique.length) {
    const message = `${unique.length - out.targets} of the ids do not exist`;
    const issues = [{ path: options.path, message }];
    if (options.topLevel) throw new CrudError('NOT_FOUND', `${rel.name}: ${message}`, { issues });
    throw badRequest(`${rel.name}: ${message}`, issues);
  }
  if (!out.sourceAllowed) throw forbidden(`you may not change the ${rel.name} of this ${scope.entity.name}`);
  if (!out.targetsAllowed) throw forbidden(`you may not change the links of these ${rel.target.name} rows`);
  const { added, removed } = out;
  if (added.length + removed.length === 0) return { added, removed };
  await changed(scope, db, [rel.target.name]);
  if (removed.length) {
    const link = { id, relation: rel.name, ids: removed };
    await hooks.afterDisconnect?.(link, ctx);
    await committed(scope, db, caller, { action: 'disconnect', link });
  }
  if (added.length) {
    const link = { id, relation: rel.name, ids: added };
    await hooks.afterConnect?.(link, ctx);
    await committed(scope, db, caller, { action: 'connect', link });
  }
  return { added, removed };
}

const linkHooks = ['beforeConnect', 'afterConnect', 'beforeDisconnect', 'afterDisconnect'] as const;

/** The connect / disconnect procedures: one statement (plus the audit record when there is one). */
export function link(
  scope: EntityScope,
  ctx: ManagerContext,
  input: LinkInput,
  mode: 'connect' | 'disconnect',
) {
  const rel = manyToMany(scope, input.relation);
  return runWrite(
    ctx,
    needsTransaction(scope, linkHooks),
    async (db) => {
      const { added, removed } = await writeLinks(scope, db, ctx.caller, rel, input.id, input.ids, mode, {
        path: ['ids'],
        topLevel: true,
      });
      return { count: mode === 'connect' ? added.length : removed.length };
    },
    scope,
  );
}

/** Nested many-to-many writes of a create or update: set, then disconnect, then connect. */
export async function writeNestedLinks(
  scope: EntityScope,
  db: Executor,
  caller: Caller | null,
  rel: ResolvedRelation,
  id: string,
  w: { set?: string[]; connect?: string[]; disconnect?: string[] },
  path: (string | number)[],
) {
  const at = [...path, rel.name];
  const opts = (k: string) => ({ path: [...at, k], topLevel: false });
  if (w.set) await writeLinks(scope, db, caller, rel, id, w.set, 'set', opts('set'));
  if (w.disconnect)
    await writeLinks(scope, db, caller, rel, id, w.disconnect, 'disconnect', opts('disconnect'));
  if (w.connect) await writeLinks(scope, db, caller, rel, id, w.connect, 'connect', opts('connect'));
}
