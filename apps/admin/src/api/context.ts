import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '@typecrud/demo/server';

/** tRPC's TanStack Query integration, typed by the API's router (a type-only import). */
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();
