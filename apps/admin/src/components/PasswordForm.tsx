import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../model/errors.js';

/** The API's password rule (auth.changePassword / auth.setPassword): 8 to 200 characters. */
export const passwordRule = { min: 8, max: 200 } as const;

/** The form's own check before anything is sent: the rule's length, and the two entries agree. */
export function checkNewPassword(password: string, confirm: string): Record<string, string> {
  const fields: Record<string, string> = {};
  if (password.length < passwordRule.min) fields.password = `must be at least ${passwordRule.min} characters`;
  else if (password.length > passwordRule.max)
    fields.password = `must be at most ${passwordRule.max} characters`;
  if (confirm !== password) fields.confirm = 'does not match the new password';
  return fields;
}

export interface PasswordFormProps {
  /** Ask for the current password first (changing one's own). */
  withCurrent?: boolean;
  submitLabel: string;
  busyLabel: string;
  /** Sends the change; resolves with the message to show once done. */
  onSubmit: (input: { currentPassword: string; password: string }) => Promise<string>;
}

/**
 * A new password, typed twice (and the current one when changing one's own): checked here by the
 * API's rule, then sent; the server's field errors land under their fields, an outcome in a banner.
 */
export function PasswordForm({ withCurrent = false, submitLabel, busyLabel, onSubmit }: PasswordFormProps) {
  const id = useId();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<{ message?: string; fields: Record<string, string> }>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(undefined);
    const fields = checkNewPassword(password, confirm);
    if (withCurrent && !current) fields.current = 'is required';
    if (Object.keys(fields).length) {
      setError({ fields });
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      const message = await onSubmit({ currentPassword: current, password });
      setCurrent('');
      setPassword('');
      setConfirm('');
      setDone(message);
    } catch (err) {
      const d = describeError(err);
      // the server names the fields currentPassword and newPassword (change) or password (set)
      const { currentPassword, newPassword, ...rest } = d.fields;
      setError({
        message: currentPassword
          ? 'The current password is not right.'
          : d.kind === 'connection'
            ? 'The server could not be reached.'
            : d.message,
        fields: {
          ...rest,
          ...(currentPassword ? { current: currentPassword } : {}),
          ...(newPassword ? { password: newPassword } : {}),
        },
      });
    } finally {
      setBusy(false);
    }
  };

  const field = (
    name: 'current' | 'password' | 'confirm',
    label: string,
    value: string,
    set: (v: string) => void,
  ) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type="password"
        autoComplete={name === 'current' ? 'current-password' : 'new-password'}
        value={value}
        aria-invalid={error?.fields[name] ? true : undefined}
        aria-describedby={error?.fields[name] ? `${id}-${name}-error` : undefined}
        onChange={(e) => set(e.target.value)}
      />
      {error?.fields[name] && (
        <p className="field-error" id={`${id}-${name}-error`}>
          {error.fields[name]}
        </p>
      )}
    </div>
  );

  return (
    <form className="password-form" onSubmit={submit} noValidate>
      {done && (
        <p className="banner info" role="status">
          {done}
        </p>
      )}
      {error?.message && (
        <p className="banner error" role="alert">
          {error.message}
        </p>
      )}
      {withCurrent && field('current', 'Current password', current, setCurrent)}
      {field('password', 'New password', password, setPassword)}
      {field('confirm', 'Repeat the new password', confirm, setConfirm)}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
    </form>
  );
}
