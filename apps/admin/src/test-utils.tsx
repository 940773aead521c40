import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createAdminClient, TRPCProvider } from './api/trpc.js';

/**
 * Renders with the app's providers (kept on rerender). The client points at a closed port:
 * component tests cover what renders without the server; the end-to-end tests use the real API.
 */
export function renderWithProviders(ui: ReactNode) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const trpcClient = createAdminClient(() => null, 'http://127.0.0.1:9');
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
  return render(ui, { wrapper });
}
