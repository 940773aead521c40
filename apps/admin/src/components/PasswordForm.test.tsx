import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { checkNewPassword, PasswordForm } from './PasswordForm.js';

const errorOf = (label: string) => {
  const id = screen.getByLabelText(label).getAttribute('aria-describedby');
  return id ? document.getElementById(id)?.textContent : undefined;
};

describe('password form', () => {
  it("checks the API's rule and the repeat before anything is sent", () => {
    expect(checkNewPassword('short', 'short')).toEqual({ password: 'must be at least 8 characters' });
    expect(checkNewPassword('long enough', 'long enoug')).toEqual({
      confirm: 'does not match the new password',
    });
    expect(checkNewPassword('x'.repeat(201), 'x'.repeat(201))).toEqual({
      password: 'must be at most 200 characters',
    });
    expect(checkNewPassword('long enough', 'long enough')).toEqual({});
  });

  it('sends nothing while a field is wrong, then sends once and says what happened', async () => {
    const sent: { currentPassword: string; password: string }[] = [];
    render(
      <PasswordForm
        withCurrent
        submitLabel="Change password"
        busyLabel="Changing…"
        onSubmit={async (input) => {
          sent.push(input);
          return 'Password changed.';
        }}
      />,
    );
    fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect(errorOf('Current password')).toBe('is required');
    expect(errorOf('New password')).toBe('must be at least 8 characters');
    expect(errorOf('Repeat the new password')).toBe('does not match the new password');
    expect(sent).toEqual([]);

    fireEvent.change(screen.getByLabelText('Current password'), { target: { value: 'old-password' } });
    fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'new-password' } });
    fireEvent.change(screen.getByLabelText('Repeat the new password'), { target: { value: 'new-password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Password changed.'));
    expect(sent).toEqual([{ currentPassword: 'old-password', password: 'new-password' }]);
    // the typed passwords do not stay on the page
    expect((screen.getByLabelText('New password') as HTMLInputElement).value).toBe('');
  });

  it("puts the server's message in a banner and its field issue under the field", async () => {
    render(
      <PasswordForm
        submitLabel="Set password"
        busyLabel="Setting…"
        onSubmit={async () => {
          throw new Error('the server said no');
        }}
      />,
    );
    fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'new-password' } });
    fireEvent.change(screen.getByLabelText('Repeat the new password'), { target: { value: 'new-password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set password' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('the server said no'));
    expect(screen.queryByRole('status')).toBeNull();
  });
});
