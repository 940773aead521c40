import { describe, expect, it } from 'vitest';
import { decodeListState, encodeListState, nextSort } from './url-state.js';

describe('list state in the URL', () => {
  it('has defaults for an empty query string', () => {
    expect(decodeListState('')).toEqual({ page: 1, size: 20, archived: false, filters: {} });
    expect(encodeListState(decodeListState(''))).toBe('');
  });

  it('round-trips filters, sort, page, size and the archived toggle', () => {
    const state = {
      sort: { field: 'name', dir: 'desc' as const },
      page: 3,
      size: 50,
      archived: true,
      filters: { name: 'rock it', 'createdAt.from': '2026-01-01', isPublic: 'true' },
    };
    const search = encodeListState(state);
    expect(search).toBe(
      '?f.createdAt.from=2026-01-01&f.isPublic=true&f.name=rock+it&sort=name.desc&archived=1&size=50&page=3',
    );
    expect(decodeListState(search)).toEqual(state);
  });

  it('ignores values it cannot use', () => {
    expect(decodeListState('?sort=name;drop&page=-2&size=7&archived=yes&f.name=')).toEqual({
      page: 1,
      size: 20,
      archived: false,
      filters: {},
    });
  });

  it('cycles a header through ascending, descending and unsorted', () => {
    expect(nextSort(undefined, 'name')).toEqual({ field: 'name', dir: 'asc' });
    expect(nextSort({ field: 'name', dir: 'asc' }, 'name')).toEqual({ field: 'name', dir: 'desc' });
    expect(nextSort({ field: 'name', dir: 'desc' }, 'name')).toBeUndefined();
    expect(nextSort({ field: 'name', dir: 'desc' }, 'isPublic')).toEqual({ field: 'isPublic', dir: 'asc' });
  });
});
