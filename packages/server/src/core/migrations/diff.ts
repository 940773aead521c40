import {
  type ColumnModel,
  columnDefinition,
  createIndexSql,
  createTableSql,
  type ForeignKeyModel,
  type IndexModel,
  normalizeGenerated,
  quoteIdent,
  type TableModel,
} from '../table-model.js';
import { createTriggerSql, dropTriggerSql, type TriggerModel, triggerShape } from '../triggers.js';
import { normalizeDefault } from './introspection.js';

/** Renames declared for a diff, so that they become RENAME instead of drop + add. */
export interface Renames {
  /** Old table name -> new table name. */
  readonly tables?: Readonly<Record<string, string>>;
  /** `table.oldColumn` -> new column name, `table` being the table's new name. */
  readonly columns?: Readonly<Record<string, string>>;
}

/** One difference between two schemas, with the statements that make it and undo it. */
export interface SchemaChange {
  readonly table: string;
  /** One line for people: drift reports and the generated migration's comments. */
  readonly description: string;
  readonly up: readonly string[];
  /** Undoes `up`, run in reverse change order. */
  readonly down: readonly string[];
  /** Why `up` can lose data (drop, narrowing); absent when it cannot. */
  readonly destructive?: string;
  /** Why `down` can lose data. */
  readonly destructiveDown?: string;
  /** Why `up` can fail on a table with rows (a NOT NULL column without default, a new check). */
  readonly warning?: string;
}

/**
 * Statement order: renames, then drops from the outside in (foreign keys, constraints, tables),
 * then creations from the inside out; `down` runs the changes in reverse.
 */
const phase = {
  renameTable: 0,
  renameColumn: 1,
  dropForeignKey: 2,
  dropConstraint: 3,
  dropTable: 4,
  createTable: 5,
  addColumn: 6,
  alterColumn: 7,
  dropColumn: 8,
  renameConstraint: 9,
  addConstraint: 10,
  addForeignKey: 11,
  comment: 12,
  trigger: 13,
} as const;

interface PhasedChange extends SchemaChange {
  readonly phase: number;
}

const q = quoteIdent;
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
const commentValue = (v: string | undefined) => (v === undefined ? 'null' : literal(v));

export function columnDdl(c: ColumnModel): string {
  return columnDefinition(c);
}

const generatedShape = (c: ColumnModel) =>
  c.generated === undefined ? undefined : normalizeGenerated(c.generated);

function addForeignKeySql(table: string, fk: ForeignKeyModel): string {
  return `alter table ${q(table)} add constraint ${q(fk.name)} foreign key (${q(fk.column)}) references ${q(fk.references)} ("id") on delete ${fk.onDelete}`;
}

const dropConstraintSql = (table: string, name: string) =>
  `alter table ${q(table)} drop constraint ${q(name)}`;
const columnsSql = (columns: readonly string[]) => columns.map(q).join(', ');

/**
 * The changes that turn `current` (usually introspected) into `target` (usually `tableModels(schema)`).
 * Constraints and indexes match by what they do, so one whose name changed (after a rename) is renamed.
 * Throws when a declared rename does not fit the two schemas.
 */
