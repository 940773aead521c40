import { tracked } from '@trpc/server';
import type { AnyEntity, EntityMap, ListQuery, Row, Where } from '@typecrud/shared';
import type { Caller } from '../context.js';
import { badRequest } from '../errors.js';
import type { Manager } from '../manager.js';
import { metaOf } from '../query/entity-meta.js';
import type { Executor } from '../transaction.js';
import type { ChangeAction, LiveHub, OutboxEvent } from './hub.js';

/**
 * A change of one row as a subscriber receives it: the row as the subscriber may read it now,
 * or, for a row deleted or gone out of its sight (another tenant, its `where`), a removal with no values.
 */
export interface ChangeEvent<R> {
  /** The outbox id: resume after it with `lastEventId`. */
  readonly id: string;
  readonly entity: string;
  readonly action: ChangeAction;
  readonly rowId: string;
  /** true: the row is gone for this subscriber (deleted, or no longer readable / matching); `row` is null. */
  readonly removed: boolean;
  /** The row now, read under the subscriber's read rule (hidden fields never appear). */
  readonly row: R | null;
  readonly version: number | null;
  /** Fields the change set (updates), or the relation (connect / disconnect); empty for a removal. */
  readonly changedFields: readonly string[];
  readonly tenant: string | null;
  /** Who made the change (the caller's id); null for a removal. */
  readonly actor: string | null;
  readonly at: Date;
}

export interface OnChangeInput<S extends EntityMap, E extends AnyEntity> {
  /** Only rows matching this (under the read rule too); a row that stops matching arrives as a removal. */
  readonly where?: Where<S, E> | undefined;
  /** Only these rows. */
  readonly ids?: readonly string[] | undefined;
  /** Resume after this event (tRPC sends the last one it received when it reconnects). */
  readonly lastEventId?: string | null | undefined;
}

const seenMax = 10_000;

/** What the subscription of `caller` to `entity` yields: tracked events, rules applied at delivery. */
export async function* changes<S extends EntityMap, E extends AnyEntity>(opts: {
  hub: LiveHub;
  manager: Manager<S, E>;
  db: Executor;
  caller: Caller | null;
  input: OnChangeInput<S, E>;
  signal: AbortSignal | undefined;
}) {
  const { hub, manager, db, caller, input } = opts;
  const entity = manager.entity;
  const meta = metaOf(entity);
  const fieldOf = new Map(meta.readColumns.map((c) => [c.column, c.field]));
  const archivable = meta.archivable;
  const maxLimit = entity.limits.maxLimit;
  const ids = input.ids ? new Set(input.ids) : undefined;
  let after: bigint | undefined;
  if (input.lastEventId != null) {
    if (!/^\d{1,19}$/.test(input.lastEventId))
      throw badRequest('lastEventId is not an event id', [
        { path: ['lastEventId'], message: 'must be the id of an event' },
      ]);
    after = BigInt(input.lastEventId);
  }
  await hub.start();
  const release = hub.acquire(caller ? caller.userId : 'anonymous');
  const queue: OutboxEvent[][] = [];
  let wake: (() => void) | undefined;
  const unlisten = hub.listen((events) => {
    if (hub.closed) wake?.();
    const mine = events.filter((e) => e.entity === entity.name && (!ids || ids.has(e.rowId)));
    if (!mine.length) return;
    queue.push(mine);
    wake?.();
  });
  const onAbort = () => wake?.();
  opts.signal?.addEventListener('abort', onAbort);
  // rows this subscriber was shown: their removal is news to it
  const seen = new Set<string>();
  const tenants = new Set(caller?.memberships.map((m) => m.tenantId) ?? []);
  const mayKnowOf = (e: OutboxEvent) =>
    seen.has(e.rowId) ||
    (e.action !== 'create' &&
      e.previousTenant !== null &&
      (caller?.superadmin === true || tenants.has(e.previousTenant)));

  /** The subscriber's view of events: one read of their rows under its read rule per chunk. */
  async function view(events: readonly OutboxEvent[]): Promise<ChangeEvent<Row<E>>[]> {
    const out: ChangeEvent<Row<E>>[] = [];
    for (let i = 0; i < events.length; ) {
      const chunk: OutboxEvent[] = [];
      const rowIds = new Set<string>();
      while (i < events.length && (rowIds.size < maxLimit || rowIds.has(events[i]!.rowId))) {
        chunk.push(events[i]!);
        rowIds.add(events[i]!.rowId);
        i++;
      }
      const idIn = { id: { in: [...rowIds] } } as unknown as Where<S, E>;
      const query = {
        where: input.where ? ({ AND: [idIn, input.where] } as Where<S, E>) : idIn,
        limit: rowIds.size,
        ...(archivable ? { withArchived: true } : {}),
      } as ListQuery<S, E>;
      const page = await manager.list({ db, caller }, query as never);
      const rows = new Map((page.items as Row<E>[]).map((r) => [(r as { id: string }).id, r]));
      for (const e of chunk) {
        const row = e.action === 'delete' ? undefined : rows.get(e.rowId);
        const fields =
          e.action === 'connect' || e.action === 'disconnect'
            ? e.changedFields
            : e.changedFields.flatMap((c) => {
                const f = fieldOf.get(c);
                return f ? [f] : [];
              });
        // an update of hidden fields only is no news to a subscriber
        if (row && e.action === 'update' && fields.length === 0) continue;
        if (row) {
          if (seen.size >= seenMax) seen.delete(seen.values().next().value as string);
          seen.add(e.rowId);
          out.push({
            id: e.id.toString(),
            entity: e.entity,
            action: e.action,
            rowId: e.rowId,
            removed: false,
            row,
            version: e.version,
            changedFields: fields,
            tenant: e.tenant,
            actor: e.actor,
            at: e.at,
          });
        } else if (mayKnowOf(e)) {
          seen.delete(e.rowId);
          out.push({
            id: e.id.toString(),
            entity: e.entity,
            action: e.action,
            rowId: e.rowId,
            removed: true,
            row: null,
            version: null,
            changedFields: [],
            tenant: null,
            actor: null,
            at: e.at,
          });
        }
      }
    }
    return out;
  }

  try {
    let last = hub.position;
    if (after !== undefined) {
      const horizon = await hub.horizon();
      if (after < horizon)
        throw badRequest(
          `lastEventId ${after} is older than the events kept (from ${horizon + 1n}): reload, then subscribe without it`,
          [{ path: ['lastEventId'], message: 'older than the retained events' }],
        );
      for await (const events of hub.replay(after, last)) {
        const mine = events.filter((e) => e.entity === entity.name && (!ids || ids.has(e.rowId)));
        for (const ev of await view(mine)) yield tracked(ev.id, ev);
      }
      if (after > last) last = after;
    }
    let idleSince = Date.now();
    while (!opts.signal?.aborted && !hub.closed) {
      const batch = queue.shift();
      if (!batch) {
        const left = hub.options.idleTimeoutMs - (Date.now() - idleSince);
        if (left <= 0) return;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
        continue;
      }
      const fresh = batch.filter((e) => e.id > last);
      if (!fresh.length) continue;
      last = fresh.at(-1)!.id;
      const delivered = await view(fresh);
      if (delivered.length) idleSince = Date.now();
      for (const ev of delivered) yield tracked(ev.id, ev);
    }
  } finally {
    unlisten();
    release();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
