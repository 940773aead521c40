import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnySchema, EntityMap } from '@typecrud/shared';
import { openDatabase } from '../database.js';
import { diffOutbox } from '../live/outbox.js';
import { columnName, tableModels } from '../table-model.js';
import type { Executor } from '../transaction.js';
import { diffSchemas, type Renames, type SchemaChange } from './diff.js';
import { introspectSchema } from './introspection.js';
import { loadMigrations, MigrationError, migrateUp, migrationStatus } from './runner.js';

export interface GenerateOptions {
  /** The schema to compare with: at the latest migration of `dir` (pending migrations are refused). */
  readonly db: Executor;
  readonly schema: AnySchema;
  /** The migrations folder the new file goes to. */
  readonly dir: string;
  /** Short name, e.g. `add-membership`; the file is `<utc timestamp>_<name>.ts`. */
  readonly name: string;
  /** Tables and columns by entity/field or table/column name: `{ columns: { 'project.title': 'name' } }`. */
  readonly renames?: Renames;
  /** Write a migration even when nothing differs (for a hand-written data change). */
  readonly allowEmpty?: boolean;
  readonly now?: Date;
}

export interface GeneratedMigration {
  /** The file written, or null when the definitions already match and `allowEmpty` is off. */
  readonly path: string | null;
  readonly name: string | null;
  readonly changes: readonly SchemaChange[];
}

/**
 * Compares the definitions with the live schema and writes a migration for the difference: `up()`
 * makes it, `down()` undoes it, and steps that can lose data are listed in `destructive` /
 * `destructiveDown` so that the runner refuses them without an explicit flag.
 */
export async function generateMigration(options: GenerateOptions): Promise<GeneratedMigration> {
  const slug = options.name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug)
    throw new MigrationError('INVALID', `migration name '${options.name}' has no letters or digits`, null);
  const status = await migrationStatus(options.db, options.dir);
  const pending = status.filter((m) => !m.executedAt);
  if (pending.length > 0) {
    throw new MigrationError(
      'PENDING',
      `the database is behind the migrations folder (${pending.map((m) => m.name).join(', ')} not applied); apply them first so that the new migration holds only what is new`,
      status.filter((m) => m.executedAt).at(-1)?.name ?? null,
    );
  }
  const changes = [
    ...diffSchemas(
      await introspectSchema(options.db),
      tableModels(options.schema),
      resolveRenames(options.schema, options.renames),
    ),
    ...(await diffOutbox(options.db, options.schema)),
  ];
  if (changes.length === 0 && !options.allowEmpty) return { path: null, name: null, changes };
  const existing = (await loadMigrations(options.dir)).map((m) => m.name);
  const name = `${nextStamp(options.now ?? new Date(), existing)}_${slug}`;
  await mkdir(options.dir, { recursive: true });
  const path = join(options.dir, `${name}.ts`);
  await writeFile(path, renderMigration(name, changes), { flag: 'wx' });
  return { path, name, changes };
}

