import { z } from 'zod';
import { checkVapidKeys } from './push/vapid.js';
import { UPGRADES_IN_PROGRESS_MAX } from './realtime/upgrade-admission.js';

/**
 * The whole configuration of a Varsel server process, read from the environment once in the
 * entry point and passed down. Every key has a default and a reason.
 */
export const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP port of the edge (0 picks a free one)'),
    HOST: z.string().default('0.0.0.0').describe("address the edge listens on (and a worker's /metrics server)"),
    PUBLIC_URL: z.url().optional().describe('URL users and agents reach the console at; https here marks cookies Secure'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://')
      .optional()
      .describe('Redis, the system of record; unset: 127.0.0.1:6379 if it answers, else a private redis-server under DATA_DIR'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'REDIS_PREFIX is 1-40 letters, digits, dots, dashes or underscores')
      .default('varsel')
      .describe('prefix of every Redis key, BullMQ queue and adapter stream, so several installations can share a Redis'),
    DATA_DIR: z.string().default('./data').describe('where the private redis-server keeps its AOF when Varsel starts one'),
    EMBEDDED_REDIS_PORT: z.coerce.number().int().min(1).max(65535).default(6390).describe('port of the private redis-server'),
    VARSEL_ADMIN_PASSWORD: z
      .string()
      .min(12, 'VARSEL_ADMIN_PASSWORD needs at least 12 characters')
      .optional()
      .describe('password of the first admin, created on the first start; unset: one is generated and printed once'),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12).describe('how long a console login lasts'),
    WEB_CONSOLE_DIR: z.string().optional().describe('built console to serve at /; default: web-console/dist of this checkout'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
    FANOUT_LOCK_MS: z.coerce
      .number()
      .int()
      .min(2000)
      .max(300_000)
      .default(10_000)
      .describe("a crashed worker's fan-out is taken over by another worker within about this long (BullMQ lock duration)"),
    FAULT_FANOUT_DELAY_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe('fault injection for tests only: hold each fan-out this long before emitting, so a test can crash a worker mid-job'),
    FANOUT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4).describe('fan-out jobs a worker runs at once'),
    ACK_FLUSH_MS: z.coerce.number().int().min(1).max(1000).default(20).describe('how long an edge gathers reports before one Redis round trip'),
    ACK_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(1000).describe('most reports written in one batch'),
    COUNTS_PUSH_MS: z.coerce.number().int().min(10).max(10_000).default(250).describe('how often an edge pushes live counts to consoles, per alert'),
    SOCKET_PING_INTERVAL_MS: z.coerce.number().int().min(1000).max(120_000).default(25_000).describe('socket.io heartbeat interval'),
    SOCKET_PING_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(20_000).describe('socket.io heartbeat timeout'),
    UPGRADES_IN_PROGRESS_MAX: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(UPGRADES_IN_PROGRESS_MAX)
      .describe('websocket upgrades an edge takes through their handshake at once; the others wait their turn, in order (a reconnect storm)'),
    SOCKET_MAX_BUFFER_BYTES: z.coerce.number().int().min(16_384).default(1_048_576).describe('a slower agent than this much unsent data is disconnected'),
    LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(10).describe('failed logins per username and 15 minutes before 429'),
    METRICS_PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(9464)
      .describe('port of the /metrics server of a --role worker process, on HOST (0 picks a free one); edges serve /metrics on PORT and ignore this'),
    METRICS_TOKEN: z
      .string()
      .min(16, 'METRICS_TOKEN needs at least 16 characters')
      .optional()
      .describe('when set, /metrics answers only requests with Authorization: Bearer <this token>; unset: /metrics is open, so keep it off the public load balancer'),
    VAPID_PUBLIC_KEY: z.string().optional().describe('Web Push: the VAPID public key (base64url; make a pair with `npx web-push generate-vapid-keys`); unset: no Web Push'),
    VAPID_PRIVATE_KEY: z.string().optional().describe('Web Push: the VAPID private key of that pair; keep it secret'),
    VAPID_SUBJECT: z.string().optional().describe('Web Push: a mailto: or https: contact push services can reach the sender at, e.g. mailto:kit-drift@kk.dk'),
    FCM_SERVICE_ACCOUNT_FILE: z
      .string()
      .optional()
      .describe('FCM: path of the Firebase service account key (JSON); unset: no FCM. Push is a best-effort wake-up; everything works without it'),
    PUSH_AFTER_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(5000)
      .describe('how long after a fan-out devices that have not reported delivered are woken by push (with a push channel configured)'),
    PUSH_RETRIES: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('how often a wake-up that failed for a reason worth retrying (throttled, 5xx, no answer) is tried again; 0: never'),
    PUSH_RETRY_AFTER_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(30_000)
      .describe('wait before the first retry of a failed wake-up; each further one waits four times as long, and never less than the Retry-After the push service asked for'),
    PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32).describe('Web Push requests a worker has in flight at once'),
    PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000).describe('socket timeout of one Web Push request'),
    PUSH_CA_FILE: z.string().optional().describe('PEM of extra CA certificates to trust for push services (a TLS-inspecting proxy); unset: the system CAs'),
  })
  .superRefine((c, ctx) => {
    const vapid = [c.VAPID_PUBLIC_KEY, c.VAPID_PRIVATE_KEY, c.VAPID_SUBJECT];
    if (vapid.some((v) => v !== undefined) && vapid.some((v) => v === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['VAPID_PUBLIC_KEY'], message: 'set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT together, or none of them' });
    } else if (c.VAPID_PUBLIC_KEY && c.VAPID_PRIVATE_KEY && c.VAPID_SUBJECT) {
      try {
        checkVapidKeys({ publicKey: c.VAPID_PUBLIC_KEY, privateKey: c.VAPID_PRIVATE_KEY, subject: c.VAPID_SUBJECT });
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['VAPID_PUBLIC_KEY'], message: `the VAPID keys or subject are not usable: ${(err as Error).message}` });
      }
    }
    if (c.SOCKET_PING_TIMEOUT_MS > c.SOCKET_PING_INTERVAL_MS * 4) {
      ctx.addIssue({ code: 'custom', path: ['SOCKET_PING_TIMEOUT_MS'], message: 'SOCKET_PING_TIMEOUT_MS should not exceed 4 x SOCKET_PING_INTERVAL_MS' });
    }
  });
