import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const bytes = z.coerce.number().int().min(1024);

/** Every setting the API reads from the environment, validated once at start. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  /** PostgreSQL connection string; unset means the embedded PGlite engine. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// connection string' })
    .optional(),
  /** Folder of the embedded database (PGlite) and other local state. */
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: human lines (pino-pretty); `json`: one JSON object a line. Unset: pretty in development, JSON otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  /** Largest request body accepted, in bytes. */
  BODY_LIMIT: bytes.default(1024 * 1024),
  /** Most procedure calls one batched request may carry. */
  MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  /**
   * How long a verified token's caller (role, memberships, session) is reused, in ms, while no user,
   * membership or session changed; used with REDIS_URL or PGlite only. 0 checks on every request.
   */
  CALLER_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  /** Sign-in attempts allowed per client address and minute, and per account and minute (then TOO_MANY_REQUESTS). */
  SIGNIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  /** Most rows one response may embed (a list's limit times its includes' limits, computed before running). */
  MAX_RESPONSE_ROWS: z.coerce.number().int().min(1).default(10_000),
  /** Largest response body in bytes; a bigger one is refused (BAD_REQUEST) instead of sent. */
  MAX_RESPONSE_BYTES: bytes.default(8 * 1024 * 1024),
  /** How long a request waits for a pooled PostgreSQL connection before SERVICE_UNAVAILABLE, in ms. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** Signs keyset cursors; random per process when unset (cursors then do not survive a restart). */
  CURSOR_SECRET: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  /** Signs bearer tokens (HS256), at least 32 characters. Required in production; generated and kept under DATA_DIR otherwise. */
  JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  /** Lifetime of an access token, in seconds (short: a refresh token renews it). */
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(24 * 3600)
    .default(900),
  /** Lifetime of a refresh token, in seconds: a session unused this long ends. */
  REFRESH_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(365 * 24 * 3600)
    .default(30 * 24 * 3600),
  /** The first superadmin, created on a new database (idempotent). */
  ADMIN_EMAIL: z.email().default('admin@acme.test'),
  /** The first superadmin's password; required in production, `admin-password` in development. */
  ADMIN_PASSWORD: z.string().min(8, { error: 'must be at least 8 characters' }).optional(),
  /** Redis for the read cache, shared by every instance; unset: an in-process cache. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: 'must be a redis:// URL' })
    .optional(),
  /** Entries the in-process cache keeps (least recently used go first). */
  CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).default(10_000),
  /** Seed the demo organization when the database is new. */
  SEED_DEMO: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** How long shutdown waits for in-flight requests, in ms. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Change events are kept this long for resuming subscriptions (24 h) ... */
  EVENTS_RETENTION_SECONDS: z.coerce.number().int().min(1).default(86_400),
  /** ... and at most this many. */
  EVENTS_RETENTION_COUNT: z.coerce.number().int().min(1).default(100_000),
  /** Open onChange subscriptions per process, and per caller. */
  MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).default(1000),
  MAX_SUBSCRIPTIONS_PER_CALLER: z.coerce.number().int().min(1).default(20),
  /** A subscription that delivered nothing for this long ends (30 min). */
  SUBSCRIPTION_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(1_800_000),
});

export type Config = z.infer<typeof configSchema>;

const productionRules = configSchema.superRefine((c, ctx) => {
  if (c.NODE_ENV !== 'production') return;
  if (!c.JWT_SECRET)
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required in production' });
  if (!c.ADMIN_PASSWORD)
    ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'is required in production' });
});

/** Parses the environment; a bad value stops the process with one line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = productionRules.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {}
