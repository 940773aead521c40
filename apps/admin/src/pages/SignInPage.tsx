import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useAuthApi } from '../api/trpc.js';
import { setSession, takeSignOutReason } from '../auth/session.js';
import { describeError } from '../model/errors.js';
import { paths } from '../model/routes.js';
import { navigate } from '../router.js';
import { useTitle } from '../title.js';

/** The only page a signed-out visitor sees; after signing in they land on the page they asked for. */
export function SignInPage() {
  useTitle('Sign in');
  const auth = useAuthApi();
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [reason] = useState(() => takeSignOutReason());
  const signIn = useMutation(auth.signIn.mutationOptions());
  const [error, setError] = useState<{ message: string; fields: Record<string, string>; retry: boolean }>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const { token, expiresAt, refreshToken, user } = await signIn.mutateAsync({
        email: email.trim(),
        password,
      });
      setSession({ token, expiresAt: new Date(expiresAt).toISOString(), refreshToken, user });
      if (window.location.pathname === paths.signIn()) navigate(paths.home(), { replace: true });
    } catch (err) {
      const d = describeError(err);
      setError({
        message:
          d.kind === 'unauthorized'
            ? 'The email or password is not right.'
            : d.kind === 'connection'
              ? 'The server could not be reached.'
              : d.message,
        fields: d.fields,
        retry: d.kind === 'connection',
      });
    }
  };

  return (
    <main className="sign-in" id="main">
      <form onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
        <h1 id={`${id}-title`}>Sign in to typecrud admin</h1>
        {reason && (
          <p className="banner info" role="status">
            {reason}
          </p>
        )}
        {error && (
          <div className="banner error" role="alert">
            <span>{error.message}</span>
            {error.retry && (
              <button type="submit" className="link">
                Retry
              </button>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="username"
            required
            // biome-ignore lint/a11y/noAutofocus: the page's only task starts here
            autoFocus
            value={email}
            aria-invalid={error?.fields.email ? true : undefined}
            onChange={(e) => setEmail(e.target.value)}
          />
          {error?.fields.email && <p className="field-error">{error.fields.email}</p>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            aria-invalid={error?.fields.password ? true : undefined}
            onChange={(e) => setPassword(e.target.value)}
          />
          {error?.fields.password && <p className="field-error">{error.fields.password}</p>}
        </div>
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
