import { describeError } from '../model/errors.js';
import { sentence } from '../model/outcomes.js';
import { paths } from '../model/routes.js';
import { Link } from '../router.js';
import { useTitle } from '../title.js';

/**
 * A failed load shown where the page would be: not found, forbidden, a lost connection with a
 * retry. `inline` is for a part of a page that has its own title (its heading is then an h2).
 */
export function ErrorView({
  error,
  onRetry,
  inline,
}: {
  error: unknown;
  onRetry?: () => void;
  inline?: boolean;
}) {
  const e = describeError(error);
  const H = inline ? 'h2' : 'h1';
  if (e.kind === 'notFound' && !inline) return <NotFoundPage message={e.message} />;
  if (e.kind === 'forbidden') {
    return (
      <section className="error-page" aria-labelledby="error-title">
        <H id="error-title" tabIndex={-1}>
          Not allowed
        </H>
        <p>You do not have permission to see this. {e.message}</p>
        <Link to={paths.home()}>Back to the start</Link>
      </section>
    );
  }
  if (e.kind === 'connection') {
    return (
      <section className="error-page" role="alert">
        <H tabIndex={-1}>Connection lost</H>
        <p>The server could not be reached. Check the connection and try again.</p>
        {onRetry && (
          <button type="button" className="primary" onClick={onRetry}>
            Retry
          </button>
        )}
      </section>
    );
  }
  return (
    <section className="error-page" role="alert">
      <H tabIndex={-1}>Something went wrong</H>
      <p>{e.message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </section>
  );
}

export function NotFoundPage({ message }: { message?: string }) {
  useTitle('Not found');
  return (
    <section className="error-page" aria-labelledby="error-title">
      <h1 id="error-title" tabIndex={-1}>
        Not found
      </h1>
      <p>{message ?? 'There is no page here.'}</p>
      <Link to={paths.home()}>Back to the start</Link>
    </section>
  );
}

/** A mutation's failure as a banner, with a retry when the connection was lost. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = describeError(error);
  return (
    <div className="banner error" role="alert">
      <span>
        {e.kind === 'connection'
          ? 'The server could not be reached.'
          : e.kind === 'forbidden'
            ? `Not allowed. ${sentence(e.message)}`
            : sentence(e.message)}
      </span>
      {onRetry && e.kind === 'connection' && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
