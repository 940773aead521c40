import type { AnyEntity, AnySchema, FieldConfig, FieldMap } from '@typecrud/shared';
import { sql } from 'kysely';
import type { ManagerContext } from '../context.js';
import { notFound } from '../errors.js';
import { and, metaOf, param, ref, type Sql } from '../query/entity-meta.js';
import { t0 } from '../statements/guard.js';
import { type TableModel, tableModels } from '../table-model.js';
import { type Executor, inTransaction } from '../transaction.js';
import { exec } from './base.js';
import type { EntityScope } from './scope.js';

/** A row named for a person: its id and its label field's value (null when the entity has none). */
export interface LabelledRow {
  id: string;
  label: string | null;
}

/** What a delete does to the rows of one table that reference the deleted rows. */
export interface DeleteEffect {
  /** The entity whose rows are touched (for `unlink`: the entity on the other side of the link). */
  entity: string;
  /** The referencing field (for `unlink`: the many-to-many join table). */
  via: string;
  /**
   * `cascade`: the rows are deleted with it; `setNull`: the field is cleared; `restrict`: the rows
   * stop the delete (it fails until they are moved or deleted); `unlink`: many-to-many links removed.
   */
  action: 'cascade' | 'setNull' | 'restrict' | 'unlink';
  /** Every row the delete touches this way, readable or not (the database does not ask). */
  count: number;
  /** Of those, how many the caller may not read (they are counted, never named). */
  hidden: number;
  /** The first few rows the caller may read, by label. */
  first: LabelledRow[];
}

/** What deleting `rows` would remove, computed under the caller's rules without writing anything. */
export interface DeletePreview {
  entity: string;
  /** The rows the caller's delete rule allows: these would be deleted. */
  rows: LabelledRow[];
  /** Rows the caller may read but not delete: a delete of them is refused (FORBIDDEN). */
  notAllowed: LabelledRow[];
  /** Per referencing table and field, cascades first; `unlink` last. */
  effects: DeleteEffect[];
  /** A restricting relation holds rows: the delete would fail (CONFLICT) until they are gone. */
  blocked: boolean;
}

export interface DeletePreviewInput {
  ids: string[];
  withArchived?: boolean | undefined;
}

/** How many labelled rows each effect shows. */
export const previewLabels = 3;

const preferredLabels = ['name', 'label', 'title', 'displayName', 'email', 'semver', 'slug'];

/** The field that names a row: a well-known name, else the first filterable string (as the admin picks it). */
export function labelFieldOf(entity: AnyEntity): string | undefined {
  const fields = Object.entries(entity.fields as FieldMap).map(([k, f]) => [k, f.config] as const);
  const isText = (c: FieldConfig) => (c.kind === 'string' || c.kind === 'email') && !c.hidden;
  const named = preferredLabels.find((n) => fields.some(([k, c]) => k === n && isText(c)));
  return (
    named ??
    fields.find(([, c]) => isText(c) && c.filterable && !c.system)?.[0] ??
    fields.find(([, c]) => isText(c) && !c.system)?.[0]
  );
}

interface TableInfo {
  model: TableModel;
  entity: AnyEntity | undefined;
}
const tablesBySchema = new WeakMap<AnySchema, TableInfo[]>();

function tablesOf(schema: AnySchema): TableInfo[] {
  let tables = tablesBySchema.get(schema);
  if (!tables) {
    const byTable = new Map(schema.ordered.map((e) => [e.table, e]));
    tables = tableModels(schema).map((model) => ({ model, entity: byTable.get(model.name) }));
    tablesBySchema.set(schema, tables);
  }
  return tables;
}

const anyOf = (column: Sql, ids: Iterable<string>): Sql => {
  const list = [...ids];
  return list.length ? sql`${column} in (${sql.join(list.map(param))})` : sql`false`;
};
const noneOf = (column: Sql, ids: Iterable<string>): Sql => {
  const list = [...ids];
  return list.length ? sql`${column} not in (${sql.join(list.map(param))})` : sql`true`;
};

const labelSql = (entity: AnyEntity): Sql => {
  const field = labelFieldOf(entity);
  return field ? sql`${ref(t0, metaOf(entity).byField.get(field)!.column)}::text` : sql`null::text`;
};

async function column<T>(scope: EntityScope, db: Executor, statement: Sql): Promise<T[]> {
  return (await exec(scope, db, statement)) as T[];
}

/** Counts, hidden counts and the first readable labels of the rows of `entity` matching `match`, in one statement. */
async function describeRows(
  scope: EntityScope,
  db: Executor,
  ctx: ManagerContext,
  entity: AnyEntity,
  match: Sql,
): Promise<{ count: number; hidden: number; first: LabelledRow[] }> {
  const guard = scope.guard(ctx.caller);
  const visible = and(guard.visible(entity, t0, true));
  const label = labelSql(entity);
  const table = sql.table(metaOf(entity).table);
  const [row] = await exec(
    scope,
    db,
    sql`select count(*)::int as "count", (count(*) filter (where ${visible}))::int as "readable",
      (select coalesce(json_agg(x), '[]'::json) from (
        select ${ref(t0, 'id')} as "id", ${label} as "label" from ${table} as ${sql.id(t0)}
        where ${match} and ${visible} order by 2 nulls last, 1 limit ${sql.lit(previewLabels)}) as x) as "first"
      from ${table} as ${sql.id(t0)} where ${match}`,
  );
  const first = typeof row!.first === 'string' ? JSON.parse(row!.first) : row!.first;
  return {
    count: row!.count as number,
    hidden: (row!.count as number) - (row!.readable as number),
    first: first as LabelledRow[],
  };
}

