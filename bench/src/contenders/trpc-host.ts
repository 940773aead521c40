import type { AnyRouter } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify from 'fastify';
import type { RunningContender } from './contender.js';

type CreateContext = (authorization: string | undefined) => Promise<object>;

/** Serves a tRPC router the way the typecrud API does: Fastify, the tRPC adapter under /trpc, silent logs. */
export async function serveTrpc(
  router: AnyRouter,
  port: number,
  onClose: () => Promise<void>,
  createContext: CreateContext = async () => ({}),
): Promise<RunningContender> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, routerOptions: { maxParamLength: 5000 } });
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router,
      createContext: ({ req }: { req: { headers: { authorization?: string } } }) =>
        createContext(req.headers.authorization),
    },
  });
  await app.listen({ host: '127.0.0.1', port });
  return {
    async close() {
      await app.close();
      await onClose();
    },
  };
}
