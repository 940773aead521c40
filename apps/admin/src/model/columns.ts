import type { AnyEntity } from '@typecrud/shared';
import { fieldsOf, labelField } from './entities.js';

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