export function diffSchemas(
  current: readonly TableModel[],
  target: readonly TableModel[],
  renames: Renames = {},
): SchemaChange[] {
  const changes: PhasedChange[] = [];
  const targetNames = new Set(target.map((t) => t.name));
  let tables = [...current];

  for (const [from, to] of Object.entries(renames.tables ?? {})) {
    if (from === to) continue;
    if (!tables.some((t) => t.name === from))
      throw new Error(`rename table ${from}=${to}: the database has no table "${from}"`);
    if (!targetNames.has(to))
      throw new Error(`rename table ${from}=${to}: the definitions have no table "${to}"`);
    if (tables.some((t) => t.name === to))
      throw new Error(`rename table ${from}=${to}: the database already has a table "${to}"`);
    changes.push({
      phase: phase.renameTable,
      table: to,
      description: `${to}: rename table from "${from}"`,
      up: [`alter table ${q(from)} rename to ${q(to)}`],
      down: [`alter table ${q(to)} rename to ${q(from)}`],
    });
    tables = tables.map((t) => ({
      ...(t.name === from ? { ...t, name: to } : t),
      foreignKeys: t.foreignKeys.map((fk) => (fk.references === from ? { ...fk, references: to } : fk)),
    }));
  }

  for (const [key, to] of Object.entries(renames.columns ?? {})) {
    const dot = key.lastIndexOf('.');
    const table = key.slice(0, dot);
    const from = key.slice(dot + 1);
    if (dot <= 0 || !from || !to)
      throw new Error(`rename column ${key}=${to}: write it as table.oldColumn=newColumn`);
    if (from === to) continue;
    const t = tables.find((x) => x.name === table);
    const where = `rename column ${table}.${from}=${to}`;
    if (!t) throw new Error(`${where}: the database has no table "${table}"`);
    if (!t.columns.some((c) => c.name === from))
      throw new Error(`${where}: the database table "${table}" has no column "${from}"`);
    if (t.columns.some((c) => c.name === to))
      throw new Error(`${where}: the database table "${table}" already has a column "${to}"`);
    const targetTable = target.find((x) => x.name === table);
    if (!targetTable?.columns.some((c) => c.name === to))
      throw new Error(`${where}: the definitions have no column "${table}.${to}"`);
    changes.push({
      phase: phase.renameColumn,
      table,
      description: `${table}: rename column "${from}" to "${to}"`,
      up: [`alter table ${q(table)} rename column ${q(from)} to ${q(to)}`],
      down: [`alter table ${q(table)} rename column ${q(to)} to ${q(from)}`],
    });
    tables = tables.map((x) => (x.name === table ? renameColumn(x, from, to) : x));
  }

  const currentByName = new Map(tables.map((t) => [t.name, t]));
  for (const t of target) {
    const c = currentByName.get(t.name);
    if (c) diffTable(c, t, changes);
    else createTable(t, changes);
  }
  for (const c of tables) if (!targetNames.has(c.name)) dropTable(c, changes);

  // a trigger function is created (or replaced) once, before the first change that needs it
  const created = new Set<string>();
  return changes
    .map((c, i) => [c, i] as const)
    .sort(([a, i], [b, j]) => a.phase - b.phase || i - j)
    .map(([{ phase: _, ...change }]) => ({
      ...change,
      up: change.up.filter((statement) => {
        if (!statement.startsWith('create or replace function ')) return true;
        if (created.has(statement)) return false;
        created.add(statement);
        return true;
      }),
    }));
}

function renameColumn(t: TableModel, from: string, to: string): TableModel {
  const r = (n: string) => (n === from ? to : n);
  return {
    ...t,
    columns: t.columns.map((c) => (c.name === from ? { ...c, name: to, field: to } : c)),
    primaryKey: { ...t.primaryKey, columns: t.primaryKey.columns.map(r) },
    uniques: t.uniques.map((u) => ({ ...u, columns: u.columns.map(r) })),
    foreignKeys: t.foreignKeys.map((fk) => ({ ...fk, column: r(fk.column) })),
    checks: t.checks.map((c) => ({
      ...c,
      column: r(c.column),
      expression: c.expression.replaceAll(q(from), q(to)),
    })),
    indexes: t.indexes.map((i) => ({ ...i, columns: i.columns.map(r) })),
  };
}

function createTable(t: TableModel, out: PhasedChange[]): void {
  out.push({
    phase: phase.createTable,
    table: t.name,
    description: `${t.name}: create table`,
    up: [...t.functions.map((f) => f.ddl), ...createTableSql(t)],
    down: [`drop table ${q(t.name)}`],
    destructiveDown: `drop table "${t.name}" (its rows are lost)`,
  });
  for (const fk of t.foreignKeys) addForeignKey(t.name, fk, out, false);
}

function dropTable(t: TableModel, out: PhasedChange[]): void {
  for (const fk of t.foreignKeys) dropForeignKey(t.name, fk, out);
  out.push({
    phase: phase.dropTable,
    table: t.name,
    description: `${t.name}: drop table`,
    up: [`drop table ${q(t.name)}`],
    down: createTableSql(t),
    destructive: `drop table "${t.name}" (its rows are lost)`,
  });
}

