import type { AnyEntity } from '@typecrud/shared';
import type { z } from 'zod';
import {
  adminSchema,
  entityOf,
  fieldLabel,
  fieldOf,
  humanize,
  type Row,
  referenceTarget,
} from './entities.js';

/** The input a form field renders. */
export type FormWidget =
  | 'text'
  | 'textarea'
  | 'email'
  | 'integer'
  | 'number'
  | 'bigint'
  | 'decimal'
  | 'checkbox'
  | 'select'
  | 'datetime'
  | 'json'
  | 'belongsTo'
  | 'manyToMany'
  /** Whether to create the one-to-one child along (its fields follow, with `parent` set). */
  | 'hasOne';

/** One field of a generated form: what the DTO schema says about it, and the widget for it. */
export interface FormFieldSpec {
  name: string;
  label: string;
  widget: FormWidget;
  /** Absent from the input is an error (not optional, no default). */
  required: boolean;
  nullable: boolean;
  hasDefault: boolean;
  defaultValue?: unknown;
  options?: readonly string[];
  /** The entity a belongsTo or many-to-many picker chooses from. */
  target?: string;
  maxLength?: number;
  description?: string;
  /** A field of a nested one-to-one create: the relation's name (the spec's name is `profile.bio`). */
  parent?: string;
}

/** What a form input holds: text, a checkbox, or the ids of a multi picker. */
export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;
export type FormMode = 'create' | 'update';

interface ZodInternals {
  _zod: {
    def: { type: string; innerType?: z.ZodType; defaultValue?: unknown; in?: z.ZodType; shape?: unknown };
  };
}
const defOf = (s: z.ZodType) => (s as unknown as ZodInternals)._zod.def;

/** Peels optional / nullable / default off a field's schema. */
export function unwrap(schema: z.ZodType): {
  base: z.ZodType;
  optional: boolean;
  nullable: boolean;
  hasDefault: boolean;
  defaultValue?: unknown;
} {
  let s = schema;
  let optional = false;
  let nullable = false;
  let hasDefault = false;
  let defaultValue: unknown;
  for (;;) {
    const def = defOf(s);
    if (def.type === 'optional') optional = true;
    else if (def.type === 'nullable') nullable = true;
    else if (def.type === 'default' || def.type === 'prefault') {
      hasDefault = true;
      defaultValue = def.defaultValue;
    } else break;
    s = def.innerType!;
  }
  return { base: s, optional, nullable, hasDefault, ...(hasDefault ? { defaultValue } : {}) };
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) throw new Error('form schema is not an object');
  return shape;
}

/** The object schema a form of `mode` fills: the create DTO, or the `data` of the update DTO. */
export function formSchema(entity: string, mode: FormMode): z.ZodType {
  const dtos = adminSchema.dto(entity as never);
  return mode === 'create' ? dtos.create : shapeOf(dtos.update).data!;
}

function widgetFromZod(base: z.ZodType): FormWidget {
  switch (defOf(base).type) {
    case 'string':
    case 'pipe':
      return 'text';
    case 'number':
      return 'number';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'checkbox';
    case 'enum':
      return 'select';
    case 'date':
      return 'datetime';
    default:
      return 'json';
  }
}

const byKind: Partial<Record<string, FormWidget>> = {
  string: 'text',
  text: 'textarea',
  email: 'email',
  int: 'integer',
  float: 'number',
  bigint: 'bigint',
  numeric: 'decimal',
  boolean: 'checkbox',
  enum: 'select',
  timestamp: 'datetime',
  date: 'datetime',
  json: 'json',
};

/** The specs of one object schema's keys; `prefix` names a nested one-to-one create (`profile.`). */
function specsOf(
  entity: AnyEntity,
  shape: Record<string, z.ZodType>,
  mode: FormMode,
  parent?: string,
): FormFieldSpec[] {
  const specs: FormFieldSpec[] = [];
  for (const [name, fieldSchema] of Object.entries(shape)) {
    const { base, optional, nullable, hasDefault, defaultValue } = unwrap(fieldSchema);
    const common = {
      name: parent ? `${parent}.${name}` : name,
      label: fieldLabel(entity, name),
      required: mode === 'create' && !optional && !hasDefault && !nullable,
      nullable,
      hasDefault,
      ...(hasDefault ? { defaultValue } : {}),
      ...(parent ? { parent } : {}),
    };
    const c = fieldOf(entity, name);
    if (!c) {
      const rel = adminSchema.relations(entity.name).find((r) => r.name === name);
      if (rel?.kind === 'manyToMany')
        specs.push({ ...common, widget: 'manyToMany', target: rel.target.name });
      if (rel?.kind === 'hasOne' && !parent) {
        // `{ profile: { create: { ... } } }`: a switch, and the child's fields under it.
        const child = shapeOf(shapeOf(base).create!);
        specs.push({
          ...common,
          label: `Create its ${humanize(name).toLowerCase()}`,
          widget: 'hasOne',
          target: rel.target.name,
        });
        specs.push(...specsOf(rel.target, child, mode, name));
      }
      continue;
    }
    const extra = {
      ...(c.maxLength !== undefined ? { maxLength: c.maxLength } : {}),
      ...(c.description ? { description: c.description } : {}),
    };
    const target = c.kind === 'uuid' ? referenceTarget(entity, name) : undefined;
    if (target) specs.push({ ...common, ...extra, widget: 'belongsTo', target });
    else {
      const widget = byKind[c.kind] ?? widgetFromZod(base);
      const options =
        widget === 'select' ? ((base as unknown as { options?: string[] }).options ?? c.values) : undefined;
      specs.push({ ...common, ...extra, widget, ...(options ? { options } : {}) });
    }
  }
  return specs;
}

