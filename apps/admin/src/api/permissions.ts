import { useQuery } from '@tanstack/react-query';
import type { EntityPermissions, RowPermissions } from '@typecrud/server';
import type { AnyEntity } from '@typecrud/shared';
import { overridesOf } from '../overrides.js';
import { useEntityApi } from './trpc.js';

const none: RowPermissions = { update: false, delete: false, archive: false };

export interface Permissions {
  /** Whether the answer is in: until then nothing that writes is offered. */
  known: boolean;
  entity: EntityPermissions | undefined;
  /** The caller's permissions on one listed row (none until known, or when the row was not asked). */
  row(id: string): RowPermissions;
  create: boolean;
  readOnlyFields: readonly string[];
}

/**
 * What the caller may do with `entity` and with the rows `ids`, as the server's rules say
 * (`<entity>.permissions`). A read-only entity (an override) allows nothing.
 */
export function usePermissions(entity: AnyEntity, ids: readonly string[] = []): Permissions {
  const api = useEntityApi(entity.name);
  const readOnly = overridesOf(entity.name).readOnly === true;
  const sorted = [...ids].sort();
  const query = useQuery({
    ...api.permissions.queryOptions(sorted.length ? { ids: sorted } : {}, { enabled: !readOnly }),
    staleTime: 10_000,
  });
  const p = readOnly ? undefined : query.data;
  return {
    known: p !== undefined,
    entity: p,
    row: (id) => p?.rows[id] ?? none,
    create: p?.create ?? false,
    readOnlyFields: p?.readOnlyFields ?? [],
  };
}
