import { createHash } from 'node:crypto';
import type { AnyEntity, AnySchema, FieldConfig, FieldMap, OnDelete } from '@typecrud/shared';
import { searchColumn, snakeCase } from '@typecrud/shared';
import {
  createTriggerSql,
  entityTriggers,
  type FunctionModel,
  functionModels,
  joinTriggers,
  type TriggerModel,
} from './triggers.js';

/** A column as the database should have it. */
export interface ColumnModel {
  readonly name: string;
  /** The field it stores, for error messages. */
  readonly field: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly default?: string;
  readonly comment?: string;
  /** A stored generated column: its expression (`generated always as (...) stored`). */
  readonly generated?: string;
}

export interface UniqueModel {
  readonly name: string;
  readonly columns: readonly string[];
  readonly fields: readonly string[];
}

export interface ForeignKeyModel {
  readonly name: string;
  readonly column: string;
  readonly field: string;
  readonly references: string;
  readonly onDelete: OnDelete;
}

export interface CheckModel {
  readonly name: string;
  readonly column: string;
  readonly expression: string;
}

export interface IndexModel {
  readonly name: string;
  readonly columns: readonly string[];
  /** A unique index (a unique key with a condition: `where`). */
  readonly unique?: boolean;
  /** Partial index: the rows it covers, as PostgreSQL prints it (`(archived_at IS NULL)`). */
  readonly where?: string;
  /** The access method when not btree (`gin` for the full-text search column). */
  readonly method?: string;
}

/** The condition of a unique key that ignores archived rows, as PostgreSQL prints it back. */
export const liveRows = '(archived_at IS NULL)';

/** A table as the definitions say it should be: the input of DDL generation and of migration diffs. */
export interface TableModel {
  readonly name: string;
  /** The entity it stores, or the entity that declares a join table. */
  readonly entity: string;
  readonly columns: readonly ColumnModel[];
  readonly primaryKey: { readonly name: string; readonly columns: readonly string[] };
  readonly uniques: readonly UniqueModel[];
  readonly foreignKeys: readonly ForeignKeyModel[];
  readonly checks: readonly CheckModel[];
  readonly indexes: readonly IndexModel[];
  /** Statement-level triggers: the audit trail and the changed-tables record. */
  readonly triggers: readonly TriggerModel[];
  /** The functions those triggers run (definitions only; introspection leaves this empty). */
  readonly functions: readonly FunctionModel[];
  readonly comment?: string;
}

/** A constraint or index name within PostgreSQL's 63 bytes, stable for the same parts. */
export function constraintName(table: string, parts: readonly string[], suffix: string): string {
  const name = `${table}_${parts.join('_')}_${suffix}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 63 - suffix.length - 10)}_${hash}_${suffix}`;
}

/** The column name of a field: snake_case of its name. */
export const columnName = snakeCase;

/** The SQL type of a field. */
export function sqlType(c: FieldConfig): string {
  switch (c.kind) {
    case 'string':
    case 'email':
      return `varchar(${c.maxLength ?? 255})`;
    case 'text':
    case 'enum':
      return 'text';
    case 'uuid':
      return 'uuid';
    case 'int':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'float':
      return 'double precision';
    case 'numeric':
      return `numeric(${c.precision?.[0] ?? 12},${c.precision?.[1] ?? 2})`;
    case 'boolean':
      return 'boolean';
    case 'timestamp':
      return 'timestamptz';
    case 'date':
      return 'date';
    case 'json':
      return 'jsonb';
  }
}

const quoteLiteral = (v: string) => `'${v.replaceAll("'", "''")}'`;

/**
 * The text search configuration of every search column and query: 'simple' lower-cases and splits
 * words without stemming or stop words, so any language and product names match as written.
 */
export const searchConfig = 'simple';

const searchWeights = ['A', 'B', 'C', 'D'] as const;

/**
 * The expression of an entity's search column: each searched field's words, weighted A, B, C, then
 * D in the order `search` lists them (ranking prefers matches in the first fields).
 */
export function searchVectorSql(entity: AnyEntity): string {
  return entity.search
    .map(
      (field, i) =>
        `setweight(to_tsvector(${quoteLiteral(searchConfig)}, coalesce(${quoteIdent(columnName(field))}, '')), ${quoteLiteral(searchWeights[Math.min(i, 3)]!)})`,
    )
    .join(' || ');
}

/** The search column and its GIN index, when the entity declares `search`. */
function searchModel(entity: AnyEntity): { columns: ColumnModel[]; indexes: IndexModel[] } {
  if (entity.search.length === 0) return { columns: [], indexes: [] };
  return {
    columns: [
      {
        name: searchColumn,
        field: `search (${entity.search.join(', ')})`,
        type: 'tsvector',
        nullable: true,
        generated: searchVectorSql(entity),
      },
    ],
    indexes: [
      { name: constraintName(entity.table, [searchColumn], 'idx'), columns: [searchColumn], method: 'gin' },
    ],
  };
}

