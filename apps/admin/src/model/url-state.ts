/** Everything a list view shows, kept in the URL so a view can be shared and reloaded. */
export interface ListState {
  sort?: { field: string; dir: 'asc' | 'desc' };
  /** 1-based. */
  page: number;
  size: number;
  archived: boolean;
  /** Filter inputs by key: `name`, or `createdAt.from` / `createdAt.to` for ranges; values as typed. */
  filters: Record<string, string>;
}

export const pageSizes = [10, 20, 50, 100] as const;
export const defaultPageSize = 20;

const FILTER = 'f.';

/** Reads a list state from a query string (`?sort=name.desc&page=2&f.name=rock`); bad values fall back to defaults. */
export function decodeListState(search: string | URLSearchParams): ListState {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const state: ListState = { page: 1, size: defaultPageSize, archived: false, filters: {} };
  const sort = params.get('sort');
  const match = sort ? /^([A-Za-z0-9_]+)\.(asc|desc)$/.exec(sort) : null;
  if (match) state.sort = { field: match[1]!, dir: match[2] as 'asc' | 'desc' };
  const page = Number(params.get('page'));
  if (Number.isInteger(page) && page > 1) state.page = page;
  const size = Number(params.get('size'));
  if ((pageSizes as readonly number[]).includes(size)) state.size = size;
  state.archived = params.get('archived') === '1';
  for (const [key, value] of params) {
    if (key.startsWith(FILTER) && value !== '') state.filters[key.slice(FILTER.length)] = value;
  }
  return state;
}

/** The query string of a list state, defaults left out; keys in a stable order so equal states give equal URLs. */
export function encodeListState(state: ListState): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(state.filters).sort()) {
    const value = state.filters[key];
    if (value !== undefined && value !== '') params.set(`${FILTER}${key}`, value);
  }
  if (state.sort) params.set('sort', `${state.sort.field}.${state.sort.dir}`);
  if (state.archived) params.set('archived', '1');
  if (state.size !== defaultPageSize) params.set('size', String(state.size));
  if (state.page > 1) params.set('page', String(state.page));
  const out = params.toString();
  return out ? `?${out}` : '';
}

/** The next sort after clicking a column header: ascending, then descending, then none. */
export function nextSort(current: ListState['sort'], field: string): ListState['sort'] {
  if (current?.field !== field) return { field, dir: 'asc' };
  if (current.dir === 'asc') return { field, dir: 'desc' };
  return undefined;
}
