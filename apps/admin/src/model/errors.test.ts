import { TRPCClientError } from '@typecrud/client';
import { describe, expect, it } from 'vitest';
import { describeError } from './errors.js';

/** A client error as the link builds it from a typecrud error response. */
function serverError(code: string, typecrud: Record<string, unknown>, message = 'failed') {
  return new TRPCClientError(message, {
    result: { error: { message, code: -32000, data: { code, httpStatus: 400, typecrud } } },
  } as never);
}

describe('describeError', () => {
  it('reads a failed fetch (no response) as a lost connection', () => {
    expect(describeError(TRPCClientError.from(new TypeError('Failed to fetch'))).kind).toBe('connection');
  });

  it('maps typecrud codes and puts issues under their fields', () => {
    const invalid = describeError(
      serverError('BAD_REQUEST', { issues: [{ path: ['data', 'name'], message: 'must not be empty' }] }),
    );
    expect(invalid).toMatchObject({ kind: 'invalid', fields: { name: 'must not be empty' } });
    const unique = describeError(serverError('CONFLICT', { fields: ['organizationId', 'name'] }));
    expect(unique).toMatchObject({
      kind: 'conflict',
      fields: { organizationId: 'already exists', name: 'already exists' },
    });
    expect(unique.currentVersion).toBeUndefined();
  });

  it('keeps the current version of a stale write, without a field error on `version`', () => {
    const stale = describeError(serverError('CONFLICT', { fields: ['version'], currentVersion: 4 }));
    expect(stale).toMatchObject({ kind: 'conflict', currentVersion: 4, fields: {} });
  });

  it('knows unauthorized, forbidden and not found', () => {
    expect(describeError(serverError('UNAUTHORIZED', {})).kind).toBe('unauthorized');
    expect(describeError(serverError('FORBIDDEN', {})).kind).toBe('forbidden');
    expect(describeError(serverError('NOT_FOUND', {})).kind).toBe('notFound');
  });
});
