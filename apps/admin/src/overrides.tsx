import type { AnyEntity } from '@typecrud/shared';
import type { ComponentType } from 'react';
import { entityOf, type Row, rowLabel } from './model/entities.js';
import type { FormFieldSpec, FormValue } from './model/form-model.js';
import { paths } from './model/routes.js';
import { Link } from './router.js';

/** Props of a custom list or detail cell. */
export interface CellProps {
  field: string;
  value: unknown;
  row: Row;
}

/** Props of a custom form field: a controlled input with the id its label points to. */
export interface FieldProps {
  id: string;
  spec: FormFieldSpec;
  value: FormValue;
  onChange(value: FormValue): void;
  onBlur(): void;
  invalid: boolean;
  /** The id of the field's error / hint text, for aria-describedby. */
  describedBy?: string;
}

/**
 * What an entity may change about its generic pages. Everything is optional: an entity with no
 * entry renders from its definition alone.
 */
export interface EntityOverrides {
  /** The key of the entity's router in the app router, when it is not the entity's name. */
  router?: string;
  /** Only reads are routed (no create, update, delete, archive): the pages offer none. */
  readOnly?: boolean;
  /**
   * How a row is named in links, pickers and titles, when its label field is not enough; it may
   * use the belongs-to rows a list or detail page embeds. Undefined falls back to the label field.
   */
  label?: (row: Row) => string | undefined;
  /** List columns in this order; listed fields not named here follow in definition order. */
  columns?: readonly string[];
  /** A custom cell per field, in the list and on the detail page. */
  cells?: Record<string, ComponentType<CellProps>>;
  /** A custom input per field, in the create and edit forms. */
  fields?: Record<string, ComponentType<FieldProps>>;
}

function ColorSwatch({ value }: CellProps) {
  if (typeof value !== 'string') return <span className="muted">—</span>;
  return (
    <span className="swatch">
      <span className="swatch-chip" style={{ background: value }} aria-hidden="true" />
      <code>{value}</code>
    </span>
  );
}

function ColorField({ id, value, onChange, onBlur, invalid, describedBy }: FieldProps) {
  const text = typeof value === 'string' ? value : '';
  return (
    <span className="color-field">
      <input
        type="color"
        aria-label="Pick a colour"
        value={/^#[0-9a-f]{6}$/i.test(text) ? text : '#000000'}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
      />
      <input
        id={id}
        type="text"
        value={text}
        placeholder="#1a2b3c"
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
      />
    </span>
  );
}

/** An audit entry's subject: a link to the changed row's page (it may since have been deleted). */
function AuditSubject({ value, row }: CellProps) {
  if (typeof value !== 'string') return <span className="muted">—</span>;
  if (typeof row.entity !== 'string' || !entityOf(row.entity)) return <code>{value.slice(0, 8)}</code>;
  return <Link to={paths.detail(row.entity, value)}>{value.slice(0, 8)}</Link>;
}

/** The registry: per entity name, its overrides. The demo shows each kind once. */
export const overrides: Record<string, EntityOverrides> = {
  membership: {
    label: (row) => {
      const user = row.user as Row | undefined;
      const org = row.organization as Row | undefined;
      return user && org ? `${String(user.displayName)} in ${String(org.name)}` : undefined;
    },
  },
  auditEntry: { router: 'audit', readOnly: true, cells: { entityId: AuditSubject } },
  session: { readOnly: true },
  project: { columns: ['name', 'organizationId', 'isPublic'] },
  tag: { cells: { color: ColorSwatch }, fields: { color: ColorField } },
};

export function overridesOf(entity: string): EntityOverrides {
  return overrides[entity] ?? {};
}

/** A row's name as the pages show it: the entity's `label` override, else its label field. */
export function displayLabel(entity: AnyEntity, row: Row | null | undefined): string {
  return (row && overridesOf(entity.name).label?.(row)) || rowLabel(entity, row);
}
