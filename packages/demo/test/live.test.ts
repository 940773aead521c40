import type { ChangeEvent, ManagerContext } from '@typecrud/server';
import { createCallerFactory } from '@typecrud/server';
import { testEngines } from '@typecrud/server/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/server/index.js';
import { type Api, useApp } from './fixtures.js';

const createCaller = createCallerFactory(appRouter);

type Event = ChangeEvent<Record<string, unknown>>;

/** Reads a subscription's events into a list, in the background, until stopped. */
function watch(open: (signal: AbortSignal) => Promise<AsyncIterable<unknown>>) {
  const abort = new AbortController();
  const events: Event[] = [];
  let error: unknown;
  let done = false;
  let iterator: AsyncIterator<unknown> | undefined;
  const running = (async () => {
    try {
      iterator = (await open(abort.signal))[Symbol.asyncIterator]();
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        const v = next.value as [string, Event] | { data: Event };
        events.push(Array.isArray(v) ? v[1] : v.data);
      }
    } catch (e) {
      error = e;
    } finally {
      done = true;
    }
  })();
  return {
    events,
    get error() {
      return error;
    },
    get done() {
      return done;
    },
    /** Waits until `n` events arrived (or the subscription ended / 15 s passed: a loaded machine delivers late). */
    async until(n: number, ms = 15_000) {
      const end = Date.now() + ms;
      while (events.length < n && !done && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return events;
    },
    async stop() {
      abort.abort();
      await iterator?.return?.();
      await running;
    },
  };
}

const settle = (ms = 1000) => new Promise((r) => setTimeout(r, ms));

