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
  Policies,
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
import type { ReadCache } from './cache.js';
import { badRequest, CrudError, notFound } from './errors.js';
import type { AuditRecord, AuditSink, EntityHooks } from './hooks.js';
import { Compiler, cursorValue, decodeRow, joinColumns, keysetAfter, orderSql } from './query/compile.js';
import { type CursorCodec, queryFingerprint } from './query/cursor.js';
import { and, metaOf, param, ref, type Sql, selectColumns } from './query/entity-meta.js';
import { type Executor, inTransaction } from './transaction.js';

/** Who is calling: the principal whose id lands in createdBy / updatedBy and whom policies judge. */
export type Caller = Principal;

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
  get<I extends Include<S, E> = Record<never, never>>(
    ctx: ManagerContext,
    query: GetQuery<S, E> & { include?: I },
  ): Promise<Result<S, E, I>>;
  /** A page of rows with their includes, in one SQL statement. */
  list<I extends Include<S, E> = Record<never, never>>(
    ctx: ManagerContext,
    query: ListQuery<S, E> & { include?: I },
  ): Promise<Page<Result<S, E, I>>>;
  count(ctx: ManagerContext, query: CountQuery<S, E>): Promise<number>;
  /** A partial update that bumps `version`; with `expectedVersion`, a stale row is CONFLICT and nothing changes. */
  update(ctx: ManagerContext, input: UpdateInput<E>): Promise<Row<E>>;
  updateMany(ctx: ManagerContext, input: UpdateManyInput<S, E>): Promise<{ count: number }>;
  delete(ctx: ManagerContext, input: IdInput): Promise<{ id: string }>;
  deleteMany(ctx: ManagerContext, input: { where: Where<S, E> }): Promise<{ count: number }>;
  archive(ctx: ManagerContext, input: IdInput): Promise<Row<E>>;
  restore(ctx: ManagerContext, input: IdInput): Promise<Row<E>>;
  connect(
    ctx: ManagerContext,
    input: { id: string; relation: string; ids: string[] },
  ): Promise<{ count: number }>;
  disconnect(
    ctx: ManagerContext,
    input: { id: string; relation: string; ids: string[] },
  ): Promise<{ count: number }>;
}

export interface ManagerOptions {
  cursors: CursorCodec;
  /** Row and field rules per entity; absent only for services created explicitly unrestricted. */
  policies?: Policies<EntityMap> | undefined;
  hooks?: EntityHooks<EntityMap, AnyEntity> | undefined;
  /** Receives the audit records of every write of an audited entity, inside its transaction. */
  audit?: AuditSink | undefined;
  /** Caches reads of entities that declare a TTL; writes invalidate after they commit. */
  cache?: ReadCache | undefined;
  /** Managers of the other entities (nested one-to-one creates go through them). */
  managerOf?: (entity: AnyEntity) => Manager<EntityMap, AnyEntity>;
}

type Data = Record<string, unknown>;
type Rows = Record<string, unknown>[];

/** PostgreSQL takes at most 65535 parameters in a statement; createMany splits below that. */
const maxParameters = 60_000;
const t0 = 't0';