const describeForeignKey = (fk: ForeignKeyModel) =>
  `${fk.name} (${fk.column} -> ${fk.references}, on delete ${fk.onDelete})`;

function addForeignKey(table: string, fk: ForeignKeyModel, out: PhasedChange[], existingTable = true): void {
  out.push({
    phase: phase.addForeignKey,
    table,
    description: `${table}: add foreign key ${describeForeignKey(fk)}`,
    up: [addForeignKeySql(table, fk)],
    down: [dropConstraintSql(table, fk.name)],
    ...(existingTable ? { warning: 'fails if a row references a missing row' } : {}),
  });
}

function dropForeignKey(table: string, fk: ForeignKeyModel, out: PhasedChange[]): void {
  out.push({
    phase: phase.dropForeignKey,
    table,
    description: `${table}: drop foreign key ${describeForeignKey(fk)}`,
    up: [dropConstraintSql(table, fk.name)],
    down: [addForeignKeySql(table, fk)],
  });
}

function diffTable(c: TableModel, t: TableModel, out: PhasedChange[]): void {
  const table = t.name;
  const at = `alter table ${q(table)}`;
  const currentColumns = new Map(c.columns.map((x) => [x.name, x]));
  const targetColumns = new Set(t.columns.map((x) => x.name));

  for (const col of t.columns) {
    const old = currentColumns.get(col.name);
    if (!old) {
      const comment =
        col.comment !== undefined
          ? [`comment on column ${q(table)}.${q(col.name)} is ${literal(col.comment)}`]
          : [];
      out.push({
        phase: phase.addColumn,
        table,
        description: `${table}: add column ${columnDdl(col)}`,
        up: [`${at} add column ${columnDdl(col)}`, ...comment],
        down: [`${at} drop column ${q(col.name)}`],
        // a generated column is derived from the others: dropping it loses nothing
        ...(col.generated === undefined
          ? { destructiveDown: `drop column "${table}"."${col.name}" (its data is lost)` }
          : {}),
        ...(!col.nullable && col.default === undefined
          ? {
              warning:
                'NOT NULL without a default: fails if the table has rows (add a default, or backfill here)',
            }
          : {}),
      });
      continue;
    }
    const a = `${at} alter column ${q(col.name)}`;
    if (old.generated !== undefined || col.generated !== undefined) {
      // a generated column holds nothing of its own: a new expression is a drop and an add
      if (generatedShape(old) !== generatedShape(col) || old.type !== col.type) {
        const wasPlain = old.generated === undefined;
        // dropping the column drops its indexes: those the diff keeps are created again
        const kept = t.indexes
          .filter((i) => i.columns.includes(col.name))
          .filter((i) => c.indexes.some((x) => x.name === i.name && indexShape(x) === indexShape(i)))
          .map((i) => createIndexSql(table, i));
        out.push({
          phase: phase.alterColumn,
          table,
          description: `${table}: redefine column ${columnDdl(col)}`,
          up: [`${at} drop column ${q(col.name)}`, `${at} add column ${columnDdl(col)}`, ...kept],
          down: [`${at} drop column ${q(col.name)}`, `${at} add column ${columnDdl(old)}`, ...kept],
          ...(wasPlain ? { destructive: `replace column "${table}"."${col.name}" (its data is lost)` } : {}),
          ...(col.generated === undefined
            ? { destructiveDown: `replace column "${table}"."${col.name}" (its data is lost)` }
            : {}),
        });
      }
      continue;
    }
    if (old.type !== col.type) {
      const narrowing = isNarrowing(old.type, col.type);
      const widening = isNarrowing(col.type, old.type);
      out.push({
        phase: phase.alterColumn,
        table,
        description: `${table}: change type of "${col.name}" from ${old.type} to ${col.type}`,
        up: [`${a} type ${col.type} using ${q(col.name)}::${col.type}`],
        down: [`${a} type ${old.type} using ${q(col.name)}::${old.type}`],
        ...(narrowing
          ? {
              destructive: `narrow "${table}"."${col.name}" from ${old.type} to ${col.type} (values that do not fit fail or are cut)`,
            }
          : {}),
        ...(widening
          ? { destructiveDown: `narrow "${table}"."${col.name}" from ${col.type} back to ${old.type}` }
          : {}),
      });
    }
    if (old.nullable !== col.nullable) {
      const setNull = `${a} drop not null`;
      const setNotNull = `${a} set not null`;
      out.push({
        phase: phase.alterColumn,
        table,
        description: `${table}: make "${col.name}" ${col.nullable ? 'nullable' : 'not null'}`,
        up: [col.nullable ? setNull : setNotNull],
        down: [col.nullable ? setNotNull : setNull],
        ...(col.nullable ? {} : { warning: 'fails if a row holds NULL in this column' }),
      });
    }
    const oldDefault = old.default !== undefined ? normalizeDefault(old.default, old.type) : undefined;
    const newDefault = col.default !== undefined ? normalizeDefault(col.default, col.type) : undefined;
    if (oldDefault !== newDefault) {
      const set = (d: string | undefined) =>
        d === undefined ? `${a} drop default` : `${a} set default ${d}`;
      out.push({
        phase: phase.alterColumn,
        table,
        description: `${table}: ${newDefault === undefined ? `drop the default of "${col.name}"` : `set the default of "${col.name}" to ${newDefault}`}`,
        up: [set(newDefault)],
        down: [set(oldDefault)],
      });
    }
    if (old.comment !== col.comment) {
      out.push({
        phase: phase.comment,
        table,
        description: `${table}: ${col.comment === undefined ? 'remove' : 'set'} the comment of column "${col.name}"`,
        up: [`comment on column ${q(table)}.${q(col.name)} is ${commentValue(col.comment)}`],
        down: [`comment on column ${q(table)}.${q(col.name)} is ${commentValue(old.comment)}`],
      });
    }
  }

  for (const old of c.columns) {
    if (targetColumns.has(old.name)) continue;
    const comment =
      old.comment !== undefined
        ? [`comment on column ${q(table)}.${q(old.name)} is ${literal(old.comment)}`]
        : [];
    out.push({
      phase: phase.dropColumn,
      table,
      description: `${table}: drop column "${old.name}"`,
      up: [`${at} drop column ${q(old.name)}`],
      down: [`${at} add column ${columnDdl(old)}`, ...comment],
      ...(old.generated === undefined
        ? { destructive: `drop column "${table}"."${old.name}" (its data is lost)` }
        : {}),
    });
  }

  const samePk = c.primaryKey.columns.join(',') === t.primaryKey.columns.join(',');
  if (!samePk) {
    if (c.primaryKey.columns.length > 0) {
      out.push({
        phase: phase.dropConstraint,
        table,
        description: `${table}: drop primary key ${c.primaryKey.name} (${c.primaryKey.columns.join(', ')})`,
        up: [dropConstraintSql(table, c.primaryKey.name)],
        down: [
          `${at} add constraint ${q(c.primaryKey.name)} primary key (${columnsSql(c.primaryKey.columns)})`,
        ],
      });
    }
    out.push({
      phase: phase.addConstraint,
      table,
      description: `${table}: add primary key ${t.primaryKey.name} (${t.primaryKey.columns.join(', ')})`,
      up: [`${at} add constraint ${q(t.primaryKey.name)} primary key (${columnsSql(t.primaryKey.columns)})`],
      down: [dropConstraintSql(table, t.primaryKey.name)],
    });
  } else if (c.primaryKey.name !== t.primaryKey.name) {
    renameConstraint(table, c.primaryKey.name, t.primaryKey.name, 'primary key', out);
  }

  const uniques = matchByShape(c.uniques, t.uniques, (u) => u.columns.join(','));
  for (const u of uniques.dropped) {
    out.push({
      phase: phase.dropConstraint,
      table,
      description: `${table}: drop unique ${u.name} (${u.columns.join(', ')})`,
      up: [dropConstraintSql(table, u.name)],
      down: [`${at} add constraint ${q(u.name)} unique (${columnsSql(u.columns)})`],
    });
  }
  for (const [from, to] of uniques.renamed) renameConstraint(table, from.name, to.name, 'unique', out);
  for (const u of uniques.added) {
    out.push({
      phase: phase.addConstraint,
      table,
      description: `${table}: add unique ${u.name} (${u.columns.join(', ')})`,
      up: [`${at} add constraint ${q(u.name)} unique (${columnsSql(u.columns)})`],
      down: [dropConstraintSql(table, u.name)],
      warning: 'fails if rows already repeat these values',
    });
  }

  const checks = matchByShape(c.checks, t.checks, (x) => x.expression.replace(/\s+/g, ' ').trim());
  for (const x of checks.dropped) {
    out.push({
      phase: phase.dropConstraint,
      table,
      description: `${table}: drop check ${x.name} (${x.expression})`,
      up: [dropConstraintSql(table, x.name)],
      down: [`${at} add constraint ${q(x.name)} check (${x.expression})`],
    });
  }
  for (const [from, to] of checks.renamed) renameConstraint(table, from.name, to.name, 'check', out);
  for (const x of checks.added) {
    out.push({
      phase: phase.addConstraint,
      table,
      description: `${table}: add check ${x.name} (${x.expression})`,
      up: [`${at} add constraint ${q(x.name)} check (${x.expression})`],
      down: [dropConstraintSql(table, x.name)],
      warning: 'fails if a row breaks the check',
    });
  }

  const indexes = matchByShape(c.indexes, t.indexes, indexShape);
  for (const i of indexes.dropped) {
    out.push({
      phase: phase.dropConstraint,
      table,
      description: `${table}: drop ${describeIndex(i)}`,
      up: [`drop index ${q(i.name)}`],
      down: [createIndexSql(table, i)],
    });
  }
  for (const [from, to] of indexes.renamed) {
    out.push({
      phase: phase.renameConstraint,
      table,
      description: `${table}: rename index ${from.name} to ${to.name}`,
      up: [`alter index ${q(from.name)} rename to ${q(to.name)}`],
      down: [`alter index ${q(to.name)} rename to ${q(from.name)}`],
    });
  }
  for (const i of indexes.added) {
    out.push({
      phase: phase.addConstraint,
      table,
      description: `${table}: add ${describeIndex(i)}`,
      up: [createIndexSql(table, i)],
      down: [`drop index ${q(i.name)}`],
      ...(i.unique ? { warning: 'fails if rows already repeat these values' } : {}),
    });
  }

  const triggers = matchByShape(c.triggers, t.triggers, triggerShape);
  for (const x of triggers.dropped) {
    out.push({
      phase: phase.trigger,
      table,
      description: `${table}: drop trigger ${x.name} (${describeTrigger(x)})`,
      up: [dropTriggerSql(table, x)],
      down: [createTriggerSql(table, x)],
    });
  }
  for (const [from, to] of triggers.renamed) {
    out.push({
      phase: phase.trigger,
      table,
      description: `${table}: rename trigger ${from.name} to ${to.name}`,
      up: [`alter trigger ${q(from.name)} on ${q(table)} rename to ${q(to.name)}`],
      down: [`alter trigger ${q(to.name)} on ${q(table)} rename to ${q(from.name)}`],
    });
  }
  for (const x of triggers.added) {
    const fn = t.functions.filter((f) => f.name === x.function).map((f) => f.ddl);
    out.push({
      phase: phase.trigger,
      table,
      description: `${table}: add trigger ${x.name} (${describeTrigger(x)})`,
      up: [...fn, dropTriggerSql(table, x), createTriggerSql(table, x)],
      down: [dropTriggerSql(table, x)],
    });
  }

  const fks = matchByShape(
    c.foreignKeys,
    t.foreignKeys,
    (fk) => `${fk.column}>${fk.references}>${fk.onDelete}`,
  );
  for (const fk of fks.dropped) dropForeignKey(table, fk, out);
  for (const [from, to] of fks.renamed) renameConstraint(table, from.name, to.name, 'foreign key', out);
  for (const fk of fks.added) addForeignKey(table, fk, out);

  if (c.comment !== t.comment) {
    out.push({
      phase: phase.comment,
      table,
      description: `${table}: ${t.comment === undefined ? 'remove' : 'set'} the table comment`,
      up: [`comment on table ${q(table)} is ${commentValue(t.comment)}`],
      down: [`comment on table ${q(table)} is ${commentValue(c.comment)}`],
    });
  }
}

