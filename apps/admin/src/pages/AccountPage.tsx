import { useMutation } from '@tanstack/react-query';
import { useAuthApi } from '../api/trpc.js';
import { PasswordForm } from '../components/PasswordForm.js';
import { useTitle } from '../title.js';

/** The signed-in user's own account: a new password (the user's other sessions end). */
export function AccountPage({ email }: { email: string | undefined }) {
  useTitle('Your account');
  const auth = useAuthApi();
  const change = useMutation(auth.changePassword.mutationOptions());
  return (
    <section aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          Your account
        </h1>
      </header>
      {email && <p className="muted">Signed in as {email}.</p>}
      <h2>Change your password</h2>
      <PasswordForm
        withCurrent
        submitLabel="Change password"
        busyLabel="Changing…"
        onSubmit={async ({ currentPassword, password }) => {
          const { sessionsEnded } = await change.mutateAsync({ currentPassword, newPassword: password });
          return sessionsEnded === 0
            ? 'Password changed.'
            : `Password changed. ${sessionsEnded} other ${sessionsEnded === 1 ? 'session was' : 'sessions were'} signed out.`;
        }}
      />
    </section>
  );
}
