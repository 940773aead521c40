import type { Action } from '@typecrud/shared';
import { sql } from 'kysely';
import type { ManagerContext } from '../context.js';
import { and, param, ref, type Sql } from '../query/entity-meta.js';
import { t0 } from '../statements/guard.js';
import { exec } from './base.js';
import type { EntityScope } from './scope.js';

/** What the caller may do to one row, by its rules on the row as it is now. */
export interface RowPermissions {
  update: boolean;
  delete: boolean;
  /** Archive and restore (archivable entities only; false otherwise). */
  archive: boolean;
}

/**
 * What the caller may do with an entity, computed from the same rules the writes check; the row
 * actions say whether the caller may do it to at least one row it can read.
 */
export interface EntityPermissions extends RowPermissions {
  /**
   * Whether a create can pass the create rule for some row: false when the rule is false or
   * provably matches no row (e.g. `organizationId in []`: no organization where the role suffices).
   */
  create: boolean;
  /** Fields the caller's role may not set (their field rules refuse them). */
  readOnlyFields: string[];
  /** Per asked id the caller can read (unreadable ids are left out, as missing ones are). */
  rows: Record<string, RowPermissions>;
}

export interface PermissionsInput {
  ids?: string[] | undefined;
}

const rowActions = ['update', 'delete', 'archive'] as const satisfies readonly Action[];

/** Whether a `where` provably matches no row: a list of no values, an OR of no-match branches, or a relation that must match none. */
export function matchesNothing(where: unknown): boolean {
  if (typeof where !== 'object' || where === null) return false;
  for (const [key, value] of Object.entries(where as Record<string, unknown>)) {
    if (key === 'AND' && Array.isArray(value) && value.some(matchesNothing)) return true;
    if (key === 'OR' && Array.isArray(value) && value.length > 0 && value.every(matchesNothing)) return true;
    if (key === 'NOT' || typeof value !== 'object' || value === null) continue;
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.in) && v.in.length === 0) return true;
    if (v.is !== undefined && v.is !== null && matchesNothing(v.is)) return true;
    if (v.some !== undefined && matchesNothing(v.some)) return true;
  }
  return false;
}

/**
 * The caller's permissions on an entity and on the rows `ids`, in one statement: each row
 * action's rule compiled as for the write itself, evaluated on every asked row and as
 * `exists` over every readable row.
 */
export async function permissions(
  scope: EntityScope,
  ctx: ManagerContext,
  input: PermissionsInput,
): Promise<EntityPermissions> {
  const { entity, meta } = scope;
  const guard = scope.guard(ctx.caller);
  const policies = guard.compiler.policies;
  const createRule = policies?.[entity.name]?.create;
  const createOutcome = !policies
    ? true
    : typeof createRule === 'function'
      ? createRule(ctx.caller)
      : (createRule ?? false);
  const create = createOutcome === true || (createOutcome !== false && !matchesNothing(createOutcome));
  const actions = rowActions.filter((a) => a !== 'archive' || meta.archivable);
  const ruleOf = (a: (typeof rowActions)[number]) =>
    sql`coalesce(${guard.rule(entity, a) ?? sql`true`}, false)`;
  const table = sql`${sql.table(meta.table)} as ${sql.id(t0)}`;
  const visible = and(guard.visible(entity, t0, true));
  const ids = [...new Set(input.ids ?? [])];
  const rowsJson: Sql = ids.length
    ? sql`(select coalesce(json_object_agg(${ref(t0, 'id')}, json_build_object(${sql.join(
        actions.map((a) => sql`${sql.lit(a)}, ${ruleOf(a)}`),
      )})), '{}'::json) from ${table} where ${and([
        sql`${ref(t0, 'id')} in (${sql.join(ids.map(param))})`,
        visible,
      ])})`
    : sql`'{}'::json`;
  const [row] = await exec(
    scope,
    ctx.db,
    sql`select ${sql.join(
      actions.map(
        (a) => sql`exists(select 1 from ${table} where ${visible} and ${ruleOf(a)}) as ${sql.id(a)}`,
      ),
    )}, ${rowsJson} as "rows"`,
  );
  const parsed = (typeof row!.rows === 'string' ? JSON.parse(row!.rows) : row!.rows) as Record<
    string,
    Partial<RowPermissions>
  >;
  const rows: Record<string, RowPermissions> = {};
  for (const [id, p] of Object.entries(parsed)) {
    rows[id] = { update: p.update === true, delete: p.delete === true, archive: p.archive === true };
  }
  const readOnlyFields = [...scope.fieldRules].filter(([, rule]) => !rule(ctx.caller)).map(([f]) => f);
  return {
    create,
    update: row!.update === true,
    delete: row!.delete === true,
    archive: row!.archive === true,
    readOnlyFields,
    rows,
  };
}