export type Config = z.infer<typeof ConfigSchema>;

export const ROLES = ['all', 'edge', 'worker'] as const;
export type ProcessRole = (typeof ROLES)[number];

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment. Throws ConfigError listing every problem; nothing is opened before. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const relevant = Object.fromEntries(
    Object.keys(ConfigSchema.shape).flatMap((k) => (env[k] !== undefined && env[k] !== '' ? [[k, env[k]]] : [])),
  );
  const parsed = ConfigSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`));
  }
  return parsed.data;
}

/** `--role all|edge|worker` (default all). */
export function parseRole(argv: readonly string[]): ProcessRole {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return 'all';
  const arg = argv[i] ?? '';
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  if (value === 'all' || value === 'edge' || value === 'worker') return value;
  throw new ConfigError([`--role: expected all, edge or worker, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`]);
}

/** The lines of .env.example, generated from the schema. */
export function envExample(): string {
  const lines = ['# Varsel configuration. Generated from server/src/config.ts; every key is optional.'];
  for (const [key, schema] of Object.entries(ConfigSchema.shape)) {
    const desc = (schema as z.ZodType).description ?? '';
    const def = (schema as z.ZodType).safeParse(undefined);
    const value = def.success && (typeof def.data === 'string' || typeof def.data === 'number') ? String(def.data) : '';
    lines.push('', `# ${desc}`, `# ${key}=${value}`);
  }
  return lines.join('\n') + '\n';
}
