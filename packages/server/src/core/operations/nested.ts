import type { ResolvedRelation } from '@typecrud/shared';
import type { Caller } from '../context.js';
import { badRequest } from '../errors.js';
import { findByKey } from '../statements/upsert.js';
import type { Executor } from '../transaction.js';
import { type Data, exec } from './base.js';
import { insertAll } from './create.js';
import { writeNestedLinks } from './relations.js';
import type { EntityScope } from './scope.js';
import { update } from './update.js';
import { uniqueKey } from './upsert.js';

type Path = (string | number)[];

interface ConnectOrCreateItem {
  where: Data;
  create: Data;
}

/**
 * The nested writes of one relation of row `id` (just created, or being updated), each through
 * the child entity's own scope: its rules (before and after) and its hooks, never the parent's.
 * They run in the parent's transaction, so a refused child leaves nothing of the write.
 *
 * - many-to-many: `connectOrCreate` (find by a unique key, else create), `set`, `disconnect`, `connect`
 * - has-one: `create`
 * - has-many: `create` (one statement for all the children), `update` of a child by id
 */
export async function writeNested(
  scope: EntityScope,
  db: Executor,
  caller: Caller | null,
  rel: ResolvedRelation,
  id: string,
  w: Data,
  path: Path,
): Promise<void> {
  const at = [...path, rel.name];
  const child = scope.scopeOf(rel.target);
  if (rel.kind === 'manyToMany') {
    const items = (w.connectOrCreate ?? []) as ConnectOrCreateItem[];
    const found = await connectOrCreateIds(child, db, caller, items, [...at, 'connectOrCreate']);
    const connect = [...((w.connect as string[] | undefined) ?? []), ...found];
    await writeNestedLinks(scope, db, caller, rel, id, { ...w, connect }, path);
    return;
  }
  if (rel.kind === 'hasOne' && w.create) {
    await insertAll(child, db, caller, [{ ...(w.create as Data), [rel.field!]: id }], [...at, 'create']);
    return;
  }
  if (rel.kind !== 'hasMany') return;
  const creates = (w.create ?? []) as Data[];
  if (creates.length) {
    for (const [i, c] of creates.entries()) refuseParentField(rel, c, [...at, 'create', i]);
    await insertAll(
      child,
      db,
      caller,
      creates.map((c) => ({ ...c, [rel.field!]: id })),
      [...at, 'create'],
    );
  }
  for (const [i, u] of ((w.update ?? []) as { id: string; data: Data }[]).entries()) {
    refuseParentField(rel, u.data, [...at, 'update', i, 'data']);
    await update(child, { db, caller }, { id: u.id, data: u.data, within: { field: rel.field!, id } });
  }
}

/** The child's reference to its parent is the parent's to set, never the input's. */
function refuseParentField(rel: ResolvedRelation, data: Data, path: Path) {
  if (data[rel.field!] !== undefined) {
    throw badRequest(`${rel.field} is set by the ${rel.source.name} it is nested in`, [
      { path: [...path, rel.field!], message: 'is set by the parent' },
    ]);
  }
}

/** The ids of the rows each item finds by its unique key (readable by the caller), creating those that none matches. */
async function connectOrCreateIds(
  target: EntityScope,
  db: Executor,
  caller: Caller | null,
  items: readonly ConnectOrCreateItem[],
  path: Path,
): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, item] of items.entries()) {
    const key = uniqueKey(target, item.where, item.create, [...path, i]);
    const [found] = await exec(target, db, findByKey(target.guard(caller), target.meta, key));
    if (found) ids.push(found.id as string);
    else {
      const [row] = await insertAll(target, db, caller, [{ ...item.create, ...key }], [...path, i, 'create']);
      ids.push(row!.id as string);
    }
  }
  return ids;
}
