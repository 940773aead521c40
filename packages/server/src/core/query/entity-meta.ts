import type { AnyEntity, FieldConfig, FieldMap } from '@typecrud/shared';
import { type RawBuilder, sql } from 'kysely';
import { columnName } from '../table-model.js';

export type Sql = RawBuilder<unknown>;

export interface ColumnMeta {
  readonly field: string;
  readonly column: string;
  readonly config: FieldConfig;
}

/** What the compiler needs of an entity, computed once. */
export interface EntityMeta {
  readonly entity: AnyEntity;
  readonly table: string;
  readonly columns: readonly ColumnMeta[];
  /** The columns reads return (all but hidden ones). */
  readonly readColumns: readonly ColumnMeta[];
  readonly byField: ReadonlyMap<string, ColumnMeta>;
  readonly archivable: boolean;
  readonly versioned: boolean;
  readonly timestamped: boolean;
  readonly audited: boolean;
  /** Converts a row read from the database (or from embedded JSON) to the entity's value types. */
  readonly decode: (row: Record<string, unknown>) => void;
}

const metas = new WeakMap<AnyEntity, EntityMeta>();

type Convert = (v: unknown) => unknown;

/** Values that drivers or JSON deliver in another type than the DTO's. */
function converter(c: FieldConfig): Convert | undefined {
  switch (c.kind) {
    case 'timestamp':
    case 'date':
      return (v) => (v === null || v instanceof Date ? v : new Date(v as string));
    case 'bigint':
      return (v) => (v === null || typeof v === 'bigint' ? v : BigInt(v as string));
    case 'numeric':
      return (v) => (v === null || typeof v === 'string' ? v : String(v));
    default:
      return undefined;
  }
}

export function metaOf(entity: AnyEntity): EntityMeta {
  let meta = metas.get(entity);
  if (meta) return meta;
  const columns = Object.entries(entity.fields as FieldMap).map(([field, f]) => ({
    field,
    column: columnName(field),
    config: f.config,
  }));
  const conversions = columns.flatMap((c) => {
    const fn = converter(c.config);
    return fn ? [[c.field, fn] as const] : [];
  });
  // computed values: timestamps as Dates, numbers as numbers (a sum arrives as text from some drivers)
  for (const [name, c] of Object.entries(entity.computed ?? {})) {
    if (c.kind === 'timestamp') conversions.push([name, converter({ kind: 'timestamp' } as FieldConfig)!]);
    else if (c.kind === 'int' || c.kind === 'float')
      conversions.push([name, (v) => (v === null || typeof v === 'number' ? v : Number(v))]);
  }
  meta = {
    entity,
    table: entity.table,
    columns,
    readColumns: columns.filter((c) => !c.config.hidden),
    byField: new Map(columns.map((c) => [c.field, c])),
    archivable: entity.traits.has('archive'),
    versioned: entity.traits.has('version'),
    timestamped: entity.traits.has('timestamps'),
    audited: entity.traits.has('audit'),
    decode: (row) => {
      for (const [field, fn] of conversions) {
        if (field in row) row[field] = fn(row[field]);
      }
    },
  };
  metas.set(entity, meta);
  return meta;
}

export const ref = (alias: string, column: string): Sql => sql.ref(`${alias}.${column}`);

/** A column as selected: bigint and numeric as text so no engine or JSON loses digits. */
export function selectExpr(alias: string, c: ColumnMeta): Sql {
  const r = ref(alias, c.column);
  return c.config.kind === 'bigint' || c.config.kind === 'numeric' ? sql`${r}::text` : r;
}

/** `"t0"."name" as "name", ...` for every readable column of the entity, or for `columns`. */
export function selectColumns(
  meta: EntityMeta,
  alias: string,
  columns: readonly ColumnMeta[] = meta.readColumns,
): Sql[] {
  return columns.map((c) => sql`${selectExpr(alias, c)} as ${sql.id(c.field)}`);
}

export const and = (parts: Sql[]): Sql =>
  parts.length === 0 ? sql`true` : parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, sql` and `)})`;
export const or = (parts: Sql[]): Sql =>
  parts.length === 0 ? sql`false` : parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, sql` or `)})`;

/** A value bound as a parameter; bigints travel as text (PostgreSQL casts them by context). */
export function param(v: unknown): Sql {
  return sql`${typeof v === 'bigint' ? v.toString() : v}`;
}
