export type {
  AnyEntity,
  EntityDef,
  EntityLimits,
  FieldMap,
  JsonObject,
  RelationMap,
  Trait,
  TraitFields,
} from './entity.js';
export { defineEntity, snakeCase } from './entity.js';
export type {
  AnyField,
  Field,
  FieldConfig,
  FieldFlag,
  FieldKind,
  FieldReference,
  OnDelete,
} from './field.js';
export { f } from './field.js';
export type {
  Action,
  EntityPolicy,
  FieldRule,
  Policies,
  Principal,
  Rule,
  TenantMembership,
} from './policy.js';
export { definePolicies } from './policy.js';
export type { AnyRelation, Relation, RelationConfig, RelationKind } from './relation.js';
export { belongsTo, hasMany, hasOne, manyToMany } from './relation.js';
export type { Dto, EntityDtos, JoinTable, ResolvedRelation, Schema, SchemaOptions } from './schema.js';
export { defineSchema, queryLimits } from './schema.js';
export type * from './types.js';
