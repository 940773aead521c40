import type { FieldConfig } from '@typecrud/shared';

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-03-01 14:05` in the viewer's time zone. */
export function formatDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A field value as text for a cell. */
export function formatValue(value: unknown, config?: FieldConfig): string {
  if (value === null || value === undefined) return '—';
  if (value instanceof Date) return formatDate(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'bigint') return value.toLocaleString('en-US');
  if (config?.kind === 'json' || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
