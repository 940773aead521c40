export type {
  AggregateKey,
  AggregateQuery,
  AggregateResult,
  AggregateSelect,
  ComparableKeys,
  CountSelect,
  ExactAggregate,
  GroupableKeys,
  GroupByQuery,
  GroupByRow,
  GroupOrderBy,
  Having,
  HavingFilter,
  MinValue,
  NumericKeys,
  SumValue,
} from './aggregate.js';
export { aggregateDtos, aggregateLimits, comparableKinds, numericKinds } from './aggregate.js';
export type {
  AnyComputed,
  ComputedAggregate,
  ComputedDef,
  ComputedKind,
  ComputedMap,
  ComputedOf,
  ComputedOptions,
  ComputedValueOf,
} from './computed.js';
export { computed } from './computed.js';
export type {
  AnyEntity,
  EntityDef,
  EntityLimits,
  FieldMap,
  JsonObject,
  RelationMap,
  SearchableKeys,
  Trait,
  TraitFields,
  UniqueKey,
  UniqueKeyInput,
  Uniques,
} from './entity.js';
export { defineEntity, searchableKinds, searchColumn, snakeCase } from './entity.js';
export type {
  AnyField,
  Field,
  FieldConfig,
  FieldFlag,
  FieldKind,
  FieldReference,
  JsonPrimitive,
  JsonValue,
  OnDelete,
} from './field.js';
export {
  f,
  isStorableText,
  jsonValue,
  jsonValueIssue,
  maxJsonDepth,
  storableJson,
  storableString,
  unstorableJsonPath,
  unstorableMessage,
} from './field.js';
export type { OperandOf, Operator, OperatorFilter, OperatorsOf } from './operators.js';
export { kindOperators, operators, textKinds } from './operators.js';
export type {
  Action,
  EntityPolicy,
  FieldRule,
  LinkRule,
  Policies,
  Principal,
  Rule,
  TenantMembership,
} from './policy.js';
export { definePolicies } from './policy.js';
export type {
  AnyRelation,
  ChildRelationOptions,
  Relation,
  RelationConfig,
  RelationKind,
} from './relation.js';
export { belongsTo, hasMany, hasOne, manyToMany } from './relation.js';
export type {
  AnySchema,
  Dto,
  EntityDtos,
  JoinTable,
  ResolvedRelation,
  Schema,
  SchemaOptions,
} from './schema.js';
export { defineSchema, queryLimits, searchQuery } from './schema.js';
export type * from './types.js';
export type { ErrorDetails, ErrorShapeData, FieldIssue } from './wire.js';
