import { describeError } from './errors.js';

/** How one row's write ended, as an operator reads it. */
export type Outcome = 'done' | 'notAllowed' | 'changed' | 'gone' | 'blocked' | 'failed';

/** One settled write: done, refused by the rules, stale (someone else changed it), gone, held by related rows, or another failure. */
export function outcomeOf(result: PromiseSettledResult<unknown>): Outcome {
  if (result.status === 'fulfilled') return 'done';
  const e = describeError(result.reason);
  if (e.kind === 'forbidden') return 'notAllowed';
  if (e.kind === 'notFound') return 'gone';
  if (e.kind === 'conflict') return e.currentVersion !== undefined ? 'changed' : 'blocked';
  return 'failed';
}

const past = { delete: 'deleted', archive: 'archived', restore: 'restored' } as const;
export type BulkAction = keyof typeof past;

/**
 * A bulk action's report, one part per outcome: "3 deleted, 2 not allowed, 1 changed by
 * someone else." (a count of 0 is left out; nothing at all says so).
 */
export function summarize(action: BulkAction, outcomes: readonly Outcome[]): string {
  const n = (o: Outcome) => outcomes.filter((x) => x === o).length;
  const parts = [
    [n('done'), past[action]],
    [n('notAllowed'), 'not allowed'],
    [n('changed'), 'changed by someone else'],
    [n('gone'), 'already gone'],
    [n('blocked'), 'still referenced by other rows'],
    [n('failed'), 'failed'],
  ] as const;
  const said = parts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`);
  return said.length ? `${said.join(', ')}.` : `Nothing ${past[action]}.`;
}

/** An error message as a sentence: "you may not delete this project" -> "You may not delete this project." */
export function sentence(message: string): string {
  const s = message.trim();
  if (!s) return s;
  const first = s[0]!.toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
