import type { Membership, Session } from '@typecrud/demo';
import type { AppRouter } from '@typecrud/demo/server';
import { describe, expectTypeOf, it } from 'vitest';
import { createClient, refreshingToken, type SessionTokens } from '../src/index.js';

const api = createClient<AppRouter>({ url: 'http://127.0.0.1:1' });

describe('session types', () => {
  it('sign-in and refresh return the tokens refreshingToken keeps', () => {
    expectTypeOf(api.auth.signIn.mutate).returns.resolves.toExtend<SessionTokens>();
    expectTypeOf(api.auth.refresh.mutate).returns.resolves.toExtend<SessionTokens>();
    expectTypeOf(api.auth.refresh.mutate).parameter(0).toEqualTypeOf<{ refreshToken: string }>();
    const token = refreshingToken({
      get: () => null as SessionTokens | null,
      set: () => {},
      refresh: (refreshToken) => api.auth.refresh.mutate({ refreshToken }),
    });
    expectTypeOf(token).toEqualTypeOf<() => Promise<string | null>>();
    // the token function is what createClient takes
    createClient<AppRouter>({ url: 'http://127.0.0.1:1', token });
    // @ts-expect-error refresh must give tokens back
    refreshingToken({ get: () => null, set: () => {}, refresh: async () => 'a token' });
  });

  it('signOut, accept and the session reads are typed', () => {
    // type-level calls only (test-d files are checked, never run)
    expectTypeOf(api.auth.signOut.mutate).toBeCallableWith();
    expectTypeOf(api.auth.signOut.mutate).toBeCallableWith({ everywhere: true });
    // @ts-expect-error everywhere is a boolean
    expectTypeOf(api.auth.signOut.mutate).toBeCallableWith({ everywhere: 'yes' });
    expectTypeOf(api.membership.accept.mutate)
      .returns.resolves.toHaveProperty('status')
      .toEqualTypeOf<Membership['status']>();
    expectTypeOf<Membership['status']>().toEqualTypeOf<'invited' | 'active'>();
    expectTypeOf(api.session.get.query).returns.resolves.not.toHaveProperty('tokenHash');
    expectTypeOf<Session>().toHaveProperty('familyId').toEqualTypeOf<string>();
    // @ts-expect-error sessions are written only by the auth service
    api.session.create;
  });
});
