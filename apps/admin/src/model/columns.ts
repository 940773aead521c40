import type { AnyEntity } from '@typecrud/shared';
import { belongsToOf, fieldOf, fieldsOf, labelField } from './entities.js';

/**
 * The list columns of an entity: its listed fields (the list item's), in the override's order
 * first, then definition order. `id` leads only when no label field names the row (it is the link then).
 */
export function listColumns(entity: AnyEntity, order: readonly string[] = []): string[] {
  const listed = fieldsOf(entity)
    .filter(([name, c]) => c.listed && name !== 'id')
    .map(([name]) => name);
  const label = labelField(entity);
  if (!label || !listed.includes(label)) listed.unshift('id');
  const first = order.filter((name) => listed.includes(name));
  return [...first, ...listed.filter((name) => !first.includes(name))];
}

/** A reference column sorts by the referenced row's label (`organizationId` by `organization.name`). */
function referenceSort(entity: AnyEntity, field: string): { relation: string; field: string } | undefined {
  const rel = belongsToOf(entity, field);
  const label = rel ? labelField(rel.target) : undefined;
  if (!rel || !label || !fieldOf(rel.target, label)?.sortable) return undefined;
  return { relation: rel.name, field: label };
}

export function isSortable(entity: AnyEntity, field: string): boolean {
  return Boolean(fieldOf(entity, field)?.sortable || referenceSort(entity, field));
}

/** The `orderBy` term of a column: the field itself, or through its belongs-to relation. */
export function orderTerm(entity: AnyEntity, field: string, dir: 'asc' | 'desc'): Record<string, unknown> {
  const via = referenceSort(entity, field);
  return via ? { [via.relation]: { [via.field]: dir } } : { [field]: dir };
}
