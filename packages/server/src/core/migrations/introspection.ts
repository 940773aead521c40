import type { OnDelete } from '@typecrud/shared';
import { sql } from 'kysely';
import type {
  CheckModel,
  ColumnModel,
  ForeignKeyModel,
  IndexModel,
  TableModel,
  UniqueModel,
} from '../table-model.js';
import { quoteIdent } from '../table-model.js';
import type { Executor } from '../transaction.js';
import type { TriggerModel } from '../triggers.js';

/** The tables Kysely's Migrator keeps its history and lock in; never part of a diff. */
export const migrationTables = ['kysely_migration', 'kysely_migration_lock'] as const;

/** The change-event outbox's tables: managed by `diffOutbox`, not by the table diff. */
const outboxTables = ['typecrud_outbox', 'typecrud_outbox_horizon'];

interface TableRow {
  table: string;
  comment: string | null;
}

interface ColumnRow {
  table: string;
  attnum: number;
  name: string;
  type: string;
  not_null: boolean;
  default: string | null;
  comment: string | null;
  generated: string;
}

interface ConstraintRow {
  table: string;
  name: string;
  type: 'p' | 'u' | 'f' | 'c';
  columns: string;
  references: string | null;
  on_delete: string | null;
  definition: string;
}

interface IndexRow {
  table: string;
  name: string;
  columns: string;
  unique: boolean;
  predicate: string | null;
  method: string;
}

interface TriggerRow {
  table: string;
  name: string;
  type: number;
  function: string;
  args: string;
  nargs: number;
  old_table: string | null;
  new_table: string | null;
}

/** pg_trigger.tgtype bits: which events fire the trigger. */
function triggerEvents(type: number): string {
  const events = [
    [4, 'insert'],
    [16, 'update'],
    [8, 'delete'],
    [32, 'truncate'],
  ] as const;
  return events
    .filter(([bit]) => (type & bit) !== 0)
    .map(([, e]) => e)
    .join(' or ');
}

const onDeleteCodes: Record<string, OnDelete> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  // 'set default' has no field option; it shows as itself so that a diff reports it.
  d: 'set default' as OnDelete,
};

/**
 * Reads the tables of the current schema (pg_catalog) into the shape `tableModels(schema)` gives,
 * so the definitions and the live database compare directly. Types, defaults and checks are
 * normalized to the forms the definitions produce (`varchar(64)`, `'member'`, `"role" in ('a', 'b')`).
 */
