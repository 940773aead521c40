import { TRPCClientError } from '@trpc/client';
import type { ErrorShapeData, FieldIssue } from '@typecrud/shared';

export type { FieldIssue };

/** What a failed call tells: the tRPC code, the message and field-level details. */
export interface CallError {
  code: string;
  httpStatus: number;
  message: string;
  issues: FieldIssue[];
  fields: string[];
  currentVersion?: number;
}

/** The structured error of a failed call, or undefined when `e` is not one. */
export function callError(e: unknown): CallError | undefined {
  if (!(e instanceof TRPCClientError)) return undefined;
  const data = (e.data ?? {}) as ErrorShapeData;
  const details = data.typecrud ?? {};
  return {
    code: data.code ?? 'INTERNAL_SERVER_ERROR',
    httpStatus: data.httpStatus ?? 500,
    message: e.message,
    issues: details.issues ?? [],
    fields: details.fields ?? [],
    ...(details.currentVersion !== undefined ? { currentVersion: details.currentVersion } : {}),
  };
}

/** Field messages by dotted path (`data.name` -> 'must not be empty'), for forms. */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of callError(e)?.issues ?? []) {
    const key = issue.path.join('.');
    out[key] ??= issue.message;
  }
  return out;
}

export { TRPCClientError };