describe.each(testEngines())('change events on %s', (engine) => {
  const app = useApp(engine);
  let sys: ManagerContext;
  let orgA: { id: string };
  let orgB: { id: string };
  let ada: Api;
  let gus: Api;
  let adaP: ManagerContext['caller'];
  let gusP: ManagerContext['caller'];
  let admin: ManagerContext['caller'];
  /** A caller whose subscriptions end when `signal` aborts (as a closed HTTP request does). */
  const live = (signal: AbortSignal, caller: ManagerContext['caller']) =>
    createCaller({ services: app.services, db: app.database.db, caller }, { signal });
  beforeAll(async () => {
    sys = app.ctx;
    const m = app.system.managers;
    orgA = await m.organization.create(sys, { name: 'Live A', slug: 'live-a' });
    orgB = await m.organization.create(sys, { name: 'Live B', slug: 'live-b' });
    const a = await m.user.create(sys, { email: 'ada@live.test', displayName: 'Ada' });
    const g = await m.user.create(sys, { email: 'gus@live.test', displayName: 'Gus' });
    await m.membership.create(sys, {
      organizationId: orgA.id,
      userId: a.id,
      role: 'owner',
      status: 'active',
    });
    await m.membership.create(sys, {
      organizationId: orgB.id,
      userId: g.id,
      role: 'owner',
      status: 'active',
    });
    adaP = { userId: a.id, superadmin: false, memberships: [{ tenantId: orgA.id, role: 'owner' }] };
    gusP = { userId: g.id, superadmin: false, memberships: [{ tenantId: orgB.id, role: 'owner' }] };
    admin = sys.caller;
    ada = app.as(adaP);
    gus = app.as(gusP);
  });
  afterAll(async () => {
    await app.services.live?.stop();
  });

  it('yields one event per committed change, every action, with the actor and the changed fields', async () => {
    const w = watch((s) => live(s, admin).project.onChange());
    await settle();
    const p = await app.api.project.create({ organizationId: orgA.id, name: 'Rocket' });
    await app.api.project.update({ id: p.id, data: { description: 'to the moon' } });
    await app.api.project.archive({ id: p.id });
    await app.api.project.restore({ id: p.id });
    const tag = await app.api.tag.create({ label: 'live-tag' });
    await app.api.project.connect({ id: p.id, relation: 'tags', ids: [tag.id] });
    await app.api.project.disconnect({ id: p.id, relation: 'tags', ids: [tag.id] });
    await app.api.project.delete({ id: p.id });
    const events = await w.until(9);
    await w.stop();
    // a link change bumps the project's version: its own update event follows
    expect(events.map((e) => e.action)).toEqual([
      'create',
      'update',
      'archive',
      'restore',
      'connect',
      'update',
      'disconnect',
      'update',
      'delete',
    ]);
    expect(events.every((e) => e.rowId === p.id && e.entity === 'project')).toBe(true);
    expect(events.filter((e) => !e.removed).every((e) => e.actor === app.adminId)).toBe(true);
    expect(events.filter((e) => !e.removed).length).toBeGreaterThanOrEqual(5);
    expect(events[1]!.changedFields).toEqual(expect.arrayContaining(['description', 'version', 'updatedAt']));
    // the row as it is at delivery; the event's version is the one the change made
    expect(events[1]!.row).toMatchObject({ id: p.id, description: 'to the moon' });
    expect(events[1]!.version).toBe(2);
    expect(events[1]!.tenant).toBe(orgA.id);
    expect(events[4]!.changedFields).toEqual(['tags']);
    expect(events[8]).toMatchObject({ removed: true, row: null });
    const ids = events.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('covers bulk writes, cascades and raw SQL, and nothing of a rolled-back write', async () => {
    const org = await app.api.organization.create({ name: 'Cascade', slug: 'live-cascade' });
    const w = watch((s) => live(s, admin).project.onChange());
    await settle();
    const made = await app.api.project.createMany([
      { organizationId: org.id, name: 'One' },
      { organizationId: org.id, name: 'Two' },
      { organizationId: org.id, name: 'Three' },
    ]);
    await app.api.project.updateMany({ where: { organizationId: org.id }, data: { isPublic: true } });
    // rolled back: the second row breaks the unique (organizationId, name)
    await expect(
      app.api.project.createMany([
        { organizationId: org.id, name: 'Four' },
        { organizationId: org.id, name: 'One' },
      ]),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await sql`update project set description = 'raw' where id = ${made.ids[0]!}::uuid`.execute(
      app.database.db,
    );
    // events show rows as they are at delivery: let the raw update arrive before the rows go
    await w.until(7);
    await app.api.organization.delete({ id: org.id });
    const events = await w.until(10);
    await settle();
    await w.stop();
    expect(events.map((e) => e.action)).toEqual([
      ...['create', 'create', 'create'],
      ...['update', 'update', 'update'],
      'update',
      ...['delete', 'delete', 'delete'],
    ]);
    expect(
      events
        .slice(0, 3)
        .map((e) => e.rowId)
        .sort(),
    ).toEqual([...made.ids].sort());
    expect(events[6]).toMatchObject({ rowId: made.ids[0], changedFields: ['description'] });
    expect(events.some((e) => (e.row as { name?: string } | null)?.name === 'Four')).toBe(false);
  });

  it('resumes after lastEventId with nothing lost, and refuses a resume point retention removed', async () => {
    const first = watch((s) => live(s, admin).project.onChange());
    await settle();
    const p = await app.api.project.create({ organizationId: orgA.id, name: 'Resume' });
    const [created] = await first.until(1);
    await first.stop();
    // written while nobody listens
    await app.api.project.update({ id: p.id, data: { description: 'one' } });
    await app.api.project.update({ id: p.id, data: { description: 'two' } });
    await settle();
    const again = watch((s) => live(s, admin).project.onChange({ lastEventId: created!.id }));
    await app.api.project.update({ id: p.id, data: { description: 'three' } });
    const events = await again.until(3);
    await again.stop();
    expect(events.map((e) => [e.action, e.version])).toEqual([
      ['update', 2],
      ['update', 3],
      ['update', 4],
    ]);
    // retention: keep 1 event, so the resume point is gone
    const hub = app.services.live!;
    const before = hub.options.retentionEvents;
    (hub.options as { retentionEvents: number }).retentionEvents = 1;
    expect(await hub.prune()).toBeGreaterThan(0);
    (hub.options as { retentionEvents: number }).retentionEvents = before;
    const old = watch((s) => live(s, admin).project.onChange({ lastEventId: created!.id }));
    await old.until(1, 1000);
    expect(old.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('older than') });
    const bad = watch((s) => live(s, admin).project.onChange({ lastEventId: 'x' }));
    await bad.until(1, 1000);
    expect(bad.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('lastEventId') });
  });

  it('leaks nothing across tenants: a row moved away arrives as a removal, hidden fields never appear', async () => {
    const aWatch = watch((s) => live(s, adaP).project.onChange());
    const gWatch = watch((s) => live(s, gusP).project.onChange());
    await settle();
    const secret = await gus.project.create({ organizationId: orgB.id, name: 'B secret' });
    await gus.project.update({ id: secret.id, data: { description: 'still secret' } });
    const mine = await ada.project.create({ organizationId: orgA.id, name: 'A mine' });
    await ada.project.update({ id: mine.id, data: { description: 'visible' } });
    await aWatch.until(2);
    await gWatch.until(2);
    // moved to B behind the API's back (raw SQL): A loses sight of it
    await sql`update project set organization_id = ${orgB.id}::uuid where id = ${mine.id}::uuid`.execute(
      app.database.db,
    );
    const a = await aWatch.until(3);
    const g = await gWatch.until(3);
    await settle();
    await aWatch.stop();
    await gWatch.stop();
    expect(a.map((e) => [e.action, e.removed])).toEqual([
      ['create', false],
      ['update', false],
      ['update', true],
    ]);
    expect(a.some((e) => e.rowId === secret.id)).toBe(false);
    expect(a[2]).toMatchObject({ rowId: mine.id, row: null, changedFields: [], tenant: null, actor: null });
    expect(g.map((e) => [e.rowId, e.action, e.removed])).toEqual([
      [secret.id, 'create', false],
      [secret.id, 'update', false],
      [mine.id, 'update', false],
    ]);
    expect(g[2]!.row).toMatchObject({ organizationId: orgB.id, description: 'visible' });

    // the password hash is hidden: not in rows, not in changed fields, and a change of it alone is no event
    const uWatch = watch((s) => live(s, admin).user.onChange());
    await settle();
    const u = await app.api.user.create({ email: 'hidden@live.test', displayName: 'Hid' });
    await sql`update app_user set password_hash = 'x' where id = ${u.id}::uuid`.execute(app.database.db);
    await app.api.user.update({ id: u.id, data: { displayName: 'Hidden' } });
    const ue = await uWatch.until(2);
    await settle();
    await uWatch.stop();
    expect(ue.map((e) => e.action)).toEqual(['create', 'update']);
    for (const e of ue) {
      expect(Object.keys(e.row ?? {})).not.toContain('passwordHash');
      expect(e.changedFields).not.toContain('passwordHash');
    }
  });

  it('filters by where and ids, and refuses signed-out callers', async () => {
    const w = watch((s) => live(s, adaP).project.onChange({ where: { name: { startsWith: 'Only' } } }));
    await settle();
    const x = await ada.project.create({ organizationId: orgA.id, name: 'Only this' });
    await ada.project.create({ organizationId: orgA.id, name: 'Not this' });
    await ada.project.update({ id: x.id, data: { name: 'Renamed' } });
    const events = await w.until(2);
    await settle();
    await w.stop();
    expect(events.map((e) => [e.rowId, e.action, e.removed])).toEqual([
      [x.id, 'create', false],
      [x.id, 'update', true],
    ]);
    const anon = watch((s) => live(s, null).project.onChange());
    await anon.until(1, 1000);
    expect(anon.error).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('bounds subscriptions per caller with a clear error', async () => {
    const hub = app.services.live!;
    const max = hub.options.maxSubscriptionsPerCaller;
    const open = Array.from({ length: max }, () => watch((s) => live(s, gusP).project.onChange()));
    await settle();
    const over = watch((s) => live(s, gusP).project.onChange());
    await over.until(1, 1000);
    expect(over.error).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringContaining('limit'),
    });
    for (const w of open) await w.stop();
    const after = watch((s) => live(s, gusP).project.onChange());
    await settle();
    expect(after.error).toBeUndefined();
    await after.stop();
  });
});
