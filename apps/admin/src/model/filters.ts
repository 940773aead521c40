import type { AnyEntity, FieldConfig } from '@typecrud/shared';
import { fieldLabel, fieldsOf, referenceTarget } from './entities.js';

/** The widget a filterable field gets, by its kind. */
export type FilterWidget =
  | { kind: 'text' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'dateRange' }
  | { kind: 'numberRange'; integer: boolean }
  | { kind: 'relation'; target: string }
  | { kind: 'uuid' };

export interface FilterSpec {
  field: string;
  label: string;
  widget: FilterWidget;
  /** A standard field (id, timestamps, audit): offered behind "More filters". */
  system: boolean;
}

/** The widget for one filterable field, or undefined where the list has a better control (archive toggle) or none fits (json). */
export function filterWidget(entity: AnyEntity, field: string, c: FieldConfig): FilterWidget | undefined {
  if (field === 'archivedAt') return undefined;
  switch (c.kind) {
    case 'string':
    case 'text':
    case 'email':
      return { kind: 'text' };
    case 'enum':
      return { kind: 'enum', values: c.values ?? [] };
    case 'boolean':
      return { kind: 'boolean' };
    case 'timestamp':
    case 'date':
      return { kind: 'dateRange' };
    case 'int':
    case 'bigint':
      return { kind: 'numberRange', integer: true };
    case 'float':
    case 'numeric':
      return { kind: 'numberRange', integer: false };
    case 'uuid': {
      const target = referenceTarget(entity, field);
      return target ? { kind: 'relation', target } : { kind: 'uuid' };
    }
    case 'json':
      return undefined;
  }
}

/**
 * The filters of an entity's list, one per filterable field: the entity's own fields in
 * definition order, then the standard ones (timestamps, audit), id last.
 */
export function filterSpecs(entity: AnyEntity): FilterSpec[] {
  const specs: FilterSpec[] = [];
  for (const [field, c] of fieldsOf(entity)) {
    if (!c.filterable) continue;
    const widget = filterWidget(entity, field, c);
    if (widget) specs.push({ field, label: fieldLabel(entity, field), widget, system: c.system });
  }
  const rank = (s: FilterSpec) => (s.field === 'id' ? 2 : s.system ? 1 : 0);
  return specs.sort((a, b) => rank(a) - rank(b));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Midnight UTC at the start of a `YYYY-MM-DD` day, or (end) the last millisecond of it. */
function dayBound(day: string, end: boolean): Date | undefined {
  if (!DAY.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(d.getTime())) return undefined;
  return end ? new Date(d.getTime() + 86_400_000 - 1) : d;
}

function numberBound(value: string, c: FieldConfig): unknown {
  const text = value.trim();
  if (text === '') return undefined;
  if (c.kind === 'bigint') return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
  if (c.kind === 'numeric') return /^-?\d+(\.\d+)?$/.test(text) ? text : undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || (c.kind === 'int' && !Number.isInteger(n))) return undefined;
  return n;
}

/**
 * The `where` of a list from the URL's filter inputs: text `contains` (case-insensitive), enum and
 * boolean equality, relation equality, date and number ranges (`gte` / `lte`). Unusable inputs are skipped.
 */
export function whereFromFilters(
  entity: AnyEntity,
  filters: Record<string, string>,
): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  for (const spec of filterSpecs(entity)) {
    const c = fieldsOf(entity).find(([name]) => name === spec.field)?.[1];
    if (!c) continue;
    const value = filters[spec.field];
    switch (spec.widget.kind) {
      case 'text':
        if (value?.trim()) where[spec.field] = { contains: value.trim(), mode: 'insensitive' };
        break;
      case 'enum':
        if (value && spec.widget.values.includes(value)) where[spec.field] = { eq: value };
        break;
      case 'boolean':
        if (value === 'true' || value === 'false') where[spec.field] = { eq: value === 'true' };
        break;
      case 'relation':
      case 'uuid':
        if (value && UUID.test(value.trim())) where[spec.field] = { eq: value.trim() };
        break;
      case 'dateRange': {
        const range: Record<string, Date> = {};
        const from = dayBound(filters[`${spec.field}.from`] ?? '', false);
        const to = dayBound(filters[`${spec.field}.to`] ?? '', true);
        if (from) range.gte = from;
        if (to) range.lte = to;
        if (from || to) where[spec.field] = range;
        break;
      }
      case 'numberRange': {
        const range: Record<string, unknown> = {};
        const min = numberBound(filters[`${spec.field}.from`] ?? '', c);
        const max = numberBound(filters[`${spec.field}.to`] ?? '', c);
        if (min !== undefined) range.gte = min;
        if (max !== undefined) range.lte = max;
        if (Object.keys(range).length) where[spec.field] = range;
        break;
      }
    }
  }
  return where;
}

/** The URL keys a filter spec uses (`name`, or `createdAt.from` + `createdAt.to`). */
export function filterKeys(spec: FilterSpec): string[] {
  return spec.widget.kind === 'dateRange' || spec.widget.kind === 'numberRange'
    ? [`${spec.field}.from`, `${spec.field}.to`]
    : [spec.field];
}
