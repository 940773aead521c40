import { useEffect } from 'react';

export const appTitle = 'typecrud admin';

/** The document title of a page: "<what> · typecrud admin" (the tab, history and bookmarks say where one is). */
export function pageTitle(what?: string): string {
  return what ? `${what} · ${appTitle}` : appTitle;
}

/** Sets the document title while the page is shown. */
export function useTitle(what: string | undefined): void {
  useEffect(() => {
    document.title = pageTitle(what);
  }, [what]);
}