const indexShape = (i: IndexModel) =>
  `${i.unique ? 'unique:' : ''}${i.method && i.method !== 'btree' ? `${i.method}:` : ''}${i.columns.join(',')}${i.where ? ` where ${i.where}` : ''}`;
const describeIndex = (i: IndexModel) =>
  `${i.unique ? 'unique index' : 'index'} ${i.name}${i.method ? ` using ${i.method}` : ''} (${i.columns.join(', ')})${i.where ? ` where ${i.where}` : ''}`;
const describeTrigger = (t: TriggerModel) => `after ${t.events}: ${t.function}(${t.args[0] ?? ''})`;

function renameConstraint(table: string, from: string, to: string, kind: string, out: PhasedChange[]): void {
  out.push({
    phase: phase.renameConstraint,
    table,
    description: `${table}: rename ${kind} ${from} to ${to}`,
    up: [`alter table ${q(table)} rename constraint ${q(from)} to ${q(to)}`],
    down: [`alter table ${q(table)} rename constraint ${q(to)} to ${q(from)}`],
  });
}

interface Matched<T> {
  readonly dropped: T[];
  readonly added: T[];
  readonly renamed: [T, T][];
}

/** Pairs constraints by name and shape, then by shape alone (renamed); the rest are dropped or added. */
function matchByShape<T extends { readonly name: string }>(
  current: readonly T[],
  target: readonly T[],
  shape: (x: T) => string,
): Matched<T> {
  const left = [...current];
  const unmatched: T[] = [];
  for (const t of target) {
    const i = left.findIndex((c) => c.name === t.name && shape(c) === shape(t));
    if (i >= 0) left.splice(i, 1);
    else unmatched.push(t);
  }
  const renamed: [T, T][] = [];
  const added: T[] = [];
  for (const t of unmatched) {
    const i = left.findIndex((c) => shape(c) === shape(t) && !target.some((x) => x.name === c.name));
    if (i >= 0) renamed.push([left.splice(i, 1)[0]!, t]);
    else added.push(t);
  }
  return { dropped: left, added, renamed };
}