/**
 * What a delete of `ids` would do, under the caller's rules: every id must be readable
 * (a hidden row is NOT_FOUND, the same as a missing one); the rows the delete rule allows are
 * followed along every foreign key that references them — cascades to the end, then the rows
 * set to null and those that restrict. Nothing is written; the reads share one transaction.
 */
export async function deletePreview(
  scope: EntityScope,
  ctx: ManagerContext,
  input: DeletePreviewInput,
): Promise<DeletePreview> {
  const ids = [...new Set(input.ids)];
  const { entity, meta } = scope;
  return inTransaction(ctx.db, async (db) => {
    const guard = scope.guard(ctx.caller);
    const rule = guard.rule(entity, 'delete');
    const roots = await column<LabelledRow & { allowed: boolean }>(
      scope,
      db,
      sql`select ${ref(t0, 'id')} as "id", ${labelSql(entity)} as "label",
        coalesce(${rule ?? sql`true`}, false) as "allowed"
        from ${sql.table(meta.table)} as ${sql.id(t0)}
        where ${and([anyOf(ref(t0, 'id'), ids), ...guard.visible(entity, t0, input.withArchived)])}`,
    );
    const found = new Set(roots.map((r) => r.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw notFound(entity.name, missing);
    const byId = new Map(roots.map((r) => [r.id, r]));
    const named = (r: LabelledRow): LabelledRow => ({ id: r.id, label: r.label });
    const rows = ids.map((id) => byId.get(id)!).filter((r) => r.allowed);
    const notAllowed = ids.map((id) => byId.get(id)!).filter((r) => !r.allowed);

    // the closure of the cascades: table -> ids it loses
    const tables = tablesOf(scope.schema);
    const deleted = new Map<string, Set<string>>([[meta.table, new Set(rows.map((r) => r.id))]]);
    const cascades: { info: TableInfo; field: string; ids: Set<string> }[] = [];
    const queue: [string, string[]][] = rows.length ? [[meta.table, rows.map((r) => r.id)]] : [];
    while (queue.length) {
      const [table, lost] = queue.shift()!;
      for (const info of tables) {
        if (!info.entity) continue;
        for (const fk of info.model.foreignKeys) {
          if (fk.references !== table || fk.onDelete !== 'cascade') continue;
          const gone = deleted.get(info.model.name) ?? new Set<string>();
          deleted.set(info.model.name, gone);
          const hit = await column<{ id: string }>(
            scope,
            db,
            sql`select ${ref(t0, 'id')} as "id" from ${sql.table(info.model.name)} as ${sql.id(t0)}
              where ${anyOf(ref(t0, fk.column), lost)}`,
          );
          const fresh = hit.map((r) => r.id).filter((id) => !gone.has(id));
          for (const id of fresh) gone.add(id);
          if (fresh.length) {
            const known = cascades.find((c) => c.info === info && c.field === fk.field);
            if (known) for (const id of fresh) known.ids.add(id);
            else cascades.push({ info, field: fk.field, ids: new Set(fresh) });
            queue.push([info.model.name, fresh]);
          }
        }
      }
    }

    const effects: DeleteEffect[] = [];
    for (const c of cascades) {
      const described = await describeRows(scope, db, ctx, c.info.entity!, anyOf(ref(t0, 'id'), c.ids));
      effects.push({ entity: c.info.entity!.name, via: c.field, action: 'cascade', ...described });
    }
    let blocked = false;
    const links: DeleteEffect[] = [];
    for (const info of tables) {
      for (const fk of info.model.foreignKeys) {
        const lost = deleted.get(fk.references);
        if (!lost?.size || fk.onDelete === 'cascade') {
          if (!info.entity && lost?.size && fk.onDelete === 'cascade') {
            // a many-to-many join table: the links go with the row
            const other = info.model.foreignKeys.find((o) => o !== fk)!;
            const [n] = await column<{ count: number }>(
              scope,
              db,
              sql`select count(*)::int as "count" from ${sql.table(info.model.name)} as ${sql.id(t0)}
                where ${anyOf(ref(t0, fk.column), lost)}
                and ${noneOf(ref(t0, other.column), info.model.foreignKeys[0] === fk ? [] : (deleted.get(other.references) ?? []))}`,
            );
            const otherEntity = scope.schema.ordered.find((e) => e.table === other.references)!;
            if (n!.count)
              links.push({
                entity: otherEntity.name,
                via: info.model.name,
                action: 'unlink',
                count: n!.count,
                hidden: 0,
                first: [],
              });
          }
          continue;
        }
        if (!info.entity) continue;
        const match = and([
          anyOf(ref(t0, fk.column), lost),
          noneOf(ref(t0, 'id'), deleted.get(info.model.name) ?? []),
        ]);
        const described = await describeRows(scope, db, ctx, info.entity, match);
        if (!described.count) continue;
        const action = fk.onDelete === 'set null' ? 'setNull' : 'restrict';
        if (action === 'restrict') blocked = true;
        effects.push({ entity: info.entity.name, via: fk.field, action, ...described });
      }
    }
    return {
      entity: entity.name,
      rows: rows.map(named),
      notAllowed: notAllowed.map(named),
      effects: [...effects, ...links],
      blocked,
    };
  });
}
