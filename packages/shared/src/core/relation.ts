/** How two entities relate; every relation names its target entity by its name in the schema. */
export type RelationKind = 'belongsTo' | 'hasMany' | 'hasOne' | 'manyToMany';

export interface RelationConfig {
  readonly kind: RelationKind;
  /** The target entity's name. */
  readonly target: string;
  /**
   * belongsTo: this entity's reference field; hasMany/hasOne: the target's reference field
   * pointing back here; manyToMany: unused.
   */
  readonly field?: string;
  /** manyToMany: the join table; defaults to the two table names in alphabetical order. */
  readonly through?: string;
  /** hasMany / hasOne: archiving a row archives its live related rows; restoring it restores exactly those. */
  readonly archive?: 'cascade';
}

/** Options of a hasMany / hasOne relation. */
export interface ChildRelationOptions {
  /** `'cascade'`: archiving this row archives its live related rows (both need the archive trait); restore brings back exactly those. */
  archive?: 'cascade';
}

/** A relation, typed by its kind, target entity name and (for belongsTo/hasMany/hasOne) reference field. */
export interface Relation<
  K extends RelationKind = RelationKind,
  T extends string = string,
  FK extends string = string,
> {
  readonly config: RelationConfig;
  readonly _kind?: K;
  readonly _target?: T;
  readonly _field?: FK;
}

export type AnyRelation = Relation<RelationKind, string, string>;

/** Many-to-one: `field` on this entity references the target's id (`project.organizationId`). */
export function belongsTo<const T extends string, const FK extends string>(
  target: T,
  field: FK,
): Relation<'belongsTo', T, FK> {
  return { config: { kind: 'belongsTo', target, field } };
}

/** One-to-many, the inverse of a belongsTo: the target's `field` references this entity. */
export function hasMany<const T extends string, const FK extends string>(
  target: T,
  field: FK,
  options: ChildRelationOptions = {},
): Relation<'hasMany', T, FK> {
  return {
    config: { kind: 'hasMany', target, field, ...(options.archive ? { archive: options.archive } : {}) },
  };
}

/** One-to-one: the target's unique `field` references this entity. */
export function hasOne<const T extends string, const FK extends string>(
  target: T,
  field: FK,
  options: ChildRelationOptions = {},
): Relation<'hasOne', T, FK> {
  return {
    config: { kind: 'hasOne', target, field, ...(options.archive ? { archive: options.archive } : {}) },
  };
}

/** Many-to-many through a generated join table (`through` names it; both sides must agree). */
export function manyToMany<const T extends string>(
  target: T,
  options: { through?: string } = {},
): Relation<'manyToMany', T, never> {
  return { config: { kind: 'manyToMany', target, ...(options.through ? { through: options.through } : {}) } };
}
