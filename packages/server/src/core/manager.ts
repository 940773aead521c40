import type {
  Action,
  AnyEntity,
  CountQuery,
  CreateInput,
  EntityMap,
  GetQuery,
  IdInput,
  Include,
  ListQuery,
  Page,
  Principal,
  ResolvedRelation,
  Result,
  Row,
  Schema,
  UpdateInput,
  UpdateManyInput,
  Where,
} from '@typecrud/shared';
import { sql } from 'kysely';
import { badRequest, CrudError, notFound } from './errors.js';
import { Compiler, decodeRow, joinColumns, keysetAfter, orderSql } from './query/compile.js';
import { type CursorCodec, queryFingerprint } from './query/cursor.js';
import { and, type EntityMeta, metaOf, param, ref, type Sql, selectColumns } from './query/entity-meta.js';
import { type Executor, inTransaction } from './transaction.js';

/** Who is calling: the principal whose id lands in createdBy / updatedBy and whom policies judge. */
export type Caller = Principal;

/**
 * A policy: extra SQL conditions on the row at `alias` for a caller and action. `null` allows
 * every row; the condition is added to the same statement, so no code path can skip it.
 */
export type PolicyFn = (entity: AnyEntity, action: Action, caller: Caller | null, alias: string) => Sql | null;

/** What a manager call runs against: the database (or the request's transaction) and the caller. */
export interface ManagerContext {
  readonly db: Executor;
  readonly caller: Caller | null;
}

export interface Manager<S extends EntityMap, E extends AnyEntity> {
  readonly entity: E;
  /** Inserts one row (and its nested connects / one-to-one child) in one transaction. */
  create(ctx: ManagerContext, input: CreateInput<S, E>): Promise<Row<E>>;
  /** Inserts every row in one statement, or none of them. */
  createMany(ctx: ManagerContext, input: CreateInput<S, E>[]): Promise<{ count: number; ids: string[] }>;
  /** One row with its includes, in one SQL statement; NOT_FOUND when missing, archived or outside the caller's policy. */
  get<I extends Include<S, E> = Record<never, never>>(ctx: ManagerContext, query: GetQuery<S, E> & { include?: I }): Promise<Result<S, E, I>>;
  /** A page of rows with their includes, in one SQL statement. */
  list<I extends Include<S, E> = Record<never, never>>(ctx: ManagerContext, query: ListQuery<S, E> & { include?: I }): Promise<Page<Result<S, E, I>>>;
  count(ctx: ManagerContext, query: CountQuery<S, E>): Promise<number>;
  /** A partial update that bumps `version`; with `expectedVersion`, a stale row is CONFLICT and nothing changes. */
  update(ctx: ManagerContext, input: UpdateInput<E>): Promise<Row<E>>;
  updateMany(ctx: ManagerContext, input: UpdateManyInput<S, E>): Promise<{ count: number }>;
  delete(ctx: ManagerContext, input: IdInput): Promise<{ id: string }>;
  deleteMany(ctx: ManagerContext, input: { where: Where<S, E> }): Promise<{ count: number }>;
  archive(ctx: ManagerContext, input: IdInput): Promise<Row<E>>;
  restore(ctx: ManagerContext, input: IdInput): Promise<Row<E>>;
  connect(ctx: ManagerContext, input: { id: string; relation: string; ids: string[] }): Promise<{ count: number }>;
  disconnect(ctx: ManagerContext, input: { id: string; relation: string; ids: string[] }): Promise<{ count: number }>;
}

export interface ManagerOptions {
  cursors: CursorCodec;
  policy?: PolicyFn | undefined;
}

type Data = Record<string, unknown>;
type Rows = Record<string, unknown>[];

/** PostgreSQL takes at most 65535 parameters in a statement; createMany splits below that. */
const maxParameters = 60_000;