function entityTable(schema: AnySchema, entity: AnyEntity): TableModel {
  const t = entity.table;
  const fields = Object.entries(entity.fields as FieldMap).map(([name, f]) => [name, f.config] as const);
  const principal = schema.options.principal ? schema.entity(schema.options.principal) : undefined;
  const search = searchModel(entity);
  const columns: ColumnModel[] = [
    ...fields.map(([field, c]) => ({
      name: columnName(field),
      field,
      type: sqlType(c),
      nullable: c.nullable,
      ...(c.sqlDefault !== undefined ? { default: c.sqlDefault } : {}),
      ...(c.description ? { comment: c.description } : {}),
    })),
    ...search.columns,
  ];
  const uniques: UniqueModel[] = [];
  for (const [field, c] of fields) {
    if (c.unique)
      uniques.push({
        name: constraintName(t, [columnName(field)], 'key'),
        columns: [columnName(field)],
        fields: [field],
      });
  }
  const partial: IndexModel[] = [];
  for (const key of entity.uniqueKeys) {
    const cols = key.fields.map(columnName);
    if (key.ignoreArchived)
      partial.push({ name: constraintName(t, cols, 'key'), columns: cols, unique: true, where: liveRows });
    else uniques.push({ name: constraintName(t, cols, 'key'), columns: cols, fields: [...key.fields] });
  }
  const foreignKeys: ForeignKeyModel[] = [];
  for (const [field, c] of fields) {
    const ref = c.references;
    if (ref) {
      foreignKeys.push({
        name: constraintName(t, [columnName(field)], 'fkey'),
        column: columnName(field),
        field,
        references: schema.entity(ref.entity).table,
        onDelete: ref.onDelete,
      });
    }
    if (principal && (field === 'createdBy' || field === 'updatedBy')) {
      foreignKeys.push({
        name: constraintName(t, [columnName(field)], 'fkey'),
        column: columnName(field),
        field,
        references: principal.table,
        onDelete: 'set null',
      });
    }
  }
  const checks: CheckModel[] = fields
    .filter(([, c]) => c.kind === 'enum' && c.values)
    .map(([field, c]) => ({
      name: constraintName(t, [columnName(field)], 'check'),
      column: columnName(field),
      expression: `${quoteIdent(columnName(field))} in (${c.values!.map(quoteLiteral).join(', ')})`,
    }));
  const uniqueLeads = new Set(uniques.map((u) => u.columns[0]));
  const indexes: IndexModel[] = [
    ...partial,
    ...fields
      .filter(([field, c]) => c.index && !uniqueLeads.has(columnName(field)))
      .map(([field]) => ({
        name: constraintName(t, [columnName(field)], 'idx'),
        columns: [columnName(field)],
      })),
    ...search.indexes,
  ];
  const triggers = entityTriggers(schema, entity);
  return {
    name: t,
    entity: entity.name,
    columns,
    primaryKey: { name: `${t}_pkey`, columns: ['id'] },
    uniques,
    foreignKeys,
    checks,
    indexes,
    triggers,
    functions: functionsFor(schema, triggers),
    ...(entity.description ? { comment: entity.description } : {}),
  };
}

const functionsFor = (schema: AnySchema, triggers: readonly TriggerModel[]) =>
  functionModels(schema).filter((f) => triggers.some((t) => t.function === f.name));

