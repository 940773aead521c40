import { Agent, request } from 'node:http';
import superjson from 'superjson';

/** One answer over HTTP: status, headers and the parsed JSON body (undefined when not JSON). */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export interface SendOptions {
  method?: 'GET' | 'POST';
  /** The raw query string after `?` (sent as is: tests encode it the ways an attacker would). */
  query?: string;
  /** The raw body (sent as is); `json` is superjson-serialized instead when given. */
  body?: string;
  token?: string;
  /** The source address of the connection (any 127.x.y.z reaches a loopback server). */
  localAddress?: string;
  headers?: Record<string, string>;
  /** A new connection instead of a kept-alive one. */
  fresh?: boolean;
  /** Fails the request (error 'timeout') when no answer came in this many ms. */
  timeoutMs?: number;
}

/** Keep-alive connections for requests from the default address (many requests, few sockets). */
const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });

/** A raw HTTP request through node:http: the path is sent byte for byte, never normalized. */
export function send(baseUrl: string, path: string, options: SendOptions = {}): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        path: `${path}${options.query ? `?${options.query}` : ''}`,
        ...(options.localAddress
          ? { agent: false, localAddress: options.localAddress }
          : { agent: keepAlive }),
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on('error', reject);
    if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error('timeout')));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The superjson envelope tRPC expects for one input. */
export const envelope = (input: unknown) => superjson.serialize(input);

/** A POST of one mutation (or any call by POST) with a superjson input. */
export const mutate = (baseUrl: string, path: string, input: unknown, options: SendOptions = {}) =>
  send(baseUrl, `/trpc/${path}`, { ...options, body: JSON.stringify(envelope(input)) });

/** A GET of one query with a superjson input. */
export const query = (baseUrl: string, path: string, input: unknown, options: SendOptions = {}) =>
  send(baseUrl, `/trpc/${path}`, {
    ...options,
    method: 'GET',
    ...(input === undefined ? {} : { query: `input=${encodeURIComponent(JSON.stringify(envelope(input)))}` }),
  });

/** The batch body: `{ "0": input0, "1": input1, ... }`. */
export const batchBody = (inputs: unknown[]) =>
  JSON.stringify(Object.fromEntries(inputs.map((input, i) => [String(i), envelope(input)])));

interface ErrorEnvelope {
  error: {
    json: {
      message: string;
      data: {
        code: string;
        httpStatus: number;
        typecrud?: { issues?: { path: (string | number)[]; message: string }[] };
      };
    };
  };
}

/** The tRPC errors of an answer, one per call (a single call gives one). */
export function errorsOf(answer: Answer): ErrorEnvelope['error']['json'][] {
  const items = (Array.isArray(answer.body) ? answer.body : [answer.body]) as Partial<ErrorEnvelope>[];
  // (Fastify's own answers, e.g. 431 for an oversized URL, are `{ error: 'text' }`: not tRPC errors)
  return items.flatMap((i) => (typeof i?.error === 'object' && i.error.json ? [i.error.json] : []));
}

/** The data of a successful single call. */
export function dataOf<T = unknown>(answer: Answer): T {
  const body = answer.body as { result?: { data: { json: unknown; meta?: unknown } } };
  if (!body?.result) throw new Error(`the call failed (${answer.status}): ${answer.text.slice(0, 500)}`);
  return superjson.deserialize(body.result.data as never) as T;
}

/** Signs in over HTTP; the token. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  return dataOf<{ token: string }>(await mutate(baseUrl, 'auth.signIn', { email, password })).token;
}
