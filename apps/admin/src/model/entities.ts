import { schema } from '@typecrud/demo';
import type { AnyEntity, FieldConfig, FieldMap, ResolvedRelation } from '@typecrud/shared';

/** A row as the admin handles it: every entity's rows, untyped (the admin is generic over entities). */
export type Row = Record<string, unknown>;

/** The schema the admin renders: the shared package's, so a new entity appears without admin code. */
export const adminSchema = schema;

export const entityNames: readonly string[] = Object.keys(adminSchema.entities);

export function entityOf(name: string): AnyEntity | undefined {
  return (adminSchema.entities as Record<string, AnyEntity>)[name];
}

/** The fields the API reads and writes (hidden ones, like a password hash, never leave the server). */
export function fieldsOf(entity: AnyEntity): [string, FieldConfig][] {
  return Object.entries(entity.fields as FieldMap)
    .filter(([, field]) => !field.config.hidden)
    .map(([name, field]) => [name, field.config]);
}

export function fieldOf(entity: AnyEntity, name: string): FieldConfig | undefined {
  const config = (entity.fields as FieldMap)[name]?.config;
  return config && !config.hidden ? config : undefined;
}

export function relationsOf(entity: AnyEntity): readonly ResolvedRelation[] {
  return adminSchema.relations(entity.name);
}

/** `isPublic` -> `Is public`, `createdAt` -> `Created at`, `auditEntry` -> `Audit entry`. */
export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `release` -> `Releases`, `tag` -> `Tags`. */
export function pluralTitle(name: string): string {
  const title = humanize(name);
  return /(s|x|ch|sh)$/.test(title)
    ? `${title}es`
    : /[^aeiou]y$/.test(title)
      ? `${title.slice(0, -1)}ies`
      : `${title}s`;
}

const preferredLabels = ['name', 'label', 'title', 'displayName', 'email', 'semver', 'slug'];

/** The field that names a row in links and pickers: a well-known name, else the first filterable string. */
export function labelField(entity: AnyEntity): string | undefined {
  const fields = fieldsOf(entity);
  const isText = (c: FieldConfig) => c.kind === 'string' || c.kind === 'email';
  for (const name of preferredLabels) {
    const c = fieldOf(entity, name);
    if (c && isText(c)) return name;
  }
  return (
    fields.find(([, c]) => isText(c) && c.filterable && !c.system)?.[0] ??
    fields.find(([, c]) => isText(c) && !c.system)?.[0]
  );
}

/** A short human name for a row: its label field, else the start of its id. */
export function rowLabel(entity: AnyEntity, row: Row | null | undefined): string {
  if (!row) return '—';
  const field = labelField(entity);
  const value = field ? row[field] : undefined;
  if (typeof value === 'string' && value !== '') return value;
  return typeof row.id === 'string' ? row.id.slice(0, 8) : '—';
}

/**
 * The entity a uuid field points to: its `f.ref` target, or the schema's principal for the
 * audit fields (`createdBy` / `updatedBy`), whose foreign keys come from the schema options.
 */
export function referenceTarget(entity: AnyEntity, field: string): string | undefined {
  const c = fieldOf(entity, field);
  if (!c) return undefined;
  if (c.references) return c.references.entity;
  if (c.system && (field === 'createdBy' || field === 'updatedBy')) return adminSchema.options.principal;
  return undefined;
}

/** A field's label: a reference names what it points to (`organizationId` -> `Organization`). */
export function fieldLabel(entity: AnyEntity, field: string): string {
  if (field === 'id') return 'Id';
  const isReference = referenceTarget(entity, field) !== undefined && field.endsWith('Id');
  return humanize(isReference ? field.slice(0, -2) : field);
}

/** The belongsTo relation carried by a reference field (`organizationId` -> `organization`). */
export function belongsToOf(entity: AnyEntity, field: string): ResolvedRelation | undefined {
  return relationsOf(entity).find((r) => r.kind === 'belongsTo' && r.field === field);
}

export const hasArchive = (entity: AnyEntity): boolean => entity.traits.has('archive');
export const hasVersion = (entity: AnyEntity): boolean => entity.traits.has('version');