/** `YYYYMMDDHHMMSS` in UTC, moved past the last existing migration so that names sort in creation order. */
function nextStamp(now: Date, existing: readonly string[]): string {
  const last = existing
    .map((n) => /^(\d{14})_/.exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort()
    .at(-1);
  let t = now.getTime();
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  while (last !== undefined && stamp(t) <= last) t += 1000;
  return stamp(t);
}

/** Entity and field names in renames become table and column names; table and column names stay. */
function resolveRenames(schema: AnySchema, renames: Renames | undefined): Renames {
  const table = (name: string) => {
    const entity = (schema.entities as EntityMap)[name];
    return entity ? entity.table : name;
  };
  const tables: Record<string, string> = {};
  for (const [from, to] of Object.entries(renames?.tables ?? {})) tables[from] = table(to);
  const columns: Record<string, string> = {};
  for (const [key, to] of Object.entries(renames?.columns ?? {})) {
    const dot = key.lastIndexOf('.');
    if (dot <= 0)
      throw new MigrationError(
        'INVALID',
        `rename column '${key}=${to}': write it as table.oldColumn=newColumn`,
        null,
      );
    columns[`${table(key.slice(0, dot))}.${columnName(key.slice(dot + 1))}`] = columnName(to);
  }
  return { tables, columns };
}

const templateText = (s: string) =>
  s.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');
const stringLiteral = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** Biome's line width (biome.json): the generated file must be what `biome format` would write. */
const lineWidth = 110;

/**
 * One `await sql\`...\`.execute(db);`. A statement that would not fit on the first line starts on
 * its own line inside the template (SQL ignores the whitespace), so the formatter, which keeps
 * template text as it is, has nothing to break.
 */
function renderStatement(statement: string): string {
  const text = templateText(statement);
  const firstLine = text.split('\n', 1)[0]!;
  const opening = `  await sql\``;
  const closing = `\`.execute(db);`;
  const fits = text.includes('\n')
    ? opening.length + firstLine.length <= lineWidth
    : opening.length + text.length + closing.length <= lineWidth;
  if (fits) return `${opening}${text.replaceAll('\n', '\n  ')}${closing}`;
  return `${opening}\n    ${text.replaceAll('\n', '\n    ')}\n  ${closing}`;
}

function renderSteps(changes: readonly SchemaChange[], direction: 'up' | 'down'): string {
  const ordered = direction === 'up' ? changes : [...changes].reverse();
  const lines: string[] = [];
  for (const c of ordered) {
    const statements = direction === 'up' ? c.up : c.down;
    if (statements.length === 0) continue;
    lines.push(`  // ${direction === 'up' ? c.description : `undo: ${c.description}`}`);
    const flag = direction === 'up' ? c.destructive : c.destructiveDown;
    if (flag) lines.push(`  // DESTRUCTIVE: ${flag}`);
    if (direction === 'up' && c.warning) lines.push(`  // Note: ${c.warning}`);
    for (const s of statements) lines.push(renderStatement(s));
  }
  return lines.join('\n');
}

function renderList(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((i) => `  ${stringLiteral(i)},`).join('\n')}\n]`;
}

/** The source of a migration module: Kysely's `up` / `down` plus the destructive step lists the runner reads. */
export function renderMigration(name: string, changes: readonly SchemaChange[]): string {
  const destructive = changes.flatMap((c) => (c.destructive ? [c.destructive] : []));
  const destructiveDown = changes.flatMap((c) => (c.destructiveDown ? [c.destructiveDown] : [])).reverse();
  const upBody = renderSteps(changes, 'up');
  const downBody = renderSteps(changes, 'down');
  return `// Migration ${name}: generated by \`migrate generate\` from the entity definitions.
// Review it before committing. It is plain SQL and may be edited; keep down() the inverse of up()
// and keep the destructive lists true: \`migrate up\` / \`migrate down\` refuse the steps they name
// unless run with --allow-destructive.
import { type Kysely, sql } from 'kysely';

/** Steps of up() that can lose data. */
export const destructive: string[] = ${renderList(destructive)};

/** Steps of down() that can lose data. */
export const destructiveDown: string[] = ${renderList(destructiveDown)};

export async function up(${upBody ? 'db' : '_db'}: Kysely<unknown>): Promise<void> {
${upBody || '  // Nothing differed when this was generated: write the change by hand.'}
}

export async function down(${downBody ? 'db' : '_db'}: Kysely<unknown>): Promise<void> {
${downBody || '  // Undo the hand-written change of up() here.'}
}
`;
}

/**
 * Runs `fn` on an in-memory PGlite holding exactly the schema the migrations of `dir` produce: what
 * `generate` compares with when no database is given, independent of any local data.
 */
export async function withMigratedScratch<T>(dir: string, fn: (db: Executor) => Promise<T>): Promise<T> {
  const scratch = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrateUp(scratch.db, { dir, allowDestructive: true });
    return await fn(scratch.db);
  } finally {
    await scratch.close();
  }
}