/** Every table of a schema, in dependency order (referenced tables first, join tables last). */
export function tableModels(schema: AnySchema): TableModel[] {
  const tables = schema.ordered.map((e) => entityTable(schema, e));
  for (const j of schema.joinTables) {
    const cols = [j.left.column, j.right.column];
    tables.push({
      name: j.table,
      entity: j.left.entity.name,
      columns: [
        { name: j.left.column, field: j.right.entity.name, type: 'uuid', nullable: false },
        { name: j.right.column, field: j.left.entity.name, type: 'uuid', nullable: false },
      ],
      primaryKey: { name: `${j.table}_pkey`, columns: cols },
      uniques: [],
      foreignKeys: [
        {
          name: constraintName(j.table, [j.left.column], 'fkey'),
          column: j.left.column,
          field: j.left.column,
          references: j.left.entity.table,
          onDelete: 'cascade',
        },
        {
          name: constraintName(j.table, [j.right.column], 'fkey'),
          column: j.right.column,
          field: j.right.column,
          references: j.right.entity.table,
          onDelete: 'cascade',
        },
      ],
      checks: [],
      indexes: [{ name: constraintName(j.table, [j.right.column], 'idx'), columns: [j.right.column] }],
      triggers: joinTriggers(schema, j),
      functions: functionsFor(schema, joinTriggers(schema, j)),
    });
  }
  return tables;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `create table` and its indexes and comments, as separate statements. */
export function createTableSql(t: TableModel): string[] {
  const q = quoteIdent;
  const lines = t.columns.map((c) => `  ${columnDefinition(c)}`);
  lines.push(`  constraint ${q(t.primaryKey.name)} primary key (${t.primaryKey.columns.map(q).join(', ')})`);
  for (const u of t.uniques) lines.push(`  constraint ${q(u.name)} unique (${u.columns.map(q).join(', ')})`);
  for (const c of t.checks) lines.push(`  constraint ${q(c.name)} check (${c.expression})`);
  const out = [`create table ${q(t.name)} (\n${lines.join(',\n')}\n)`];
  for (const i of t.indexes) out.push(createIndexSql(t.name, i));
  if (t.comment) out.push(`comment on table ${q(t.name)} is ${quoteLiteral(t.comment)}`);
  for (const c of t.columns) {
    if (c.comment) out.push(`comment on column ${q(t.name)}.${q(c.name)} is ${quoteLiteral(c.comment)}`);
  }
  for (const trigger of t.triggers) out.push(createTriggerSql(t.name, trigger));
  return out;
}

/** A column as `create table` and `add column` write it. */
export function columnDefinition(c: ColumnModel): string {
  if (c.generated !== undefined)
    return `${quoteIdent(c.name)} ${c.type} generated always as (${c.generated}) stored`;
  return `${quoteIdent(c.name)} ${c.type}${c.nullable ? '' : ' not null'}${c.default !== undefined ? ` default ${c.default}` : ''}`;
}

/** `create [unique] index ... [using method] ... [where ...]`. */
export function createIndexSql(table: string, i: IndexModel): string {
  const q = quoteIdent;
  return `create ${i.unique ? 'unique ' : ''}index ${q(i.name)} on ${q(table)}${i.method ? ` using ${i.method}` : ''} (${i.columns.map(q).join(', ')})${i.where ? ` where ${i.where}` : ''}`;
}

/**
 * A generated expression reduced to what it computes, so that the definitions' text and
 * PostgreSQL's print of it (casts, parentheses, quoting and case added) compare equal.
 */
export function normalizeGenerated(expression: string): string {
  return expression
    .replace(/::(?:"[^"]*"|[a-z_]+(?: [a-z_]+)*(?:\(\d+(?:,\s*\d+)?\))?)(?:\[\])?/gi, '')
    .replace(/[()"\s]/g, '')
    .toLowerCase();
}

/** `alter table ... add constraint ... foreign key`, one statement per foreign key of the table. */
export function foreignKeySql(t: TableModel): string[] {
  const q = quoteIdent;
  return t.foreignKeys.map(
    (fk) =>
      `alter table ${q(t.name)} add constraint ${q(fk.name)} foreign key (${q(fk.column)}) references ${q(fk.references)} ("id") on delete ${fk.onDelete}`,
  );
}

/** The whole schema's DDL: tables first, then foreign keys (so references may form cycles). */
export function schemaDdl(schema: AnySchema): string[] {
  const tables = tableModels(schema);
  return [
    ...functionModels(schema).map((f) => f.ddl),
    ...tables.flatMap(createTableSql),
    ...tables.flatMap(foreignKeySql),
  ];
}

/** What a constraint name means in terms of entity fields, for error messages. */
export interface ConstraintInfo {
  readonly table: string;
  readonly kind: 'unique' | 'foreignKey' | 'check' | 'primaryKey';
  readonly fields: readonly string[];
  /** foreignKey: the referenced table. */
  readonly references?: string;
}

export function constraintIndex(schema: AnySchema): Map<string, ConstraintInfo> {
  const out = new Map<string, ConstraintInfo>();
  for (const t of tableModels(schema)) {
    out.set(t.primaryKey.name, { table: t.name, kind: 'primaryKey', fields: ['id'] });
    for (const u of t.uniques) out.set(u.name, { table: t.name, kind: 'unique', fields: u.fields });
    for (const i of t.indexes) {
      if (!i.unique) continue;
      const fields = i.columns.map((c) => t.columns.find((x) => x.name === c)?.field ?? c);
      out.set(i.name, { table: t.name, kind: 'unique', fields });
    }
    for (const fk of t.foreignKeys) {
      out.set(fk.name, { table: t.name, kind: 'foreignKey', fields: [fk.field], references: fk.references });
    }
    for (const c of t.checks) {
      const col = t.columns.find((x) => x.name === c.column);
      out.set(c.name, { table: t.name, kind: 'check', fields: [col?.field ?? c.column] });
    }
  }
  return out;
}
