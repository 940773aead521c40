import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { outcomeOf, sentence, summarize } from './outcomes.js';

const trpcError = (code: string, typecrud: Record<string, unknown> = {}) =>
  TRPCClientError.from({
    error: { message: `${code} happened`, code: -32000, data: { code, httpStatus: 400, typecrud } },
  } as never);

describe('bulk outcomes', () => {
  it('classifies each settled write by its error code', () => {
    expect(outcomeOf({ status: 'fulfilled', value: { id: 'x' } })).toBe('done');
    expect(outcomeOf({ status: 'rejected', reason: trpcError('FORBIDDEN') })).toBe('notAllowed');
    expect(outcomeOf({ status: 'rejected', reason: trpcError('NOT_FOUND') })).toBe('gone');
    expect(outcomeOf({ status: 'rejected', reason: trpcError('CONFLICT', { currentVersion: 3 }) })).toBe(
      'changed',
    );
    expect(outcomeOf({ status: 'rejected', reason: trpcError('CONFLICT') })).toBe('blocked');
  });

  it('reports per outcome, leaving out what did not happen', () => {
    expect(summarize('delete', ['done', 'done', 'done', 'notAllowed', 'notAllowed', 'changed'])).toBe(
      '3 deleted, 2 not allowed, 1 changed by someone else.',
    );
    expect(summarize('archive', ['done', 'gone'])).toBe('1 archived, 1 already gone.');
    expect(summarize('delete', ['notAllowed'])).toBe('1 not allowed.');
    expect(summarize('restore', [])).toBe('Nothing restored.');
  });

  it('says a refusal as a sentence', () => {
    expect(sentence('you may not delete this project')).toBe('You may not delete this project.');
    expect(sentence('Done.')).toBe('Done.');
  });
});