export async function introspectSchema(
  db: Executor,
  exclude: readonly string[] = [...migrationTables, ...outboxTables],
): Promise<TableModel[]> {
  const scope = sql`c.relnamespace = (select oid from pg_namespace where nspname = current_schema()) and c.relkind in ('r', 'p')`;
  const [tables, columns, constraints, indexes, triggers] = await Promise.all([
    sql<TableRow>`
      select c.relname as "table", obj_description(c.oid, 'pg_class') as comment
      from pg_class c where ${scope} order by c.relname`.execute(db),
    sql<ColumnRow>`
      select c.relname as "table", a.attnum, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
        a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as default, col_description(c.oid, a.attnum) as comment,
        a.attgenerated::text as generated
      from pg_class c
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where ${scope} order by c.relname, a.attnum`.execute(db),
    sql<ConstraintRow>`
      select c.relname as "table", k.conname as name, k.contype::text as type, k.conkey::text as columns,
        f.relname as "references", k.confdeltype::text as on_delete, pg_get_constraintdef(k.oid) as definition
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid
      left join pg_class f on f.oid = k.confrelid
      where ${scope} and k.contype in ('p', 'u', 'f', 'c') order by c.relname, k.conname`.execute(db),
    sql<IndexRow>`
      select c.relname as "table", i.relname as name, x.indkey::text as columns, x.indisunique as "unique",
        pg_get_expr(x.indpred, x.indrelid) as predicate, am.amname::text as method
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_am am on am.oid = i.relam
      join pg_class c on c.oid = x.indrelid
      where ${scope}
        and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid and k.contype in ('p', 'u', 'x'))
      order by c.relname, i.relname`.execute(db),
    sql<TriggerRow>`
      select c.relname as "table", t.tgname as name, t.tgtype::int as type, p.proname as function,
        encode(t.tgargs, 'escape') as args, t.tgnargs::int as nargs, t.tgoldtable as old_table, t.tgnewtable as new_table
      from pg_trigger t
      join pg_class c on c.oid = t.tgrelid
      join pg_proc p on p.oid = t.tgfoid
      -- the change-event trigger is the outbox's own (compared by live/outbox.ts)
      where ${scope} and not t.tgisinternal and t.tgname <> 'typecrud_outbox'
      order by c.relname, t.tgname`.execute(db),
  ]);

  const out: TableModel[] = [];
  for (const t of tables.rows) {
    if (exclude.includes(t.table)) continue;
    const cols = columns.rows.filter((c) => c.table === t.table);
    const nameOf = new Map(cols.map((c) => [Number(c.attnum), c.name]));
    const names = (list: string) =>
      list
        .replace(/[{}]/g, '')
        .split(/[ ,]/)
        .filter(Boolean)
        .map((n) => nameOf.get(Number(n)) ?? `(expression ${n})`);
    const cons = constraints.rows.filter((c) => c.table === t.table);
    const pk = cons.find((c) => c.type === 'p');
    const uniques: UniqueModel[] = cons
      .filter((c) => c.type === 'u')
      .map((c) => ({ name: c.name, columns: names(c.columns), fields: names(c.columns) }));
    const foreignKeys: ForeignKeyModel[] = cons
      .filter((c) => c.type === 'f')
      .map((c) => {
        const column = names(c.columns).join(', ');
        return {
          name: c.name,
          column,
          field: column,
          references: c.references ?? '',
          onDelete: onDeleteCodes[c.on_delete ?? 'a'] ?? 'no action',
        };
      });
    const checks: CheckModel[] = cons
      .filter((c) => c.type === 'c')
      .map((c) => ({
        name: c.name,
        column: names(c.columns)[0] ?? '',
        expression: normalizeCheck(c.definition),
      }));
    const idx: IndexModel[] = indexes.rows
      .filter((i) => i.table === t.table)
      .map((i) => ({
        name: i.name,
        columns: names(i.columns),
        ...(i.unique ? { unique: true } : {}),
        ...(i.predicate !== null ? { where: i.predicate } : {}),
        ...(i.method !== 'btree' ? { method: i.method } : {}),
      }));
    const trg: TriggerModel[] = triggers.rows
      .filter((x) => x.table === t.table)
      .map((x) => ({
        name: x.name,
        events: triggerEvents(Number(x.type)),
        function: x.function,
        // bytea 'escape' writes each argument's terminating NUL as \000 (and a backslash as \\)
        args:
          Number(x.nargs) === 0
            ? []
            : x.args
                .split('\\000')
                .slice(0, Number(x.nargs))
                .map((a) => a.replaceAll('\\\\', '\\')),
        ...(x.old_table ? { oldTable: x.old_table } : {}),
        ...(x.new_table ? { newTable: x.new_table } : {}),
      }));
    out.push({
      name: t.table,
      entity: t.table,
      columns: cols.map((c): ColumnModel => {
        const type = normalizeType(c.type);
        // a stored generated column keeps its expression where a default would be
        const generated = c.generated === 's';
        return {
          name: c.name,
          field: c.name,
          type,
          nullable: !c.not_null,
          ...(c.default !== null && !generated ? { default: normalizeDefault(c.default, type) } : {}),
          ...(c.default !== null && generated ? { generated: c.default } : {}),
          ...(c.comment !== null ? { comment: c.comment } : {}),
        };
      }),
      primaryKey: pk ? { name: pk.name, columns: names(pk.columns) } : { name: '', columns: [] },
      uniques,
      foreignKeys,
      checks,
      indexes: idx,
      triggers: trg,
      functions: [],
      ...(t.comment !== null ? { comment: t.comment } : {}),
    });
  }
  return out;
}