/** A generic manager for one entity of a schema: every read is one statement, every write one transaction. */
export function createManager<S extends EntityMap, E extends AnyEntity>(
  schema: Schema<S>,
  entity: E,
  options: ManagerOptions,
): Manager<S, E> {
  const s = schema as unknown as Schema<EntityMap>;
  const meta = metaOf(entity);
  const table = sql.table(meta.table);
  const returning = sql.join(selectColumns(meta, t0));
  const relations = new Map(s.relations(entity.name).map((r) => [r.name, r]));
  const writable = meta.columns.filter((c) => !c.config.system && !c.config.hidden);
  const { policies, hooks, cache } = options;
  /** Reads through the cache when one is set and the call is not inside a transaction (which may see its own writes). */
  const cached = <T>(
    ctx: ManagerContext,
    c: Compiler,
    op: string,
    query: unknown,
    load: () => Promise<T>,
  ): Promise<T> =>
    cache && !ctx.db.isTransaction ? cache.read(entity, ctx.caller, op, query, [...c.touched], load) : load();
  const changed = (db: Executor, extra?: readonly string[]) => cache?.changed(db, entity, extra);
  const audit = entity.audited ? options.audit : undefined;
  const fieldRules = policies?.[entity.name]?.fields as
    | Record<string, ((p: Principal | null) => boolean) | undefined>
    | undefined;

  /** A compiler for one statement whose top-level row is `t0` (reserved, so nested aliases never clash). */
  const compiler = (caller: Caller | null) => {
    const c = new Compiler(s, caller, policies);
    c.alias();
    return c;
  };
  const allowed = (c: Compiler, action: Action): Sql[] => {
    const p = c.policy(entity, action, t0);
    return p ? [p] : [];
  };
  const decode = (row: Data) => {
    meta.decode(row);
    return row as Row<E>;
  };
  const column = (field: string) => meta.byField.get(field)!.column;

  /** A field value as a SQL parameter of its column's type. */
  const value = (field: string, v: unknown): Sql => {
    if (v === null || v === undefined) return sql`null`;
    if (meta.byField.get(field)!.config.kind === 'json') return sql`${JSON.stringify(v)}::jsonb`;
    return param(v);
  };

  const auditColumns = (caller: Caller | null, onCreate: boolean): [string, Sql][] => {
    if (!meta.audited) return [];
    const who = param(caller?.userId ?? null);
    return onCreate
      ? [
          ['created_by', who],
          ['updated_by', who],
        ]
      : [['updated_by', who]];
  };

  /** Refuses a write that sets a field the caller's role may not write. */
  function checkFieldRules(data: Data, caller: Caller | null) {
    if (!fieldRules) return;
    for (const [field, rule] of Object.entries(fieldRules)) {
      if (rule && data[field] !== undefined && !rule(caller)) {
        throw new CrudError('FORBIDDEN', `you may not set ${field}`, {
          fields: [field],
          issues: [{ path: [field], message: 'you may not set this field' }],
        });
      }
    }
  }

  async function record(db: Executor, records: AuditRecord[]) {
    if (audit && records.length) await audit(db, records);
  }

  const createdChanges = (row: Data, fields: string[]) =>
    Object.fromEntries(fields.filter((f) => row[f] !== undefined).map((f) => [f, { after: row[f] }]));

  async function insertRows(db: Executor, caller: Caller | null, rows: Data[]): Promise<Rows> {
    const fields = writable.filter((c) => rows.some((r) => r[c.field] !== undefined));
    const auditCols = auditColumns(caller, true);
    const columns = sql.join([
      ...fields.map((c) => sql.id(c.column)),
      ...auditCols.map(([col]) => sql.id(col)),
    ]);
    const perRow = fields.length + auditCols.length || 1;
    const chunk = Math.max(1, Math.floor(maxParameters / perRow));
    const c = compiler(caller);
    const check = allowed(c, 'create');
    const out: Rows = [];
    for (let i = 0; i < rows.length; i += chunk) {
      const values = rows
        .slice(i, i + chunk)
        .map(
          (r) =>
            sql`(${sql.join([
              ...fields.map((f) => (r[f.field] === undefined ? sql`default` : value(f.field, r[f.field]))),
              ...auditCols.map(([, v]) => v),
            ])})`,
        );
      const returned = check.length ? sql`*` : returning;
      const insert =
        fields.length + auditCols.length
          ? sql`insert into ${table} as ${sql.id(t0)} (${columns}) values ${sql.join(values)} returning ${returned}`
          : sql`insert into ${table} as ${sql.id(t0)} default values returning ${returned}`;
      // A created row must satisfy the create policy: checked on the inserted rows in the same statement.
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
    const names = fields.map((f) => f.field);
    await changed(db);
    await record(
      db,
      out.map((row) => ({
        entity: entity.name,
        entityId: row.id as string,
        action: 'create',
        actorId: caller?.userId ?? null,
        changes: createdChanges(row, names),
      })),
    );
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

  /** Links `ids` of the relation's target to row `id`; every id must exist and be readable by the caller. */
  async function connectIds(
    db: Executor,
    caller: Caller | null,
    rel: ResolvedRelation,
    id: string,
    ids: string[],
    path: (string | number)[],
  ) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return 0;
    const { sourceColumn, targetColumn } = joinColumns(rel);
    const c = new Compiler(s, caller, policies);
    const a = c.alias();
    const visible = and([
      sql`${ref(a, 'id')} in (${sql.join(unique.map(param))})`,
      ...c.visible(rel.target, a),
    ]);
    const { rows } = await sql<{ found: number; added: number }>`
      with found as (select ${ref(a, 'id')} as id from ${sql.table(rel.target.table)} as ${sql.id(a)} where ${visible}),
      added as (
        insert into ${sql.table(rel.join!.table)} (${sql.id(sourceColumn)}, ${sql.id(targetColumn)})
        select ${param(id)}::uuid, found.id from found
        on conflict do nothing returning 1
      )
      select (select count(*)::int from found) as found, (select count(*)::int from added) as added`.execute(
      db,
    );
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
    const r =
      await sql`delete from ${sql.table(rel.join!.table)} where ${sql.id(sourceColumn)} = ${param(id)} and ${sql.id(targetColumn)} in (${sql.join(ids.map(param))})`.execute(
        db,
      );
    return Number(r.numAffectedRows ?? 0n);
  }

  async function setIds(
    db: Executor,
    caller: Caller | null,
    rel: ResolvedRelation,
    id: string,
    ids: string[],
    path: (string | number)[],
  ) {
    const { sourceColumn, targetColumn } = joinColumns(rel);
    const keep = ids.length ? sql` and ${sql.id(targetColumn)} not in (${sql.join(ids.map(param))})` : sql``;
    await sql`delete from ${sql.table(rel.join!.table)} where ${sql.id(sourceColumn)} = ${param(id)}${keep}`.execute(
      db,
    );
    return connectIds(db, caller, rel, id, ids, path);
  }

  async function writeNested(
    db: Executor,
    caller: Caller | null,
    id: string,
    nested: [ResolvedRelation, Data][],
    path: (string | number)[],
  ) {
    for (const [rel, w] of nested) {
      const at = [...path, rel.name];
      if (rel.kind === 'manyToMany') {
        if (w.set) await setIds(db, caller, rel, id, w.set as string[], [...at, 'set']);
        if (w.disconnect) await disconnectIds(db, rel, id, w.disconnect as string[]);
        if (w.connect) await connectIds(db, caller, rel, id, w.connect as string[], [...at, 'connect']);
      } else if (rel.kind === 'hasOne' && w.create) {
        // the child entity's manager (its own hooks); without one, a plain manager with no hooks,
        // never this entity's
        const child =
          options.managerOf?.(rel.target) ?? createManager(s, rel.target, { ...options, hooks: undefined });
        await child.create({ db, caller }, { ...(w.create as Data), [rel.field!]: id } as never);
      }
    }
  }

  /**
   * `update ... from T as old`: a self-join on the primary key whose `old` columns are the
   * values before this statement, so the audit gets before/after from the same statement.
   */
  async function updateRows(db: Executor, set: Sql[], conds: Sql[], auditFields: string[]): Promise<Rows> {
    const olds = audit
      ? auditFields.map((f) => sql`${ref('old', column(f))} as ${sql.id(`__old_${f}`)}`)
      : [];
    const from = olds.length ? sql` from ${table} as "old"` : sql``;
    const join = olds.length ? [sql`${ref('old', 'id')} = ${ref(t0, 'id')}`] : [];
    const { rows } = await sql`update ${table} as ${sql.id(t0)} set ${sql.join(set)}${from}
      where ${and([...join, ...conds])}
      returning ${sql.join([returning, ...olds])}`.execute(db);
    if (rows.length) await changed(db);
    return rows as Rows;
  }

  /** Takes the `__old_*` columns off updated rows and records what changed. */
  async function recordUpdates(
    db: Executor,
    caller: Caller | null,
    rows: Rows,
    fields: string[],
    action: AuditRecord['action'],
  ) {
    const records: AuditRecord[] = [];
    for (const row of rows) {
      const changes: AuditRecord['changes'] = {};
      for (const f of fields) {
        const key = `__old_${f}`;
        if (!(key in row)) continue;
        const before = row[key];
        delete row[key];
        changes[f] = { before, after: row[f] };
      }
      records.push({
        entity: entity.name,
        entityId: row.id as string,
        action,
        actorId: caller?.userId ?? null,
        changes,
      });
    }
    await record(db, records);
  }

  function systemSets(caller: Caller | null): Sql[] {
    const out: Sql[] = [];
    if (meta.versioned) out.push(sql`"version" = ${ref(t0, 'version')} + 1`);
    if (meta.timestamped) out.push(sql`"updated_at" = now()`);
    for (const [col, v] of auditColumns(caller, false)) out.push(sql`${sql.id(col)} = ${v}`);
    return out;
  }

  /**
   * Why a write of `id` touched nothing: not readable (NOT_FOUND, the same as missing),
   * a stale version (CONFLICT), or readable but not writable by this caller (FORBIDDEN).
   */
  async function explainMiss(
    db: Executor,
    caller: Caller | null,
    id: string,
    action: Action,
    expectedVersion?: number,
  ): Promise<never> {
    const c = compiler(caller);
    const version = meta.versioned ? ref(t0, 'version') : sql`0`;
    const { rows } = await sql<{
      version: number;
    }>`select ${version} as version from ${table} as ${sql.id(t0)}
      where ${and([sql`${ref(t0, 'id')} = ${param(id)}`, ...c.visible(entity, t0, true)])}`.execute(db);
    const current = rows[0]?.version;
    if (current === undefined) throw notFound(entity.name, id);
    if (expectedVersion !== undefined && meta.versioned && current !== expectedVersion) {
      throw new CrudError(
        'CONFLICT',
        `${entity.name} ${id} was changed by someone else (version ${current}, expected ${expectedVersion})`,
        {
          fields: ['version'],
          currentVersion: current,
        },
      );
    }
    throw new CrudError('FORBIDDEN', `you may not ${action} this ${entity.name}`);
  }

  function bulkLimit(count: number, what: string) {
    if (count > entity.limits.maxBatch) {
      throw new CrudError(
        'BAD_REQUEST',
        `${what} would touch ${count} rows; at most ${entity.limits.maxBatch} per call`,
        {
          issues: [{ path: ['where'], message: `matches more than ${entity.limits.maxBatch} rows` }],
        },
      );
    }
  }

  function requireWhere(where: Data) {
    if (Object.keys(where).length === 0) {
      throw badRequest('where must name at least one condition', [
        { path: ['where'], message: 'must not be empty' },
      ]);
    }
  }

  const setFields = (fields: Data) =>
    Object.entries(fields).map(([k, v]) => sql`${sql.id(column(k))} = ${value(k, v)}`);

  /** Updates row `id` under the `action` rule and records it in the audit log as `recorded`. */
  async function updateOne(
    db: Executor,
    caller: Caller | null,
    id: string,
    action: Action,
    recorded: AuditRecord['action'],
    set: Sql[],
    conds: Sql[],
    fields: string[],
    expectedVersion?: number,
  ) {
    const c = compiler(caller);
    const rows = await updateRows(
      db,
      set,
      [sql`${ref(t0, 'id')} = ${param(id)}`, ...conds, ...allowed(c, action)],
      fields,
    );
    if (!rows[0]) return explainMiss(db, caller, id, action, expectedVersion);
    await recordUpdates(db, caller, rows, fields, recorded);
    return rows[0];
  }

  const manager: Manager<EntityMap, AnyEntity> = {
    entity,

    async create(ctx, input) {
      return inTransaction(ctx.db, async (db) => {
        const tctx = { db, caller: ctx.caller };
        const data = ((await hooks?.beforeCreate?.(input, tctx)) ?? input) as Data;
        const { fields, nested } = split(data);
        checkFieldRules(fields, ctx.caller);
        const [row] = await insertRows(db, ctx.caller, [fields]);
        if (nested.length) await writeNested(db, ctx.caller, row!.id as string, nested, []);
        const created = decode(row!);
        await hooks?.afterCreate?.(created, tctx);
        return created;
      });
    },

    async createMany(ctx, input) {
      return inTransaction(ctx.db, async (db) => {
        const tctx = { db, caller: ctx.caller };
        const prepared = hooks?.beforeCreate
          ? await Promise.all(input.map(async (r) => (await hooks.beforeCreate!(r, tctx)) ?? r))
          : input;
        const parts = (prepared as Data[]).map(split);
        for (const p of parts) checkFieldRules(p.fields, ctx.caller);
        const rows = await insertRows(
          db,
          ctx.caller,
          parts.map((p) => p.fields),
        );
        for (let i = 0; i < parts.length; i++) {
          if (parts[i]!.nested.length)
            await writeNested(db, ctx.caller, rows[i]!.id as string, parts[i]!.nested, [i]);
        }
        if (hooks?.afterCreate) for (const row of rows) await hooks.afterCreate(decode(row), tctx);
        return { count: rows.length, ids: rows.map((r) => r.id as string) };
      });
    },

    async get(ctx, query) {
      const c = compiler(ctx.caller);
      const inc = c.include(entity, t0, query.include as Data | undefined);
      const conds = [
        sql`${ref(t0, 'id')} = ${param(query.id)}`,
        ...c.visible(entity, t0, query.withArchived),
      ];
      const row = await cached(ctx, c, 'get', query, async () => {
        const { rows } = await sql`select ${sql.join([...selectColumns(meta, t0), ...inc.columns])}
          from ${table} as ${sql.id(t0)} where ${and(conds)}`.execute(ctx.db);
        const found = rows[0] as Data | undefined;
        if (found) decodeRow(meta, inc.plan, found);
        return found ?? null;
      });
      if (!row) throw notFound(entity.name, query.id);
      return row as never;
    },

    async list(ctx, query) {
      const c = compiler(ctx.caller);
      const conds = [
        ...c.visible(entity, t0, query.withArchived),
        ...c.where(entity, t0, query.where as Data | undefined),
      ];
      const terms = c.order(entity, t0, query.orderBy);
      const limit = query.limit ?? entity.limits.defaultLimit;
      const fingerprint = queryFingerprint(
        entity.name,
        query.where,
        query.orderBy,
        query.withArchived ?? false,
      );
      const pageConds = [...conds];
      if (query.cursor !== undefined) {
        const values = options.cursors.decode(query.cursor, fingerprint);
        if (values.length !== terms.length)
          throw badRequest('cursor is invalid', [{ path: ['cursor'], message: 'does not fit the order' }]);
        pageConds.push(keysetAfter(terms, values));
      }
      const inc = c.include(entity, t0, query.include as Data | undefined);
      const hidden = terms.flatMap((t, i) =>
        t.field ? [] : [sql`${cursorValue(t)} as ${sql.id(`__o${i}`)}`],
      );
      const offset = query.offset ? sql` offset ${query.offset}` : sql``;
      const page = sql`select ${sql.join([...selectColumns(meta, t0), ...inc.columns, ...hidden])}
        from ${table} as ${sql.id(t0)} where ${and(pageConds)}
        order by ${orderSql(terms)} limit ${limit + 1}${offset}`;
      const statement = query.withTotal
        ? sql`select p.*, c."__total" from (select count(*)::int as "__total" from ${table} as ${sql.id(t0)} where ${and(conds)}) as c
            left join lateral (${page}) as p on true`
        : page;
      return cached(ctx, c, 'list', query, async () => {
        let rows = (await statement.execute(ctx.db)).rows as Rows;
        let total: number | undefined;
        if (query.withTotal) {
          total = (rows[0]?.__total as number | undefined) ?? 0;
          rows = rows.filter((r) => r.id !== null);
        }
        const more = rows.length > limit;
        if (more) rows.pop();
        const last = rows[rows.length - 1];
        const nextCursor =
          more && last
            ? options.cursors.encode(
                terms.map((t, i) => (t.field ? last[t.field] : last[`__o${i}`])),
                fingerprint,
              )
            : null;
        for (const row of rows) {
          if (query.withTotal) delete row.__total;
          for (let i = 0; i < terms.length; i++) if (!terms[i]!.field) delete row[`__o${i}`];
          decodeRow(meta, inc.plan, row);
        }
        return { items: rows as never[], nextCursor, ...(total !== undefined ? { total } : {}) };
      });
    },

    async count(ctx, query) {
      const c = compiler(ctx.caller);
      const conds = [
        ...c.visible(entity, t0, query.withArchived),
        ...c.where(entity, t0, query.where as Data | undefined),
      ];
      return cached(ctx, c, 'count', query, async () => {
        const { rows } = await sql<{
          count: number;
        }>`select count(*)::int as count from ${table} as ${sql.id(t0)} where ${and(conds)}`.execute(ctx.db);
        return rows[0]?.count ?? 0;
      });
    },

    async update(ctx, input) {
      return inTransaction(ctx.db, async (db) => {
        const tctx = { db, caller: ctx.caller };
        const data = ((await hooks?.beforeUpdate?.({ id: input.id, data: input.data }, tctx)) ??
          input.data) as Data;
        const { fields, nested } = split(data);
        checkFieldRules(fields, ctx.caller);
        const conds =
          input.expectedVersion !== undefined && meta.versioned
            ? [sql`${ref(t0, 'version')} = ${input.expectedVersion}`]
            : [];
        const row = await updateOne(
          db,
          ctx.caller,
          input.id,
          'update',
          'update',
          [...setFields(fields), ...systemSets(ctx.caller)],
          conds,
          Object.keys(fields),
          input.expectedVersion,
        );
        if (nested.length) await writeNested(db, ctx.caller, input.id, nested, ['data']);
        const updated = decode(row);
        await hooks?.afterUpdate?.(updated, tctx);
        return updated;
      });
    },

    async updateMany(ctx, input) {
      requireWhere(input.where as Data);
      const data = input.data as Data;
      checkFieldRules(data, ctx.caller);
      const c = compiler(ctx.caller);
      const conds = [
        ...c.visible(entity, t0),
        ...c.where(entity, t0, input.where as Data),
        ...allowed(c, 'update'),
      ];
      return inTransaction(ctx.db, async (db) => {
        const rows = await updateRows(
          db,
          [...setFields(data), ...systemSets(ctx.caller)],
          conds,
          Object.keys(data),
        );
        bulkLimit(rows.length, 'updateMany');
        await recordUpdates(db, ctx.caller, rows, Object.keys(data), 'update');
        return { count: rows.length };
      });
    },

    async delete(ctx, input) {
      return inTransaction(ctx.db, async (db) => {
        const tctx = { db, caller: ctx.caller };
        await hooks?.beforeDelete?.({ id: input.id }, tctx);
        const c = compiler(ctx.caller);
        const { rows } = await sql`delete from ${table} as ${sql.id(t0)}
          where ${and([sql`${ref(t0, 'id')} = ${param(input.id)}`, ...allowed(c, 'delete')])} returning ${returning}`.execute(
          db,
        );
        const row = rows[0] as Data | undefined;
        if (!row) return explainMiss(db, ctx.caller, input.id, 'delete');
        await changed(db);
        await record(db, [deletedRecord(row, ctx.caller)]);
        await hooks?.afterDelete?.({ id: input.id }, tctx);
        return { id: input.id };
      });
    },

    async deleteMany(ctx, input) {
      requireWhere(input.where as Data);
      const c = compiler(ctx.caller);
      const conds = [
        ...c.visible(entity, t0),
        ...c.where(entity, t0, input.where as Data),
        ...allowed(c, 'delete'),
      ];
      return inTransaction(ctx.db, async (db) => {
        const { rows } =
          await sql`delete from ${table} as ${sql.id(t0)} where ${and(conds)} returning ${returning}`.execute(
            db,
          );
        bulkLimit(rows.length, 'deleteMany');
        if (rows.length) await changed(db);
        await record(
          db,
          (rows as Rows).map((row) => deletedRecord(row, ctx.caller)),
        );
        return { count: rows.length };
      });
    },

    async archive(ctx, input) {
      requireArchive();
      return inTransaction(ctx.db, async (db) => {
        const set = [
          sql`"archived_at" = coalesce(${ref(t0, 'archived_at')}, now())`,
          ...systemSets(ctx.caller),
        ];
        return decode(
          await updateOne(db, ctx.caller, input.id, 'archive', 'archive', set, [], ['archivedAt']),
        );
      });
    },

    async restore(ctx, input) {
      requireArchive();
      return inTransaction(ctx.db, async (db) => {
        const set = [sql`"archived_at" = null`, ...systemSets(ctx.caller)];
        return decode(
          await updateOne(db, ctx.caller, input.id, 'archive', 'restore', set, [], ['archivedAt']),
        );
      });
    },

    async connect(ctx, input) {
      const rel = manyToManyRelation(input.relation);
      return inTransaction(ctx.db, async (db) => {
        await touch(db, ctx.caller, input.id);
        const count = await connectIds(db, ctx.caller, rel, input.id, input.ids, ['ids']);
        await changed(db, [rel.target.name]);
        await record(db, [relationRecord('connect', input.id, rel.name, input.ids, ctx.caller)]);
        return { count };
      });
    },

    async disconnect(ctx, input) {
      const rel = manyToManyRelation(input.relation);
      return inTransaction(ctx.db, async (db) => {
        await touch(db, ctx.caller, input.id);
        const count = await disconnectIds(db, rel, input.id, input.ids);
        await changed(db, [rel.target.name]);
        await record(db, [relationRecord('disconnect', input.id, rel.name, input.ids, ctx.caller)]);
        return { count };
      });
    },
  };

  function deletedRecord(row: Data, caller: Caller | null): AuditRecord {
    const changes = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, { before: v }]));
    return {
      entity: entity.name,
      entityId: row.id as string,
      action: 'delete',
      actorId: caller?.userId ?? null,
      changes,
    };
  }

  function relationRecord(
    action: 'connect' | 'disconnect',
    id: string,
    relation: string,
    ids: string[],
    caller: Caller | null,
  ): AuditRecord {
    return {
      entity: entity.name,
      entityId: id,
      action,
      actorId: caller?.userId ?? null,
      changes: { [relation]: action === 'connect' ? { after: ids } : { before: ids } },
    };
  }

  /** Bumps version / updatedAt of `id` (a relation change is a change of the row); NOT_FOUND / FORBIDDEN when it may not. */
  async function touch(db: Executor, caller: Caller | null, id: string) {
    const set = systemSets(caller);
    const c = compiler(caller);
    const rows = await updateRows(
      db,
      set.length ? set : [sql`"id" = ${ref(t0, 'id')}`],
      [sql`${ref(t0, 'id')} = ${param(id)}`, ...allowed(c, 'update')],
      [],
    );
    if (!rows[0]) await explainMiss(db, caller, id, 'update');
  }

  function manyToManyRelation(name: string): ResolvedRelation {
    const rel = relations.get(name);
    if (rel?.kind !== 'manyToMany') {
      throw badRequest(`${name} is not a many-to-many relation of ${entity.name}`, [
        { path: ['relation'], message: 'unknown relation' },
      ]);
    }
    return rel;
  }

  function requireArchive() {
    if (!meta.archivable) throw badRequest(`${entity.name} cannot be archived`);
  }

  return manager as unknown as Manager<S, E>;
}
