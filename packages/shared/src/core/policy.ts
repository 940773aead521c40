import type { AnyEntity } from './entity.js';
import type { Schema } from './schema.js';
import type { EntityMap, ManyToManyKeys, Where, WritableKeys } from './types.js';

/** A membership of a principal in a tenant (an organization), with a role name. */
export interface TenantMembership {
  readonly tenantId: string;
  readonly role: string;
}

/** Who is calling: set from a verified token, never from input. */
export interface Principal {
  readonly userId: string;
  /** A platform superadmin; policies decide what that allows. */
  readonly superadmin: boolean;
  readonly memberships: readonly TenantMembership[];
  /** The session a signed-in caller's token belongs to (absent for system callers and tests). */
  readonly sessionId?: string;
}

/** What a policy rule is asked about. */
export type Action = 'read' | 'create' | 'update' | 'delete' | 'archive';

/**
 * One rule: `true` allows every row, `false` none, and a function returns, per caller,
 * either of those or a `where` over the entity's fields and relations that the row must match.
 * The `where` is compiled into the same SQL statement as the operation.
 */
export type Rule<S extends EntityMap, E extends AnyEntity> =
  | boolean
  | ((principal: Principal | null) => Where<S, E> | boolean);

/** Who may write a field, beyond the row rules (e.g. a role only superadmins may set). */
export type FieldRule = (principal: Principal | null) => boolean;

/**
 * Whose `update` rule a change of a many-to-many link needs: both ends (the default), only this
 * entity's row (`'self'`) or only the other end's (`'other'`). The end not named must still be
 * readable. Both sides of a relation may state it; they must agree.
 */
export type LinkRule = 'both' | 'self' | 'other';

/** The rules of one entity. An action without a rule is denied. */
export interface EntityPolicy<S extends EntityMap, E extends AnyEntity> {
  read?: Rule<S, E>;
  create?: Rule<S, E>;
  update?: Rule<S, E>;
  delete?: Rule<S, E>;
  archive?: Rule<S, E>;
  fields?: { [K in WritableKeys<E>]?: FieldRule };
  /** Who governs the links of each many-to-many relation (default: both ends). */
  links?: { [K in ManyToManyKeys<E>]?: LinkRule };
}

/** Rules for every entity of a schema: leaving one out is a compile error. */
export type Policies<S extends EntityMap> = { [N in keyof S & string]: EntityPolicy<S, S[N]> };

/** Declares the policies of every entity of `schema` (the type checks each `where` against its entity). */
export function definePolicies<S extends EntityMap>(_schema: Schema<S>, policies: Policies<S>): Policies<S> {
  return policies;
}