/** `character varying(64)` -> `varchar(64)`, `timestamp with time zone` -> `timestamptz`; others as PostgreSQL names them. */
export function normalizeType(type: string): string {
  return type
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^character varying/, 'varchar')
    .replace(/^character\b/, 'char')
    .replace(/^timestamp(\(\d+\))? with time zone$/, 'timestamptz$1')
    .replace(/^timestamp(\(\d+\))? without time zone$/, 'timestamp$1')
    .replace(/^time(\(\d+\))? with time zone$/, 'timetz$1')
    .replace(/^time(\(\d+\))? without time zone$/, 'time$1')
    .replace(/^int4$/, 'integer')
    .replace(/^int8$/, 'bigint')
    .replace(/^float8$/, 'double precision')
    .replace(/^bool$/, 'boolean')
    .replace(/^numeric\((\d+),\s*(\d+)\)$/, 'numeric($1,$2)');
}

const numericTypes = /^(integer|bigint|smallint|double precision|real|numeric)/;

/**
 * A default as the definitions write it: `'member'::text` -> `'member'`, `'-3'::integer` -> `-3`
 * on a number column; function calls and bare literals unchanged.
 */
export function normalizeDefault(expression: string, type: string): string {
  let e = expression.trim();
  while (/^\(.*\)$/.test(e) && balanced(e.slice(1, -1))) e = e.slice(1, -1).trim();
  const literal = /^'((?:[^']|'')*)'(?:::[a-z ]+(?:\([\d, ]+\))?(?:\[\])?)+$/i.exec(e);
  if (!literal) return e;
  const value = literal[1]!;
  if (numericTypes.test(type) && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return value;
  if (type === 'boolean' && /^(true|false)$/.test(value)) return value;
  return `'${value}'`;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

const identifier = /^(?:"((?:[^"]|"")+)"|([a-z_][a-z0-9_$]*))$/;

/**
 * A check as the definitions write it. PostgreSQL shows `"role" in ('a', 'b')` as
 * `CHECK ((role = ANY (ARRAY['a'::text, 'b'::text])))`; both become `"role" in ('a', 'b')`.
 * Other expressions keep PostgreSQL's text without the `CHECK (...)` wrapper.
 */
export function normalizeCheck(definition: string): string {
  let e = definition.trim().replace(/\s+NOT VALID$/i, '');
  const wrapped = /^CHECK\s*\((.*)\)$/is.exec(e);
  if (wrapped) e = wrapped[1]!.trim();
  while (/^\(.*\)$/s.test(e) && balanced(e.slice(1, -1))) e = e.slice(1, -1).trim();
  const any = /^\(?(.+?)\)?(?:::text)? = ANY \(\(?ARRAY\[(.*)\]\)?(?:::text\[\])?\)$/s.exec(e);
  if (any) {
    const column = parseIdentifier(any[1]!);
    const values = [...any[2]!.matchAll(/'((?:[^']|'')*)'(?:::[a-z ]+(?:\(\d+\))?)?/gi)].map(
      (m) => `'${m[1]}'`,
    );
    if (column !== undefined && values.length > 0) return `${quoteIdent(column)} in (${values.join(', ')})`;
  }
  const inList = /^(.+?) in \((.*)\)$/is.exec(e);
  if (inList) {
    const column = parseIdentifier(inList[1]!.trim());
    const values = [...inList[2]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => `'${m[1]}'`);
    if (column !== undefined && values.length > 0) return `${quoteIdent(column)} in (${values.join(', ')})`;
  }
  return e;
}

function parseIdentifier(text: string): string | undefined {
  const m = identifier.exec(text.trim());
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2];
}
