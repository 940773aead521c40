import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import type { TypecrudClient } from './types.js';

export type HeadersInit = Record<string, string>;

export interface ClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:3000`; calls go to `${url}/trpc`. */
  url: string;
  /** Extra headers for every request, or a function returning them (called per request). */
  headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
  /** A bearer token, or a function returning the current one (null when signed out). */
  token?: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** Most calls batched into one request; keep it at or below the server's MAX_BATCH_SIZE. */
  maxBatchSize?: number;
  /** A fetch implementation (defaults to the global one: node 18+ and browsers). */
  fetch?: typeof fetch;
}

/**
 * A typed client of the API's router: every call is checked against the router's types and
 * travels with superjson (Date and bigint arrive as themselves), batched into one request per tick.
 *
 * @example
 * const api = createClient<AppRouter>({ url: 'http://127.0.0.1:3000' });
 * const page = await api.project.list.query({ where: { name: { contains: 'rocket', mode: 'insensitive' } }, include: { tags: true } });
 */
export function createClient<R extends AnyRouter>(options: ClientOptions): TypecrudClient<R> {
  const base = options.url.replace(/\/+$/, '');
  const headers = async (): Promise<HeadersInit> => {
    const extra = typeof options.headers === 'function' ? await options.headers() : (options.headers ?? {});
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
  };
  const baseFetch = options.fetch ?? fetch;
  // Subscriptions (onChange) travel as Server-Sent Events; queries and mutations stay batched.
  const subscriptions = httpSubscriptionLink({
    url: `${base}/trpc`,
    transformer: superjson,
    // an EventSource that sends the same headers (the bearer token) as every other call
    EventSource,
    eventSourceOptions: async () => {
      const extra = await headers();
      return {
        fetch: (input: string | URL | Request, init?: RequestInit) =>
          baseFetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...extra } }),
      };
    },
  } as never);
  const client: TRPCClient<R> = createTRPCClient<R>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: subscriptions,
        // R is generic here, so its transformer flag is not known; superjson is what every typecrud router uses.
        false: httpBatchLink<R>({
          url: `${base}/trpc`,
          transformer: superjson,
          maxItems: options.maxBatchSize ?? 50,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          headers,
        } as never),
      }),
    ],
  });
  // The typed view differs only in how `get` and `list` shape results from `include`.
  return client as unknown as TypecrudClient<R>;
}
