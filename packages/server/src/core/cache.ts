import { createHash } from 'node:crypto';
import type { AnyEntity, AnySchema, FieldMap, Principal } from '@typecrud/shared';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import superjson from 'superjson';
import type { Executor } from './database.js';

/**
 * Where cached reads live. Invalidation is by generation: every entity has a counter that
 * each committed write bumps, and every key embeds the counters of the entities its statement
 * read — so a write makes old keys unreachable at once, with no KEYS scan; they expire by TTL.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  generations(entities: readonly string[]): Promise<number[]>;
  bump(entities: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** An in-process LRU store (the default): right for one instance, or tests. */
export function memoryCacheStore(maxEntries = 10_000): CacheStore {
  const values = new LRUCache<string, string>({ max: maxEntries, ttlAutopurge: false });
  const gens = new Map<string, number>();
  return {
    get: async (key) => values.get(key),
    set: async (key, value, ttl) => {
      values.set(key, value, { ttl: ttl * 1000 });
    },
    generations: async (entities) => entities.map((e) => gens.get(e) ?? 0),
    bump: async (entities) => {
      for (const e of entities) gens.set(e, (gens.get(e) ?? 0) + 1);
    },
    close: async () => values.clear(),
  };
}

/** A Redis store shared by every API instance: GET/SET EX for values, MGET/INCR for generations. */
export function redisCacheStore(url: string, prefix = 'typecrud:'): CacheStore {
  const redis = new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // a command Redis does not answer in time fails, and the read goes to the database
    commandTimeout: 1000,
  });
  // connection errors are reported through the failed commands; without a listener ioredis prints each
  redis.on('error', () => {});
  const gen = (e: string) => `${prefix}gen:${e}`;
  return {
    get: async (key) => (await redis.get(prefix + key)) ?? undefined,
    set: async (key, value, ttl) => {
      await redis.set(prefix + key, value, 'EX', ttl);
    },
    generations: async (entities) =>
      entities.length ? (await redis.mget(entities.map(gen))).map((v) => Number(v ?? 0)) : [],
    bump: async (entities) => {
      const pipeline = redis.pipeline();
      for (const e of entities) pipeline.incr(gen(e));
      await pipeline.exec();
    },
    close: async () => {
      // a Redis that is gone cannot be told goodbye: drop the connection instead of waiting on it
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

/** What the managers use: keys per caller and query, generations per entity, bumps after commit. */
export interface ReadCache {
  /** The cached result of a read of `entity` by `caller`, or the result of `load` (then cached). */
  read<T>(
    entity: AnyEntity,
    caller: Principal | null,
    op: string,
    query: unknown,
    deps: readonly string[],
    load: () => Promise<T>,
  ): Promise<T>;
  /** Marks the entities a write changed (and those its cascades change) once its transaction commits. */
  changed(db: Executor, entity: AnyEntity, extra?: readonly string[]): Promise<void>;
  /**
   * Bumps the generations of the entities stored in `tables` (and of those their cascades change):
   * what a committed transaction's triggers recorded, raw SQL writes included.
   */
  tablesChanged(tables: readonly string[]): Promise<void>;
  readonly store: CacheStore;
}

const digest = (v: unknown) =>
  createHash('sha256').update(superjson.stringify(v)).digest('base64url').slice(0, 22);

/** Entities whose rows a delete or update of `entity` can change through cascades and set-null. */
function dependents(schema: AnySchema): Map<string, string[]> {
  const direct = new Map<string, Set<string>>();
  for (const e of Object.values(schema.entities)) {
    for (const field of Object.values(e.fields as FieldMap)) {
      const ref = field.config.references;
      if (ref && ref.onDelete !== 'restrict' && ref.onDelete !== 'no action') {
        if (!direct.has(ref.entity)) direct.set(ref.entity, new Set());
        direct.get(ref.entity)!.add(e.name);
      }
    }
  }
  for (const j of schema.joinTables) {
    for (const [a, b] of [
      [j.left.entity.name, j.right.entity.name],
      [j.right.entity.name, j.left.entity.name],
    ] as const) {
      if (!direct.has(a)) direct.set(a, new Set());
      direct.get(a)!.add(b);
    }
  }
  const out = new Map<string, string[]>();
  for (const name of Object.keys(schema.entities)) {
    const seen = new Set([name]);
    const queue = [name];
    while (queue.length) {
      for (const d of direct.get(queue.shift()!) ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        queue.push(d);
      }
    }
    out.set(name, [...seen]);
  }
  return out;
}

type Task = () => Promise<void>;
const afterCommit = new WeakMap<Executor, Task[]>();

/** Runs `fn` once the transaction `db` commits (at once outside a transaction); dropped on rollback. */
export async function onCommit(db: Executor, fn: Task): Promise<void> {
  const queue = afterCommit.get(db);
  if (queue) queue.push(fn);
  else await fn();
}

/** Called by inTransaction for the outermost transaction: returns what to run after it commits. */
export function trackCommit(db: Executor): () => Promise<void> {
  const queue: Task[] = [];
  afterCommit.set(db, queue);
  return async () => {
    for (const fn of queue) await fn();
  };
}

export function createReadCache(schema: AnySchema, store: CacheStore): ReadCache {
  const deps = dependents(schema);
  const byTable = new Map<string, string[]>();
  for (const e of Object.values(schema.entities)) byTable.set(e.table, [e.name]);
  for (const j of schema.joinTables) byTable.set(j.table, [j.left.entity.name, j.right.entity.name]);
  return {
    store,
    async read<T>(
      entity: AnyEntity,
      caller: Principal | null,
      op: string,
      query: unknown,
      touched: readonly string[],
      load: () => Promise<T>,
    ): Promise<T> {
      const ttl = entity.cache?.ttlSeconds ?? 0;
      if (ttl <= 0) return load();
      const names = [...new Set([entity.name, ...touched])].sort();
      // the cache is an optimization: when its store fails (Redis down), read from the database
      let gens: number[];
      try {
        gens = await store.generations(names);
      } catch {
        return load();
      }
      const who = caller
        ? digest([
            caller.userId,
            caller.superadmin,
            [...caller.memberships].sort((a, b) => a.tenantId.localeCompare(b.tenantId)),
          ])
        : 'anon';
      const key = `${entity.name}:${op}:${who}:${digest([query, names, gens])}`;
      const hit = await store.get(key).catch(() => undefined);
      if (hit !== undefined) return superjson.parse<T>(hit);
      const value = await load();
      await store.set(key, superjson.stringify(value), ttl).catch(() => {});
      return value;
    },
    changed(db, entity, extra = []) {
      const names = [...new Set([...(deps.get(entity.name) ?? [entity.name]), ...extra])];
      // a committed write stands even when the store cannot be told; entries then expire by their TTL
      return onCommit(db, () => store.bump(names).catch(() => {}));
    },
    async tablesChanged(tables) {
      const names = new Set<string>();
      for (const t of tables)
        for (const e of byTable.get(t) ?? []) for (const d of deps.get(e) ?? [e]) names.add(d);
      if (names.size) await store.bump([...names]).catch(() => {});
    },
  };
}
