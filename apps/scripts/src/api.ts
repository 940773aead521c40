import { createClient, type TypecrudClient } from '@typecrud/client';
import type { AppRouter } from '@typecrud/server';
import { z } from 'zod';

export type Api = TypecrudClient<AppRouter>;

/** Where scripts find the API and whom they sign in as (from the environment). */
export const scriptEnv = z.object({
  API_URL: z.url().default('http://127.0.0.1:3000'),
  TYPECRUD_EMAIL: z.email().default('admin@acme.test'),
  TYPECRUD_PASSWORD: z.string().min(1).default('admin-password'),
});

export type ScriptEnv = z.infer<typeof scriptEnv>;

/** A client signed in with the given credentials: the token is fetched once and sent on every call. */
export async function signedInClient(env: ScriptEnv): Promise<Api> {
  let token: string | null = null;
  const api = createClient<AppRouter>({ url: env.API_URL, token: () => token });
  ({ token } = await api.auth.signIn.mutate({ email: env.TYPECRUD_EMAIL, password: env.TYPECRUD_PASSWORD }));
  return api;
}

/** A one-line progress report on stderr (`label 3/10`), rewritten in place on a terminal. */
export function progress(label: string, total: number) {
  const tty = process.stderr.isTTY;
  return (done: number) => {
    const line = `${label} ${done}/${total}`;
    if (tty) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0)
      process.stderr.write(`${line}\n`);
  };
}
