/** Helpers the hand-written contenders share: the output shapes typecrud returns, by hand. */

/** Embedded JSON carries timestamps as strings and bigints as text; typecrud's results carry Date and bigint. */
export function reviveDates<T extends Record<string, unknown>>(row: T, fields: readonly string[]): T {
  for (const f of fields) {
    const v = row[f];
    if (typeof v === 'string') (row as Record<string, unknown>)[f] = new Date(v);
  }
  return row;
}

export const projectDates = ['createdAt', 'updatedAt', 'archivedAt'] as const;
export const releaseDates = ['createdAt', 'updatedAt', 'archivedAt', 'releasedAt'] as const;
export const tagDates = ['createdAt', 'updatedAt'] as const;

export function reviveRelease<T extends Record<string, unknown>>(row: T): T {
  reviveDates(row, releaseDates);
  const d = row.downloads;
  if (typeof d === 'string' || typeof d === 'number') (row as Record<string, unknown>).downloads = BigInt(d);
  return row;
}

/** An opaque cursor for the next page: the last row's sort values (no signature: the floor). */
export const encodeCursor = (values: unknown[]): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');

export class NotFound extends Error {}
export class Conflict extends Error {}
