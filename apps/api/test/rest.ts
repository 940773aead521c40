/** REST calls over a real socket (fetch): status, headers and the parsed JSON body. */
export interface RestAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RestProblem {
  type: string;
  status: number;
  title: string;
  detail: string;
  code: string;
  issues: { path: (string | number)[]; message: string }[];
  fields?: string[];
  currentVersion?: number;
}

export async function rest<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<RestAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A query string of JSON-valued parameters: `q({ where: {...}, limit: 2 })`. */
export const q = (params: Record<string, unknown>) =>
  `?${new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  ).toString()}`;
