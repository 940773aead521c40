import { sql } from 'kysely';
import type { CacheStore } from '../cache.js';
import type { Database } from '../database.js';
import { CrudError } from '../errors.js';
import { outboxChannel, outboxHorizonTable, outboxTable } from './outbox.js';

/** What happened to a row, as the outbox records it. */
export type ChangeAction = 'create' | 'update' | 'delete' | 'archive' | 'restore' | 'connect' | 'disconnect';

/** One outbox row: a committed change of one row (link changes: one per side). */
export interface OutboxEvent {
  /** Increasing; the resume point of a subscription. */
  readonly id: bigint;
  readonly entity: string;
  readonly action: ChangeAction;
  readonly rowId: string;
  readonly version: number | null;
  /** Column names (updates), or the relation (connect / disconnect). */
  readonly changedFields: readonly string[];
  readonly tenant: string | null;
  /** The row's tenant before the change (the same as `tenant` unless it moved). */
  readonly previousTenant: string | null;
  readonly actor: string | null;
  readonly at: Date;
}

/** Live events: retention, limits and timing; every one has a default. */
export interface LiveOptions {
  /** Events older than this are pruned (86,400 s: 24 h). */
  readonly retentionSeconds?: number;
  /** At most this many events are kept (100,000). */
  readonly retentionEvents?: number;
  /** Open subscriptions per caller (per process), then TOO_MANY_REQUESTS (20). */
  readonly maxSubscriptionsPerCaller?: number;
  /** Open subscriptions per process (1,000). */
  readonly maxSubscriptions?: number;
  /** A subscription that delivered nothing for this long ends (1,800,000 ms: 30 min). */
  readonly idleTimeoutMs?: number;
  /** The outbox is also read this often, should a notification be missed (1,000 ms). */
  readonly pollMs?: number;
}

interface OutboxRow {
  id: string | bigint;
  entity: string;
  action: ChangeAction;
  row_id: string;
  version: number | null;
  changed_fields: string[];
  tenant: string | null;
  previous_tenant: string | null;
  actor: string | null;
  at: Date | string;
  safe?: boolean;
}

const toEvent = (r: OutboxRow): OutboxEvent => ({
  id: BigInt(r.id),
  entity: r.entity,
  action: r.action,
  rowId: r.row_id,
  version: r.version,
  changedFields: r.changed_fields,
  tenant: r.tenant,
  previousTenant: r.previous_tenant,
  actor: r.actor,
  at: r.at instanceof Date ? r.at : new Date(r.at),
});

const columns = sql`"id", "entity", "action", "row_id", "version", "changed_fields", "tenant", "previous_tenant", "actor", "at"`;
/**
 * An event is safe to hand out once no transaction that began before its own is still open: ids
 * are taken at insert, so a smaller id may still commit after a larger one. Reading only rows
 * older than the oldest open transaction (xmin) means no event is ever skipped.
 */
const safe = sql<boolean>`"tx" < pg_snapshot_xmin(pg_current_snapshot())`;
const page = 500;

type Listener = (events: readonly OutboxEvent[]) => void;

/**
 * One per process: LISTENs for the triggers' notifications, reads the outbox in id order, bumps
 * the read cache's generations of what changed (another instance's writes included), and hands
 * the events to the open subscriptions. Also prunes the outbox to its retention.
 */
