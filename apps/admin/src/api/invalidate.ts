import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';

/**
 * After a write, every cached read may be stale (a row shows in other entities' relations and
 * pickers), so all of them refetch; only the visible ones actually go to the network.
 */
export function useInvalidateAll(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(() => client.invalidateQueries(), [client]);
}
