import { schema } from '@typecrud/demo';
import { appRouter } from '@typecrud/demo/server';
import { testEngines } from '@typecrud/server/testing';
import type { FieldMap } from '@typecrud/shared';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../src/testing.js';
import { type Answer, dataOf, envelope, errorsOf, query, send, signIn } from './http.js';

/**
 * Every procedure of the app router, generated and custom, called over HTTP with arbitrary and
 * adversarial inputs: wrong types, huge / NUL / lone-surrogate strings, deep nesting,
 * `__proto__` keys, NaN / Infinity / -0, out-of-range bigints and dates, huge in-lists, bad
 * cursors, unreadable bodies. Nothing may answer 5xx or crash the server, and every BAD_REQUEST
 * names the field it is about.
 *
 * FUZZ_RUNS inputs per procedure (200 by default; `pnpm --filter @typecrud/api fuzz` runs 10,000),
 * FUZZ_SEED replays a run (a failure prints its seed and shrink path).
 */
const runs = Number(process.env.FUZZ_RUNS ?? 200);
const seed = Number(process.env.FUZZ_SEED ?? 20261202);

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' | 'subscription' };
}
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcedureDef>).map(
  ([path, p]) => ({ path, type: p._def.type }),
);

/** Every field and relation name of the schema, plus the words of the query language: the keys inputs are built from. */
const words = [
  ...new Set([
    ...Object.values(schema.entities).flatMap((e) => [
      ...Object.keys(e.fields as unknown as FieldMap),
      ...schema.relations(e.name).map((r) => r.name),
    ]),
    ...['id', 'ids', 'data', 'where', 'include', 'orderBy', 'limit', 'offset', 'cursor', 'withTotal'],
    ...['withArchived', 'expectedVersion', 'relation', 'connect', 'disconnect', 'set', 'create'],
    ...['select', 'omit', 'distinct', '_count'],
    ...['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'isNull', 'contains', 'startsWith'],
    ...['endsWith', 'mode', 'some', 'none', 'every', 'is', 'isNot', 'AND', 'OR', 'NOT', 'path'],
    ...['equals', 'dir', 'nulls', 'email', 'password', 'currentPassword', 'newPassword', 'userId'],
    ...['__proto__', 'constructor', 'prototype', 'toString', '', ' ', '0', 'a\u0000b', '\uD800'],
  ]),
];

const adversarialStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\u{1F680}',
  '\u200B\uFEFF',
  "'; drop table app_user; --",
  '%00',
  '%2e%2e%2f',
  '\\',
  '"',
  `\${x}`,
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '__proto__',
  'insensitive',
  'asc',
  'desc',
  'published',
  'superadmin',
  '2026-13-45T25:61:00Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'not-a-cursor',
  'eyJ2IjpbXSwicSI6IngifQ.forged',
  'x'.repeat(300),
  'y'.repeat(5000),
];

/**
 * superjson, but able to send `__proto__` keys (its serializer refuses them, as a client
 * should; an attacker's client does not): they travel under a placeholder renamed in the text.
 */
const refused = ['__proto__', 'prototype', 'constructor'];
const placeholder = (k: string) => `PLACEHOLDER-7f3a-${k}`;
function renameProto(v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null || depth > 1000 || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map((x) => renameProto(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [refused.includes(k) ? placeholder(k) : k, renameProto(x, depth + 1)]),
  );
}
const serialize = (input: unknown) =>
  refused.reduce(
    (text, k) => text.replaceAll(placeholder(k), k),
    JSON.stringify(envelope(renameProto(input))),
  );

/** tRPC's own refusals of a body it cannot decode (before any schema sees the input). */
const bodyLevel = /is not allowed as a property|JSON|Unexpected token|needs to be an object/;

type Sent = { kind: 'superjson'; input: unknown } | { kind: 'raw'; body: string };

