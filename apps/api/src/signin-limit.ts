import { CrudError } from '@typecrud/server';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Counts sign-in attempts per client address and per account; past the limit, TOO_MANY_REQUESTS. */
export interface SignInLimiter {
  /** Counts one attempt from `address` for `email` (when readable); throws TOO_MANY_REQUESTS with `retryAfterSeconds` past the limit. */
  consume(address: string, email: string | undefined): Promise<void>;
  close(): Promise<void>;
}

export interface SignInLimiterOptions {
  /** Attempts per key and window. */
  points: number;
  /** The window, in seconds (60). */
  durationSeconds?: number;
  /** Shared by every instance when set (rate-limiter-flexible's Redis store, the memory store as insurance while Redis is down). */
  redisUrl?: string | undefined;
}

/**
 * rate-limiter-flexible's fixed windows, one counter per client address and one per account
 * (the email as the procedure reads it): guessing one password from many addresses, or many
 * passwords from one address, both meet the limit.
 */
export function createSignInLimiter({
  points,
  durationSeconds = 60,
  redisUrl,
}: SignInLimiterOptions): SignInLimiter {
  const memory = new RateLimiterMemory({ keyPrefix: 'signin', points, duration: durationSeconds });
  let redis: Redis | undefined;
  let limiter: RateLimiterMemory | RateLimiterRedis = memory;
  if (redisUrl) {
    redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000 });
    redis.on('error', () => {}); // reported through the insurance limiter taking over
    limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: 'typecrud:signin',
      points,
      duration: durationSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  }
  return {
    async consume(address, email) {
      const keys = [`ip:${address}`, ...(email ? [`account:${email}`] : [])];
      let wait = 0;
      for (const key of keys) {
        try {
          await limiter.consume(key);
        } catch (e) {
          if (!(e instanceof RateLimiterRes)) throw e;
          wait = Math.max(wait, e.msBeforeNext);
        }
      }
      if (wait > 0) {
        const retryAfterSeconds = Math.max(1, Math.ceil(wait / 1000));
        throw new CrudError(
          'TOO_MANY_REQUESTS',
          `too many sign-in attempts; try again in ${retryAfterSeconds} s`,
          { retryAfterSeconds },
        );
      }
    },
    async close() {
      if (!redis) return;
      if (redis.status === 'ready') await redis.quit().catch(() => redis?.disconnect());
      else redis.disconnect();
    },
  };
}