export class LiveHub {
  readonly options: Required<LiveOptions>;
  private head = 0n;
  private readonly listeners = new Set<Listener>();
  private readonly perCaller = new Map<string, number>();
  private open = 0;
  private started: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private polling = false;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private soon: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly cache: CacheStore | undefined,
    options: LiveOptions = {},
  ) {
    this.options = {
      retentionSeconds: options.retentionSeconds ?? 86_400,
      retentionEvents: options.retentionEvents ?? 100_000,
      maxSubscriptionsPerCaller: options.maxSubscriptionsPerCaller ?? 20,
      maxSubscriptions: options.maxSubscriptions ?? 1000,
      idleTimeoutMs: options.idleTimeoutMs ?? 1_800_000,
      pollMs: options.pollMs ?? 1000,
    };
  }

  /** Starts listening (once; later calls wait for the first). */
  start(): Promise<void> {
    this.started ??= this.begin();
    return this.started;
  }

  private async begin() {
    const db = this.database.db;
    const { rows } = await sql<{ head: string | bigint | null }>`
      select coalesce(
        (select min("id") - 1 from ${sql.table(outboxTable)} where not ${safe}),
        (select max("id") from ${sql.table(outboxTable)}),
        (select max("through") from ${sql.table(outboxHorizonTable)}),
        0) as head`.execute(db);
    this.head = BigInt(rows[0]?.head ?? 0);
    this.unlisten = await this.database.listen(outboxChannel, () => this.poll());
    const every = (ms: number, fn: () => unknown) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.pollMs, () => this.poll());
    every(Math.min(60_000, Math.max(1000, this.options.retentionSeconds * 100)), () =>
      this.prune().catch(() => {}),
    );
  }

  /** Stops reading; open subscriptions end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.listeners) l([]);
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.soon);
    await this.unlisten?.();
  }

  /** True once stopped: subscriptions end. */
  get closed(): boolean {
    return this.stopped;
  }

  /** The last event handed to subscribers. */
  get position(): bigint {
    return this.head;
  }

  /** Reads what is new; one read at a time, another right after when asked meanwhile. */
  poll(): void {
    if (this.stopped || !this.started) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    this.read()
      .catch(() => {
        // the database is away: the next notification or poll tries again
      })
      .finally(() => {
        this.polling = false;
        if (this.again) {
          this.again = false;
          this.poll();
        }
      });
  }

  private async read() {
    for (;;) {
      const { rows } = await sql<OutboxRow>`
        select ${columns}, ${safe} as safe from ${sql.table(outboxTable)}
        where "id" > ${this.head.toString()} order by "id" limit ${page}`.execute(this.database.db);
      const ready: OutboxEvent[] = [];
      for (const r of rows) {
        if (!r.safe) break;
        ready.push(toEvent(r));
      }
      if (ready.length) {
        this.head = ready.at(-1)!.id;
        await this.cache?.bump([...new Set(ready.map((e) => e.entity))]).catch(() => {});
        for (const l of this.listeners) l(ready);
      }
      if (ready.length < rows.length) {
        // an older transaction is still open: look again shortly
        clearTimeout(this.soon);
        this.soon = setTimeout(() => this.poll(), 20);
        return;
      }
      if (rows.length < page) return;
    }
  }

  /** Calls `fn` with every batch of new events until the returned function is called. */
  listen(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Events after `after` up to `upTo` (both exclusive / inclusive ids), in id order, a page at a time. */
  async *replay(after: bigint, upTo: bigint): AsyncGenerator<OutboxEvent[]> {
    let from = after;
    while (from < upTo) {
      const { rows } = await sql<OutboxRow>`
        select ${columns} from ${sql.table(outboxTable)}
        where "id" > ${from.toString()} and "id" <= ${upTo.toString()} order by "id" limit ${page}`.execute(
        this.database.db,
      );
      if (!rows.length) return;
      const events = rows.map(toEvent);
      yield events;
      from = events.at(-1)!.id;
    }
  }

  /** The highest event id pruned: a resume point below it has lost events. */
  async horizon(): Promise<bigint> {
    const { rows } = await sql<{ through: string | bigint | null }>`
      select max("through") as through from ${sql.table(outboxHorizonTable)}`.execute(this.database.db);
    return BigInt(rows[0]?.through ?? 0);
  }

  /** Deletes events past the retention (age or count) and moves the horizon; returns how many went. */
  async prune(): Promise<number> {
    const { retentionSeconds, retentionEvents } = this.options;
    const { rows } = await sql<{ n: number | string; through: string | bigint | null }>`
      with gone as (
        delete from ${sql.table(outboxTable)}
        where "at" < now() - make_interval(secs => ${retentionSeconds})
          or "id" <= (select max("id") - ${retentionEvents} from ${sql.table(outboxTable)})
        returning "id"
      ), moved as (
        update ${sql.table(outboxHorizonTable)} set "through" = greatest("through", (select max("id") from gone))
        where exists (select 1 from gone) returning 1
      )
      select (select count(*) from gone) as n, (select count(*) from moved) as through`.execute(
      this.database.db,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Takes a subscription slot for `caller`, or refuses with TOO_MANY_REQUESTS; returns its release. */
  acquire(caller: string): () => void {
    const { maxSubscriptions, maxSubscriptionsPerCaller } = this.options;
    if (this.open >= maxSubscriptions)
      throw new CrudError(
        'TOO_MANY_REQUESTS',
        `this server has ${maxSubscriptions} open subscriptions, its limit; try again later`,
      );
    const mine = this.perCaller.get(caller) ?? 0;
    if (mine >= maxSubscriptionsPerCaller)
      throw new CrudError(
        'TOO_MANY_REQUESTS',
        `you have ${mine} open subscriptions, the limit per caller is ${maxSubscriptionsPerCaller}; close one first`,
      );
    this.open++;
    this.perCaller.set(caller, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      const n = (this.perCaller.get(caller) ?? 1) - 1;
      if (n > 0) this.perCaller.set(caller, n);
      else this.perCaller.delete(caller);
    };
  }

  /** Open subscriptions of this process. */
  get subscriptions(): number {
    return this.open;
  }
}