describe.each(testEngines())('fuzzing every procedure over HTTP, on %s', (engine) => {
  let server: TestServer;
  let token: string;
  const ids: string[] = [];
  const cursors: string[] = [];
  const tally = { inputs: 0, byStatus: new Map<number, number>() };

  beforeAll(async () => {
    server = await startTestServer(engine, { seed: true, callerCacheMs: 1000 });
    token = await signIn(server.url, server.admin.email, server.admin.password);
    // real ids and cursors, so some inputs get past validation into the managers
    for (const entity of ['project', 'tag', 'release', 'organization', 'user']) {
      const page = dataOf<{ items: { id: string }[]; nextCursor: string | null }>(
        await query(server.url, `${entity}.list`, { limit: 2 }, { token }),
      );
      ids.push(...page.items.map((i) => i.id));
      if (page.nextCursor) cursors.push(page.nextCursor, `${page.nextCursor.slice(0, -2)}xx`);
    }
  });
  afterAll(async () => {
    const statuses = [...tally.byStatus.entries()].sort(([a], [b]) => a - b);
    console.log(
      `fuzz on ${engine}: ${tally.inputs} inputs over ${procedures.length} procedures (seed ${seed}, ${runs} per procedure); statuses ${statuses.map(([s, n]) => `${s}: ${n}`).join(', ')}`,
    );
    await server?.close();
  });

  /**
   * The fuzz may archive, demote or delete the admin (updateMany with an empty where), or sign it
   * out (auth.signOut); each procedure starts with it restored and its sessions live.
   */
  const restoreAdmin = async () => {
    await sql`update app_user set archived_at = null, role = 'superadmin' where id = ${server.admin.id}::uuid`.execute(
      server.database.db,
    );
    await sql`update auth_session set revoked_at = null where user_id = ${server.admin.id}::uuid`.execute(
      server.database.db,
    );
  };

  /** The arbitraries, built once the real ids and cursors are known. */
  const build = () => {
    const leaf = () =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...adversarialStrings) },
        { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
        {
          weight: 1,
          arbitrary: fc.string({
            unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
            maxLength: 3,
          }),
        },
        { weight: 2, arbitrary: fc.constantFrom(...ids, ...cursors) },
        { weight: 1, arbitrary: fc.uuid() },
        { weight: 2, arbitrary: fc.integer() },
        {
          weight: 1,
          arbitrary: fc.constantFrom(0, -1, 1, 100, 101, 1000, 1001, 2 ** 31, 2 ** 53, -(2 ** 63)),
        },
        { weight: 2, arbitrary: fc.double() }, // NaN, Infinity, -0 included
        { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
        {
          weight: 1,
          arbitrary: fc.date({ noInvalidDate: false, min: new Date(-8.64e15), max: new Date(8.64e15) }),
        },
        { weight: 2, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
      );

    const tree = fc.letrec<{ node: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', maxDepth: 6 }, leaf(), tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 4 }),
      object: fc.dictionary(fc.constantFrom(...words), tie('node'), { maxKeys: 5 }),
    })).node;

    /** Nesting far past every depth limit: NOT in NOT, include in include, arrays in arrays. */
    const deep = fc
      .record({
        depth: fc.integer({ min: 6, max: 400 }),
        key: fc.constantFrom('NOT', 'include', 'where', 'some', 'AND', 'tags', 'data', '__proto__'),
        asArray: fc.boolean(),
      })
      .map(({ depth, key, asArray }) => {
        let v: unknown = { name: 'x' };
        for (let i = 0; i < depth; i++) v = asArray ? [v] : { [key]: v };
        return v;
      });

    /** Lists past the 1,000-value limit, in filters and writes. */
    const huge = fc
      .record({
        n: fc.integer({ min: 900, max: 3000 }),
        where: fc.constantFrom('id', 'name', 'label', 'email', 'status'),
        op: fc.constantFrom('in', 'notIn'),
      })
      .map(({ n, where, op }) => ({
        where: { [where]: { [op]: Array.from({ length: n }, (_v, i) => (i % 2 ? i : `v${i}`)) } },
        ids: Array.from({ length: n }, () => '00000000-0000-4000-8000-000000000000'),
      }));

    /** The shape procedures expect, filled with arbitrary parts. */
    const shaped = fc.record(
      {
        id: fc.oneof(fc.constantFrom(...ids), leaf()),
        where: tree,
        include: tree,
        select: tree,
        omit: tree,
        distinct: tree,
        orderBy: tree,
        limit: leaf(),
        offset: leaf(),
        cursor: fc.oneof(fc.constantFrom(...cursors), leaf()),
        data: tree,
        email: leaf(),
        password: leaf(),
        label: leaf(),
        name: leaf(),
        relation: fc.oneof(fc.constantFrom('tags', 'projects', 'releases'), leaf()),
        ids: fc.array(fc.oneof(fc.constantFrom(...ids), leaf()), { maxLength: 5 }),
      },
      { requiredKeys: [] },
    );

    const sent: fc.Arbitrary<Sent> = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .oneof(shaped, tree, deep, huge, leaf())
          .map((input) => ({ kind: 'superjson' as const, input })),
      },
      {
        weight: 1,
        arbitrary: fc.array(shaped, { maxLength: 3 }).map((input) => ({ kind: 'superjson' as const, input })),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((body) => ({ kind: 'raw' as const, body })) },
      { weight: 1, arbitrary: fc.json().map((body) => ({ kind: 'raw' as const, body })) },
    );
    return sent;
  };
  let sentArbitrary: fc.Arbitrary<Sent> | undefined;

  const call = async (path: string, type: string, s: Sent): Promise<Answer> => {
    const text = s.kind === 'raw' ? s.body : serialize(s.input);
    const options =
      type === 'query' ? { query: `input=${encodeURIComponent(text)}`, token } : { body: text, token };
    const tooLong = type === 'query' && options.query!.length > 15_000;
    try {
      return await send(server.url, `/trpc/${path}`, options);
    } catch (e) {
      // past Node's 16 kB header limit the server answers 431 and may drop the socket before the client reads it
      if (tooLong) return { status: 431, headers: {}, body: undefined, text: (e as Error).message };
      // a kept-alive socket the server closed after its previous answer (a 413 or 431 ends the
      // connection): once more on a fresh one; a server that crashed refuses that too
      return send(server.url, `/trpc/${path}`, { ...options, fresh: true });
    }
  };

  /** What every answer must satisfy. */
  const check = (answer: Answer, s: Sent) => {
    tally.inputs++;
    tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1);
    if (answer.status >= 500) throw new Error(`answered ${answer.status}: ${answer.text.slice(0, 400)}`);
    // 413 / 414 / 431 come from HTTP itself (the URL or the body is too big); all else is tRPC's shape
    if ([413, 414, 431].includes(answer.status) && errorsOf(answer).length === 0) return;
    if (answer.status === 200) return;
    const errors = errorsOf(answer);
    if (errors.length === 0)
      throw new Error(`answered ${answer.status} without a tRPC error: ${answer.text.slice(0, 400)}`);
    for (const error of errors) {
      if (error.data.code !== 'BAD_REQUEST') continue;
      const issues = error.data.typecrud?.issues ?? [];
      // a body that is not JSON (or that superjson refuses to decode) has no field to name;
      // an input of the wrong type is wrong as a whole (path [])
      if ((s.kind === 'raw' || bodyLevel.test(error.message)) && !issues.length) continue;
      const whole = (i: { path: unknown[]; message: string }) =>
        i.path.length === 0 && /^Invalid input: expected \w+, received \w+$/.test(i.message);
      // a list input (createMany) is its own field: its size is reported at the root
      const list = s.kind === 'superjson' && Array.isArray(s.input);
      const wrongType = issues.some(whole);
      if (!issues.length || issues.some((i) => i.path.length === 0 && !wrongType && !list))
        throw new Error(`a BAD_REQUEST that names no field: ${JSON.stringify(error).slice(0, 400)}`);
    }
  };

  it.each(procedures)('$path', async ({ path, type }) => {
    await restoreAdmin();
    sentArbitrary ??= build();
    await fc.assert(
      fc.asyncProperty(sentArbitrary, async (s) => check(await call(path, type, s), s)),
      { numRuns: runs, seed, endOnFailure: false },
    );
    expect(tally.inputs).toBeGreaterThan(0);
  });
});
