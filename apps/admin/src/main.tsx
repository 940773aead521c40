import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createAdminClient, TRPCProvider } from './api/trpc.js';
import { clearSession, getToken, sessionToken, subscribeSession } from './auth/session.js';
import { describeError } from './model/errors.js';
import './styles.css';

/** A rejected token anywhere signs the user out (the sign-in page says why). */
const onError = (e: unknown) => {
  if (getToken() && describeError(e).kind === 'unauthorized')
    clearSession('Your session has ended; please sign in again.');
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      // Answers from the server are final; only a lost connection is worth one quiet retry.
      retry: (count, e) => count < 1 && describeError(e).kind === 'connection',
      staleTime: 2_000,
    },
  },
});
// renewals go through a client of their own, which sends no (possibly expired) access token
const renewals = createAdminClient(() => null);
const trpcClient = createAdminClient(
  sessionToken((refreshToken) => renewals.auth.refresh.mutate({ refreshToken })),
);
// Signing out forgets every cached read, so the next user never sees the last one's rows.
subscribeSession(() => {
  if (!getToken()) queryClient.clear();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <App />
      </TRPCProvider>
    </QueryClientProvider>
  </StrictMode>,
);
