import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../errors.js';

/**
 * Opaque keyset cursors: the last row's order values plus a fingerprint of the query,
 * signed with a server key so a client can neither forge one nor reuse one on another query.
 */
export interface CursorCodec {
  encode(values: unknown[], fingerprint: string): string;
  /** The order values, or BAD_REQUEST when the cursor was altered or belongs to another query. */
  decode(cursor: string, fingerprint: string): unknown[];
}

type Encoded = null | string | number | boolean | { d: string } | { b: string };

const toJson = (v: unknown): Encoded => {
  if (v instanceof Date) return { d: v.toISOString() };
  if (typeof v === 'bigint') return { b: v.toString() };
  return v as Encoded;
};
const fromJson = (v: Encoded): unknown => {
  if (v !== null && typeof v === 'object') return 'd' in v ? new Date(v.d) : BigInt(v.b);
  return v;
};

export function createCursorCodec(secret: string): CursorCodec {
  const sign = (body: string) => createHmac('sha256', secret).update(body).digest('base64url').slice(0, 22);
  const invalid = () =>
    badRequest('cursor is invalid', [{ path: ['cursor'], message: 'is not a cursor this server issued' }]);
  return {
    encode(values, fingerprint) {
      const body = Buffer.from(JSON.stringify({ v: values.map(toJson), q: fingerprint })).toString(
        'base64url',
      );
      return `${body}.${sign(body)}`;
    },
    decode(cursor, fingerprint) {
      const [body, mac] = cursor.split('.');
      if (!body || !mac) throw invalid();
      const expected = Buffer.from(sign(body));
      const given = Buffer.from(mac);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
      let parsed: { v: Encoded[]; q: string };
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (parsed.q !== fingerprint) {
        throw badRequest('cursor does not match this query', [
          { path: ['cursor'], message: 'was issued for a different where / orderBy' },
        ]);
      }
      return parsed.v.map(fromJson);
    },
  };
}

/** `where` keys in a fixed order: the same filter written in another key order is the same query. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
  );
}

/**
 * A short fingerprint of what a cursor depends on: the entity, the filter (key order ignored),
 * the order (key order kept: it is the order's precedence) and the archived flag.
 */
export function queryFingerprint(
  entity: string,
  where: unknown,
  orderBy: unknown,
  withArchived: boolean,
): string {
  const json = JSON.stringify([canonical(where ?? null), orderBy ?? null, withArchived], (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : v,
  );
  return createHash('sha256').update(entity).update(json).digest('base64url').slice(0, 16);
}
