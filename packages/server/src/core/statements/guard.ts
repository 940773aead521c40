import type { Action, AnyEntity, AnySchema, EntityMap, Policies } from '@typecrud/shared';
import type { Caller } from '../context.js';
import { Compiler } from '../query/compile.js';
import type { Sql } from '../query/entity-meta.js';

/** The alias of the row a statement writes or reads at its top level (nested aliases never clash). */
export const t0 = 't0';

/**
 * The caller's rules, ready to be compiled into one statement. Statement builders take one
 * and put its conditions into the SQL they build; an operation has no other way to get a
 * write statement, so none can leave the rules out.
 */
export interface Guard {
  readonly caller: Caller | null;
  /** The compiler of this statement (fresh aliases; the entities it reads). */
  readonly compiler: Compiler;
  /** The caller's `action` rule on the row of `entity` at `alias`; null when every row passes. */
  rule(entity: AnyEntity, action: Action, alias?: string): Sql | null;
  /** Archived rows (unless asked for) and rows outside the caller's read rule are hidden. */
  visible(entity: AnyEntity, alias?: string, withArchived?: boolean): Sql[];
}

/** A guard for one statement of `caller` under `policies` (none: explicitly unrestricted services). */
export function guardOf(
  schema: AnySchema,
  policies: Policies<EntityMap> | undefined,
  caller: Caller | null,
): Guard {
  const compiler = new Compiler(schema, caller, policies);
  compiler.alias(); // reserves t0
  return {
    caller,
    compiler,
    rule: (entity, action, alias = t0) => compiler.policy(entity, action, alias),
    visible: (entity, alias = t0, withArchived = false) => compiler.visible(entity, alias, withArchived),
  };
}
