import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { createAdminClient, useAuthApi } from './api/trpc.js';
import { clearSession, getSession, subscribeSession } from './auth/session.js';
import { NotFoundPage } from './components/ErrorView.js';
import { entityNames, entityOf, pluralTitle } from './model/entities.js';
import { describeError } from './model/errors.js';
import { matchRoute, paths } from './model/routes.js';
import { overridesOf } from './overrides.js';
import { AccountPage } from './pages/AccountPage.js';
import { DetailPage } from './pages/DetailPage.js';
import { FormPage } from './pages/FormPage.js';
import { ListPage } from './pages/ListPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { Link, navigate, useLocation } from './router.js';

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** Checks the kept token once per session: a token the server no longer accepts signs the user out. */
function useVerifiedSession() {
  const auth = useAuthApi();
  const me = useQuery({ ...auth.me.queryOptions(undefined), staleTime: 5 * 60_000, retry: false });
  useEffect(() => {
    if (me.isError && describeError(me.error).kind === 'unauthorized')
      clearSession('Your session has ended; please sign in again.');
  }, [me.isError, me.error]);
  return me.data;
}

function Page({ pathname, search, email }: { pathname: string; search: string; email: string | undefined }) {
  const route = matchRoute(pathname);
  if (route.name === 'home' || route.name === 'signIn') return <Redirect to={paths.list(entityNames[0]!)} />;
  if (route.name === 'account') return <AccountPage email={email} />;
  if (route.name === 'unknown') return <NotFoundPage />;
  const entity = entityOf(route.entity);
  if (!entity) return <NotFoundPage message={`There is no entity called “${route.entity}”.`} />;
  if ((route.name === 'new' || route.name === 'edit') && overridesOf(entity.name).readOnly) {
    return <NotFoundPage message={`${pluralTitle(entity.name)} are read-only here.`} />;
  }
  switch (route.name) {
    case 'list':
      return <ListPage key={entity.name} entity={entity} search={search} />;
    case 'new':
      return <FormPage key={`${entity.name}:new`} entity={entity} search={search} />;
    case 'detail':
      return <DetailPage key={`${entity.name}:${route.id}`} entity={entity} id={route.id} />;
    case 'edit':
      return <FormPage key={`${entity.name}:${route.id}`} entity={entity} id={route.id} search={search} />;
  }
}

function Shell() {
  const { pathname, search } = useLocation();
  const session = getSession();
  const me = useVerifiedSession();
  const mainRef = useRef<HTMLElement>(null);
  const current = matchRoute(pathname);
  const currentEntity = 'entity' in current ? current.entity : undefined;
  // on a narrow screen the sidebar hides behind a menu button; moving to a page closes it
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    if (pathname) setMenuOpen(false);
  }, [pathname]);

  // A new page moves focus to its heading, so keyboard and screen-reader users start there.
  useEffect(() => {
    if (pathname) mainRef.current?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  }, [pathname]);

  const user = me?.user ?? session?.user;
  // the session ends here at once, and on the server (its tokens refused everywhere) in the background
  const signOut = () => {
    const token = session?.token;
    clearSession();
    if (token)
      createAdminClient(() => token)
        .auth.signOut.mutate()
        .catch(() => {});
  };
  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="entity-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <Link to={paths.home()} className="brand">
          typecrud admin
        </Link>
        <span className="spacer" />
        {user && (
          <Link
            to={paths.account()}
            className="account"
            aria-current={current.name === 'account' ? 'page' : undefined}
          >
            {user.displayName ?? user.email}
          </Link>
        )}
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav id="entity-nav" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Entities">
        <ul>
          {entityNames.map((name) => (
            <li key={name}>
              <Link to={paths.list(name)} aria-current={currentEntity === name ? 'page' : undefined}>
                {pluralTitle(name)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef}>
        <Page pathname={pathname} search={search} email={user?.email} />
      </main>
    </div>
  );
}

/** Signed out: only the sign-in page, whatever the URL (it is kept, so sign-in lands there). */
export function App() {
  const session = useSyncExternalStore(subscribeSession, getSession, getSession);
  if (!session) return <SignInPage />;
  return <Shell />;
}