/**
 * The fields of an entity's create or update form, read off the DTO schema (so system and
 * hidden fields never appear and optionality is the server's), with widgets chosen by each
 * field's kind. A one-to-one nested create (`user.profile`) is a switch with the child's fields.
 */
export function formFields(entityName: string, mode: FormMode): FormFieldSpec[] {
  const entity = entityOf(entityName);
  if (!entity) throw new Error(`unknown entity ${entityName}`);
  const specs = specsOf(entity, shapeOf(formSchema(entityName, mode)), mode);
  // Free-form JSON (the `properties` trait) and nested creates read best after the entity's own fields.
  const last = (s: FormFieldSpec) => (s.widget === 'hasOne' || s.parent ? 2 : s.widget === 'json' ? 1 : 0);
  return specs
    .map((s, i) => [s, i] as const)
    .sort(([a, i], [b, j]) => last(a) - last(b) || i - j)
    .map(([s]) => s);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A Date as the value of a `datetime-local` input (local time, minutes). */
export function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function toFormValue(spec: FormFieldSpec, value: unknown): FormValue {
  if (spec.widget === 'checkbox' || spec.widget === 'hasOne') return value === true;
  if (spec.widget === 'manyToMany') {
    return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : String((v as Row).id))) : [];
  }
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return toLocalInput(value);
  if (spec.widget === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** The starting values of a form: the DTO's defaults for a create, the row's values for an edit. */
export function initialValues(specs: FormFieldSpec[], row?: Row): FormValues {
  const out: FormValues = {};
  for (const spec of specs) {
    out[spec.name] = toFormValue(
      spec,
      row ? row[spec.name] : spec.hasDefault ? spec.defaultValue : undefined,
    );
  }
  return out;
}

const OMIT = Symbol('omit');

function fromFormValue(spec: FormFieldSpec, value: FormValue, mode: FormMode): unknown {
  if (spec.widget === 'checkbox') return value === true;
  if (spec.widget === 'manyToMany') {
    const ids = Array.isArray(value) ? value : [];
    if (mode === 'update') return { set: ids };
    return ids.length ? { connect: ids } : OMIT;
  }
  const text = typeof value === 'string' ? value : '';
  const blank = text.trim() === '';
  if (blank) {
    if (spec.nullable) return null;
    if (mode === 'create' && spec.hasDefault) return OMIT;
    const isText = spec.widget === 'text' || spec.widget === 'textarea' || spec.widget === 'email';
    return isText ? text : undefined;
  }
  switch (spec.widget) {
    case 'integer':
    case 'number':
      return Number(text);
    case 'bigint':
      return /^\s*-?\d+\s*$/.test(text) ? BigInt(text.trim()) : text;
    case 'decimal':
      return text.trim();
    case 'datetime':
      return new Date(text);
    case 'json':
      return JSON.parse(text);
    default:
      return text;
  }
}

const sameValue = (a: FormValue | undefined, b: FormValue | undefined) =>
  Array.isArray(a) && Array.isArray(b) ? [...a].sort().join() === [...b].sort().join() : a === b;

/** The fields whose value differs from where the form started (an edit sends only these). */
export function changedFields(specs: FormFieldSpec[], values: FormValues, initial: FormValues): string[] {
  return specs.filter((s) => !sameValue(values[s.name], initial[s.name])).map((s) => s.name);
}

/**
 * The DTO input of a form's values: blanks become null (nullable), absent (defaulted) or stay
 * blank so the schema reports them; an edit carries only `only`. Unparseable JSON is an error here.
 */
export function toInput(
  specs: FormFieldSpec[],
  values: FormValues,
  mode: FormMode,
  only?: readonly string[],
): { input: Record<string, unknown>; errors: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const spec of specs) {
    if (only && !only.includes(spec.name)) continue;
    if (spec.widget === 'hasOne') {
      if (values[spec.name] === true) input[spec.name] = { create: {} };
      continue;
    }
    const nested = spec.parent
      ? (input[spec.parent] as { create: Record<string, unknown> } | undefined)
      : undefined;
    if (spec.parent && !nested) continue;
    const key = spec.parent ? spec.name.slice(spec.parent.length + 1) : spec.name;
    try {
      const v = fromFormValue(spec, values[spec.name] ?? '', mode);
      if (v !== OMIT) (nested ? nested.create : input)[key] = v;
    } catch {
      errors[spec.name] = 'must be valid JSON';
    }
  }
  return { input, errors };
}

export interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** Messages by field from schema or server issues (`data.name` and `name` both land on `name`); the rest under ''. */
export function issuesByField(issues: readonly Issue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path[0] === 'data' ? issue.path.slice(1) : issue.path;
    // a nested one-to-one create: `profile.create.bio` is the form's `profile.bio`
    const nested =
      path[1] === 'create' && typeof path[2] === 'string' ? `${String(path[0])}.${path[2]}` : undefined;
    const key = nested ?? (typeof path[0] === 'string' ? path[0] : '');
    out[key] ??= issue.message;
  }
  return out;
}

/**
 * Validates a form's input with the same DTO schema the server parses it with, so the messages
 * are the server's: the create DTO, or the update DTO around `{ id, data }`.
 */
export function validateInput(
  entity: string,
  mode: FormMode,
  input: Record<string, unknown>,
  id?: string,
): Record<string, string> {
  const dtos = adminSchema.dto(entity as never);
  const result =
    mode === 'create'
      ? dtos.create.safeParse(input)
      : dtos.update.safeParse({ id: id ?? '00000000-0000-4000-8000-000000000000', data: input });
  return result.success ? {} : issuesByField(result.error.issues);
}