/** A generic manager for one entity of a schema: every read is one statement, every write one transaction. */
export function createManager<S extends EntityMap, E extends AnyEntity>(schema: Schema<S>, entity: E, options: ManagerOptions): Manager<S, E> {
  const s = schema as unknown as Schema<EntityMap>;
  const meta = metaOf(entity);
  const table = sql.table(meta.table);
  const t0 = 't0';
  const returning = sql.join(selectColumns(meta, t0));
  const relations = new Map(s.relations(entity.name).map((r) => [r.name, r]));
  const writable = meta.columns.filter((c) => !c.config.system);
  const policy = options.policy;

  const compiler = (caller: Caller | null) =>
    new Compiler(s, policy ? (e, alias) => policy(e, 'read', caller, alias) : () => null);
  const allowed = (action: Action, caller: Caller | null): Sql[] => {
    const p = policy?.(entity, action, caller, t0);
    return p ? [p] : [];
  };
  const decode = (row: Data) => {
    meta.decode(row);
    return row as Row<E>;
  };

  /** A field value as a SQL parameter of its column's type. */
  const value = (field: string, v: unknown): Sql => {
    if (v === null || v === undefined) return sql`null`;
    const c = meta.byField.get(field)!;
    if (c.config.kind === 'json') return sql`${JSON.stringify(v)}::jsonb`;
    return param(v);
  };

  const auditColumns = (caller: Caller | null, onCreate: boolean): [string, Sql][] => {
    if (!meta.audited) return [];
    const who = param(caller?.userId ?? null);
    return onCreate ? [['created_by', who], ['updated_by', who]] : [['updated_by', who]];
  };

  async function insertRows(db: Executor, caller: Caller | null, rows: Data[]): Promise<Rows> {
    const fields = writable.filter((c) => rows.some((r) => r[c.field] !== undefined));
    const audit = auditColumns(caller, true);
    const columns = sql.join([...fields.map((c) => sql.id(c.column)), ...audit.map(([col]) => sql.id(col))]);
    const perRow = fields.length + audit.length || 1;
    const chunk = Math.max(1, Math.floor(maxParameters / perRow));
    const out: Rows = [];
    for (let i = 0; i < rows.length; i += chunk) {
      const values = rows.slice(i, i + chunk).map(
        (r) =>
          sql`(${sql.join([
            ...fields.map((c) => (r[c.field] === undefined ? sql`default` : value(c.field, r[c.field]))),
            ...audit.map(([, v]) => v),
          ])})`,
      );
      const check = allowed('create', caller);
      const returned = check.length ? sql`*` : returning;
      const insert = fields.length + audit.length
        ? sql`insert into ${table} as ${sql.id(t0)} (${columns}) values ${sql.join(values)} returning ${returned}`
        : sql`insert into ${table} as ${sql.id(t0)} default values returning ${returned}`;
      // A created row must satisfy the create policy; checked on the inserted rows in the same statement.
      const statement = check.length
        ? sql`with ${sql.id(t0)} as (${insert}) select ${returning}, ${and(check)} as "__allowed" from ${sql.id(t0)}`
        : insert;
      const { rows: inserted } = await statement.execute(db);
      for (const row of inserted as Rows) {
        if (check.length) {
          if (!row.__allowed) throw new CrudError('FORBIDDEN', `you may not create this ${entity.name}`);
          delete row.__allowed;
        }
        out.push(row);
      }
    }
    return out;
  }

  /** Splits a create/update payload into column values and nested relation writes. */
  function split(data: Data): { fields: Data; nested: [ResolvedRelation, Data][] } {
    const fields: Data = {};
    const nested: [ResolvedRelation, Data][] = [];
    for (const [k, v] of Object.entries(data)) {
      const rel = relations.get(k);
      if (rel) {
        if (v !== undefined) nested.push([rel, v as Data]);
      } else fields[k] = v;
    }
    return { fields, nested };
  }

  /** Links `ids` of the relation's target to row `id`; every id must exist and be visible to the caller. */
  async function connectIds(db: Executor, caller: Caller | null, rel: ResolvedRelation, id: string, ids: string[], path: string[]) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return 0;
    const { sourceColumn, targetColumn } = joinColumns(rel);
    const c = compiler(caller);
    const a = c.alias();
    const visible = and([sql`${ref(a, 'id')} in (${sql.join(unique.map(param))})`, ...c.visible(rel.target, a)]);
    const { rows } = await sql<{ found: number; added: number }>`
      with found as (select ${ref(a, 'id')} as id from ${sql.table(rel.target.table)} as ${sql.id(a)} where ${visible}),
      added as (
        insert into ${sql.table(rel.join!.table)} (${sql.id(sourceColumn)}, ${sql.id(targetColumn)})
        select ${param(id)}::uuid, found.id from found
        on conflict do nothing returning 1
      )
      select (select count(*)::int from found) as found, (select count(*)::int from added) as added`.execute(db);
    const found = rows[0]?.found ?? 0;
    if (found < unique.length) {
      const message = `${unique.length - found} of the ids do not exist`;
      throw badRequest(`${rel.name}: ${message}`, [{ path, message }]);
    }
    return rows[0]?.added ?? 0;
  }

  async function disconnectIds(db: Executor, rel: ResolvedRelation, id: string, ids: string[]) {
    if (ids.length === 0) return 0;
    const { sourceColumn, targetColumn } = joinColumns(rel);
    const r = await sql`delete from ${sql.table(rel.join!.table)} where ${sql.id(sourceColumn)} = ${param(id)} and ${sql.id(targetColumn)} in (${sql.join(ids.map(param))})`.execute(db);
    return Number(r.numAffectedRows ?? 0n);
  }

  async function setIds(db: Executor, caller: Caller | null, rel: ResolvedRelation, id: string, ids: string[], path: string[]) {
    const { sourceColumn, targetColumn } = joinColumns(rel);
    const keep = ids.length ? sql` and ${sql.id(targetColumn)} not in (${sql.join(ids.map(param))})` : sql``;
    await sql`delete from ${sql.table(rel.join!.table)} where ${sql.id(sourceColumn)} = ${param(id)}${keep}`.execute(db);
    return connectIds(db, caller, rel, id, ids, path);
  }

  async function writeNested(db: Executor, caller: Caller | null, id: string, nested: [ResolvedRelation, Data][], path: string[]) {
    for (const [rel, w] of nested) {
      const at = [...path, rel.name];
      if (rel.kind === 'manyToMany') {
        if (w.set) await setIds(db, caller, rel, id, w.set as string[], [...at, 'set']);
        if (w.disconnect) await disconnectIds(db, rel, id, w.disconnect as string[]);
        if (w.connect) await connectIds(db, caller, rel, id, w.connect as string[], [...at, 'connect']);
      } else if (rel.kind === 'hasOne' && w.create) {
        const child = managerFor(rel.target);
        await child.create({ db, caller }, { ...(w.create as Data), [rel.field!]: id } as never);
      }
    }
  }

  const managerFor = (target: AnyEntity): Manager<EntityMap, AnyEntity> => createManager(s, target, options);

  async function updateStatement(db: Executor, caller: Caller | null, id: string, set: Sql[], conds: Sql[]): Promise<Data | undefined> {
    const { rows } = await sql`update ${table} as ${sql.id(t0)} set ${sql.join(set)}
      where ${and([sql`${ref(t0, 'id')} = ${param(id)}`, ...conds, ...allowed('update', caller)])}
      returning ${returning}`.execute(db);
    return rows[0] as Data | undefined;
  }

  function systemSets(caller: Caller | null): Sql[] {
    const out: Sql[] = [];
    if (meta.versioned) out.push(sql`"version" = ${ref(t0, 'version')} + 1`);
    if (meta.timestamped) out.push(sql`"updated_at" = now()`);
    for (const [col, v] of auditColumns(caller, false)) out.push(sql`${sql.id(col)} = ${v}`);
    return out;
  }

  /** Why an update or delete of `id` touched nothing: missing/hidden (NOT_FOUND) or stale (CONFLICT). */
  async function explainMiss(db: Executor, caller: Caller | null, id: string, expectedVersion?: number): Promise<never> {
    if (expectedVersion !== undefined && meta.versioned) {
      const c = compiler(caller);
      const { rows } = await sql<{ version: number }>`select ${ref(t0, 'version')} as version from ${table} as ${sql.id(t0)}
        where ${and([sql`${ref(t0, 'id')} = ${param(id)}`, ...c.visible(entity, t0, true)])}`.execute(db);
      const current = rows[0]?.version;
      if (current !== undefined && current !== expectedVersion) {
        throw new CrudError('CONFLICT', `${entity.name} ${id} was changed by someone else (version ${current}, expected ${expectedVersion})`, {
          fields: ['version'],
          currentVersion: current,
        });
      }
    }
    throw notFound(entity.name, id);
  }

  function bulkLimit(count: number, what: string) {
    if (count > entity.limits.maxBatch) {
      throw new CrudError('BAD_REQUEST', `${what} would touch ${count} rows; at most ${entity.limits.maxBatch} per call`, {
        issues: [{ path: ['where'], message: `matches more than ${entity.limits.maxBatch} rows` }],
      });
    }
  }

  function requireWhere(where: Data) {
    if (Object.keys(where).length === 0) {
      throw badRequest('where must name at least one condition', [{ path: ['where'], message: 'must not be empty' }]);
    }
  }

  const manager: Manager<EntityMap, AnyEntity> = {
    entity,

    async create(ctx, input) {
      const { fields, nested } = split(input as Data);
      return inTransaction(ctx.db, async (db) => {
        const [row] = await insertRows(db, ctx.caller, [fields]);
        if (nested.length) await writeNested(db, ctx.caller, row!.id as string, nested, []);
        return decode(row!);
      });
    },

    async createMany(ctx, input) {
      const parts = (input as Data[]).map(split);
      return inTransaction(ctx.db, async (db) => {
        const rows = await insertRows(db, ctx.caller, parts.map((p) => p.fields));
        for (let i = 0; i < parts.length; i++) {
          if (parts[i]!.nested.length) await writeNested(db, ctx.caller, rows[i]!.id as string, parts[i]!.nested, [String(i)]);
        }
        return { count: rows.length, ids: rows.map((r) => r.id as string) };
      });
    },

    async get(ctx, query) {
      const c = compiler(ctx.caller);
      const a = c.alias();
      const inc = c.include(entity, a, query.include as Data | undefined);
      const conds = [sql`${ref(a, 'id')} = ${param(query.id)}`, ...c.visible(entity, a, query.withArchived)];
      const { rows } = await sql`select ${sql.join([...selectColumns(meta, a), ...inc.columns])}
        from ${table} as ${sql.id(a)} where ${and(conds)}`.execute(ctx.db);
      const row = rows[0] as Data | undefined;
      if (!row) throw notFound(entity.name, query.id);
      decodeRow(meta, inc.plan, row);
      return row as never;
    },

    async list(ctx, query) {
      const c = compiler(ctx.caller);
      const a = c.alias();
      const conds = [...c.visible(entity, a, query.withArchived), ...c.where(entity, a, query.where as Data | undefined)];
      const terms = c.order(entity, a, query.orderBy);
      const limit = query.limit ?? entity.limits.defaultLimit;
      const fingerprint = queryFingerprint(entity.name, [query.where ?? null, query.orderBy ?? null, query.withArchived ?? false]);
      const pageConds = [...conds];
      if (query.cursor !== undefined) {
        const values = options.cursors.decode(query.cursor, fingerprint);
        if (values.length !== terms.length) throw badRequest('cursor is invalid', [{ path: ['cursor'], message: 'does not fit the order' }]);
        pageConds.push(keysetAfter(terms, values));
      }
      const inc = c.include(entity, a, query.include as Data | undefined);
      const hidden = terms.flatMap((t, i) => (t.field ? [] : [sql`${t.expr} as ${sql.id(`__o${i}`)}`]));
      const offset = query.offset ? sql` offset ${query.offset}` : sql``;
      const page = sql`select ${sql.join([...selectColumns(meta, a), ...inc.columns, ...hidden])}
        from ${table} as ${sql.id(a)} where ${and(pageConds)}
        order by ${orderSql(terms)} limit ${limit + 1}${offset}`;
      const statement = query.withTotal
        ? sql`select p.*, c."__total" from (select count(*)::int as "__total" from ${table} as ${sql.id(a)} where ${and(conds)}) as c
            left join lateral (${page}) as p on true`
        : page;
      let rows = (await statement.execute(ctx.db)).rows as Rows;
      let total: number | undefined;
      if (query.withTotal) {
        total = (rows[0]?.__total as number | undefined) ?? 0;
        rows = rows.filter((r) => r.id !== null);
      }
      const more = rows.length > limit;
      if (more) rows.pop();
      const last = rows[rows.length - 1];
      const nextCursor = more && last ? options.cursors.encode(terms.map((t, i) => (t.field ? last[t.field] : last[`__o${i}`])), fingerprint) : null;
      for (const row of rows) {
        if (query.withTotal) delete row.__total;
        for (let i = 0; i < terms.length; i++) if (!terms[i]!.field) delete row[`__o${i}`];
        decodeRow(meta, inc.plan, row);
      }
      return { items: rows as never[], nextCursor, ...(total !== undefined ? { total } : {}) };
    },

    async count(ctx, query) {
      const c = compiler(ctx.caller);
      const a = c.alias();
      const conds = [...c.visible(entity, a, query.withArchived), ...c.where(entity, a, query.where as Data | undefined)];
      const { rows } = await sql<{ count: number }>`select count(*)::int as count from ${table} as ${sql.id(a)} where ${and(conds)}`.execute(ctx.db);
      return rows[0]?.count ?? 0;
    },

    async update(ctx, input) {
      const { fields, nested } = split(input.data as Data);
      const set = [
        ...Object.entries(fields).map(([k, v]) => sql`${sql.id(meta.byField.get(k)!.column)} = ${value(k, v)}`),
        ...systemSets(ctx.caller),
      ];
      const conds = input.expectedVersion !== undefined && meta.versioned ? [sql`${ref(t0, 'version')} = ${input.expectedVersion}`] : [];
      return inTransaction(ctx.db, async (db) => {
        const row = await updateStatement(db, ctx.caller, input.id, set, conds);
        if (!row) return explainMiss(db, ctx.caller, input.id, input.expectedVersion);
        if (nested.length) await writeNested(db, ctx.caller, input.id, nested, ['data']);
        return decode(row);
      });
    },

    async updateMany(ctx, input) {
      requireWhere(input.where as Data);
      const c = compiler(ctx.caller);
      const conds = [...c.visible(entity, t0), ...c.where(entity, t0, input.where as Data), ...allowed('update', ctx.caller)];
      const set = [
        ...Object.entries(input.data as Data).map(([k, v]) => sql`${sql.id(meta.byField.get(k)!.column)} = ${value(k, v)}`),
        ...systemSets(ctx.caller),
      ];
      return inTransaction(ctx.db, async (db) => {
        const { rows } = await sql`update ${table} as ${sql.id(t0)} set ${sql.join(set)} where ${and(conds)} returning ${ref(t0, 'id')}`.execute(db);
        bulkLimit(rows.length, 'updateMany');
        return { count: rows.length };
      });
    },

    async delete(ctx, input) {
      return inTransaction(ctx.db, async (db) => {
        const { rows } = await sql`delete from ${table} as ${sql.id(t0)}
          where ${and([sql`${ref(t0, 'id')} = ${param(input.id)}`, ...allowed('delete', ctx.caller)])} returning ${ref(t0, 'id')}`.execute(db);
        if (!rows[0]) throw notFound(entity.name, input.id);
        return { id: input.id };
      });
    },

    async deleteMany(ctx, input) {
      requireWhere(input.where as Data);
      const c = compiler(ctx.caller);
      const conds = [...c.visible(entity, t0), ...c.where(entity, t0, input.where as Data), ...allowed('delete', ctx.caller)];
      return inTransaction(ctx.db, async (db) => {
        const { rows } = await sql`delete from ${table} as ${sql.id(t0)} where ${and(conds)} returning ${ref(t0, 'id')}`.execute(db);
        bulkLimit(rows.length, 'deleteMany');
        return { count: rows.length };
      });
    },

    async archive(ctx, input) {
      requireArchive(meta);
      return inTransaction(ctx.db, async (db) => {
        const row = await updateStatement(db, ctx.caller, input.id, [sql`"archived_at" = coalesce(${ref(t0, 'archived_at')}, now())`, ...systemSets(ctx.caller)], allowed('archive', ctx.caller));
        if (!row) return explainMiss(db, ctx.caller, input.id);
        return decode(row);
      });
    },

    async restore(ctx, input) {
      requireArchive(meta);
      return inTransaction(ctx.db, async (db) => {
        const row = await updateStatement(db, ctx.caller, input.id, [sql`"archived_at" = null`, ...systemSets(ctx.caller)], allowed('archive', ctx.caller));
        if (!row) return explainMiss(db, ctx.caller, input.id);
        return decode(row);
      });
    },

    async connect(ctx, input) {
      const rel = manyToManyRelation(input.relation);
      return inTransaction(ctx.db, async (db) => {
        await touch(db, ctx.caller, input.id);
        return { count: await connectIds(db, ctx.caller, rel, input.id, input.ids, ['ids']) };
      });
    },

    async disconnect(ctx, input) {
      const rel = manyToManyRelation(input.relation);
      return inTransaction(ctx.db, async (db) => {
        await touch(db, ctx.caller, input.id);
        return { count: await disconnectIds(db, rel, input.id, input.ids) };
      });
    },
  };

  /** Bumps version / updatedAt of `id` (a relation change is a change of the row), NOT_FOUND if hidden. */
  async function touch(db: Executor, caller: Caller | null, id: string) {
    const set = systemSets(caller);
    const row = await updateStatement(db, caller, id, set.length ? set : [sql`"id" = ${ref(t0, 'id')}`], []);
    if (!row) throw notFound(entity.name, id);
  }

  function manyToManyRelation(name: string): ResolvedRelation {
    const rel = relations.get(name);
    if (rel?.kind !== 'manyToMany') {
      throw badRequest(`${name} is not a many-to-many relation of ${entity.name}`, [{ path: ['relation'], message: 'unknown relation' }]);
    }
    return rel;
  }

  return manager as unknown as Manager<S, E>;
}

function requireArchive(meta: EntityMeta) {
  if (!meta.archivable) throw badRequest(`${meta.entity.name} cannot be archived`);
}
