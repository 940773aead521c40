import {
  callError,
  createClient,
  refreshingToken,
  type SessionTokens,
  type TypecrudClient,
} from '@typecrud/client';
import type { AppRouter } from '@typecrud/demo/server';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';

export type Api = TypecrudClient<AppRouter>;

/** Where scripts find the API and whom they sign in as (from the environment). */
export const scriptEnv = z.object({
  API_URL: z.url().default('http://127.0.0.1:3000'),
  TYPECRUD_EMAIL: z.email().default('admin@acme.test'),
  TYPECRUD_PASSWORD: z.string().min(1).default('admin-password'),
});

export type ScriptEnv = z.infer<typeof scriptEnv>;

/**
 * A client signed in with the given credentials: it signs in once, sends the access token on
 * every call and renews it before it expires, so a long run outlives the short access lifetime.
 */
export async function signedInClient(env: ScriptEnv): Promise<Api> {
  const anonymous = createClient<AppRouter>({ url: env.API_URL });
  let session: SessionTokens | null = await anonymous.auth.signIn.mutate({
    email: env.TYPECRUD_EMAIL,
    password: env.TYPECRUD_PASSWORD,
  });
  const token = refreshingToken<SessionTokens>({
    get: () => session,
    set: (next) => {
      session = next;
    },
    refresh: (refreshToken) => anonymous.auth.refresh.mutate({ refreshToken }),
  });
  return createClient<AppRouter>({ url: env.API_URL, token });
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

/** A count option: an integer, 0 or more. */
export function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('must be 0 or a positive integer');
  return n;
}

const networkCode =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_[A-Z_]+)$/;

/** The network error code (ECONNREFUSED, ...) somewhere in the cause chain of a failed call, if any. */
export function networkFailure(error: unknown, depth = 0): string | null {
  if (error === null || typeof error !== 'object' || depth > 8) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && networkCode.test(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = networkFailure(inner, depth + 1);
      if (found) return found;
    }
  }
  return networkFailure((error as { cause?: unknown }).cause, depth + 1);
}

/** One line for a failed script: the URL when the API cannot be reached, else the API's error code and message. */
export function failureMessage(error: unknown, apiUrl: string): string {
  const network = networkFailure(error);
  if (network) return `cannot reach ${apiUrl}: ${network}`;
  const err = callError(error);
  if (err) return `${err.code}: ${err.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Runs a script's command line; a failure is one line on stderr and exit code 1. */
export function runScript(program: Command): void {
  program.parseAsync().catch((error: unknown) => {
    const apiUrl = scriptEnv.safeParse(process.env).data?.API_URL ?? process.env.API_URL ?? 'API_URL';
    console.error(failureMessage(error, apiUrl));
    process.exit(1);
  });
}