const integerWidth: Record<string, number> = { smallint: 5, integer: 10, bigint: 19 };

function numericShape(type: string): { digits: number; scale: number } | undefined {
  if (type === 'numeric') return { digits: Number.POSITIVE_INFINITY, scale: Number.POSITIVE_INFINITY };
  const m = /^numeric\((\d+)(?:,(\d+))?\)$/.exec(type);
  if (!m) return undefined;
  const precision = Number(m[1]);
  const scale = Number(m[2] ?? 0);
  return { digits: precision - scale, scale };
}

/**
 * True when changing a column from `from` to `to` can fail or lose values: varchar(200) -> varchar(50),
 * text -> varchar(n), bigint -> integer, fewer numeric digits, and any conversion not known to be safe.
 */
export function isNarrowing(from: string, to: string): boolean {
  if (from === to) return false;
  const lengthOf = (t: string) => {
    if (t === 'text' || t === 'varchar') return Number.POSITIVE_INFINITY;
    const m = /^varchar\((\d+)\)$/.exec(t);
    return m ? Number(m[1]) : undefined;
  };
  const lf = lengthOf(from);
  const lt = lengthOf(to);
  if (lf !== undefined && lt !== undefined) return lt < lf;
  const wf = integerWidth[from];
  if (wf !== undefined) {
    const wt = integerWidth[to];
    if (wt !== undefined) return wt < wf;
    if (to === 'double precision') return wf > 15;
    const n = numericShape(to);
    if (n) return n.digits < wf;
    return true;
  }
  const nf = numericShape(from);
  const nt = numericShape(to);
  if (nf && nt) return nt.digits < nf.digits || nt.scale < nf.scale;
  if (from === 'real' && to === 'double precision') return false;
  return true;
}
