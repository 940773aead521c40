/** The admin's pages, by URL path. */
export type Route =
  | { name: 'home' }
  | { name: 'signIn' }
  | { name: 'account' }
  | { name: 'list'; entity: string }
  | { name: 'new'; entity: string }
  | { name: 'detail'; entity: string; id: string }
  | { name: 'edit'; entity: string; id: string }
  | { name: 'unknown'; path: string };

/** Matches a path against the admin's routes; entity names are checked by the caller. */
export function matchRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'home' };
  const [first, second, third] = parts;
  if (parts.length === 1 && first === 'sign-in') return { name: 'signIn' };
  // `-` is never an entity name: the admin's own pages live under it
  if (parts.length === 2 && first === '-' && second === 'account') return { name: 'account' };
  if (first === '-') return { name: 'unknown', path: pathname };
  if (parts.length === 1) return { name: 'list', entity: first! };
  if (parts.length === 2 && second === 'new') return { name: 'new', entity: first! };
  if (parts.length === 2) return { name: 'detail', entity: first!, id: second! };
  if (parts.length === 3 && third === 'edit') return { name: 'edit', entity: first!, id: second! };
  return { name: 'unknown', path: pathname };
}

export const paths = {
  home: () => '/',
  signIn: () => '/sign-in',
  account: () => '/-/account',
  list: (entity: string, search = '') => `/${encodeURIComponent(entity)}${search}`,
  create: (entity: string) => `/${encodeURIComponent(entity)}/new`,
  detail: (entity: string, id: string) => `/${encodeURIComponent(entity)}/${encodeURIComponent(id)}`,
  edit: (entity: string, id: string) => `/${encodeURIComponent(entity)}/${encodeURIComponent(id)}/edit`,
};
