// Every environment variable the gateway reads, as one zod schema parsed once at start-up into typed settings.
import { z } from 'zod';
import { ConfigError } from './config-error';

/** What a process environment looks like to the parser (process.env, or a test's object). */
export type RawEnv = Record<string, string | undefined>;

const PINO_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof PINO_LEVELS)[number];

/** A whole number in [min, max]; `rule` is the whole refusal (the variable's name is put in front of it). */
function wholeNumber(rule: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      ctx.addIssue({ code: 'custom', message: rule });
      return z.NEVER;
    }
    return value;
  });
}

const positive = () => wholeNumber('must be a positive whole number');
const milliseconds = () => wholeNumber('must be a whole number of milliseconds, 1 or more');

function httpUrl(rule = 'must be an http:// or https:// URL') {
  return z.string().refine((raw) => {
    try {
      return ['http:', 'https:'].includes(new URL(raw.trim()).protocol);
    } catch {
      return false;
    }
  }, rule);
}

function secret(min: number) {
  return z.string().refine((raw) => raw.length >= min, `must be at least ${min} characters long`);
}

const urlList = (protocols: string[], rule: string) =>
  z.string().refine(
    (raw) =>
      raw.split(',').every((part) => {
        try {
          return protocols.includes(new URL(part.trim()).protocol);
        } catch {
          return false;
        }
      }),
    rule,
  );

/**
 * The schema. An unset variable and one set to the empty string are the same: unset. Variables not named here are
 * not the gateway's and are ignored (a REPLAY_/TIMELINE_/NOTIFY_/UPSTREAM_/REDIS_ one gets a start-up warning).
 */
export const envSchema = z.object({
  PORT: wholeNumber('must be a port number from 0 to 65535', 0, 65_535).default('8080'),
  HOST: z.string().trim().min(1, 'must name an address to listen on').default('0.0.0.0'),
  REDIS_URL: urlList(['redis:', 'rediss:'], 'must be a redis:// or rediss:// URL (for a cluster: several, comma separated)').optional(),
  REDIS_CLUSTER: z
    .string()
    .transform((raw, ctx) => {
      const text = raw.trim().toLowerCase();
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false') return false;
      ctx.addIssue({ code: 'custom', message: 'must be 1, true, 0 or false' });
      return z.NEVER;
    })
    .default('0'),
  REDIS_PREFIX: z.string().default('mg:'),
  UPSTREAM_US: httpUrl().optional(),
  UPSTREAM_EU: httpUrl().optional(),
  GATEWAY_CONFIG: z.string().optional(),
  ADMIN_TOKENS: z
    .string()
    .transform((raw, ctx) => {
      const tokens = raw
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      // A mistyped digest would otherwise be taken as a plain token that nobody holds.
      if (tokens.some((t) => /^sha256:/i.test(t) && !/^sha256:[0-9a-f]{64}$/i.test(t))) {
        ctx.addIssue({ code: 'custom', message: 'an entry starting with sha256: must be followed by the 64 hex digits of the digest' });
        return z.NEVER;
      }
      return tokens;
    })
    .optional(),
  BYPASS_SECRET: secret(32).optional(),
  WORKERS: z
    .string()
    .transform((raw, ctx): number | 'auto' => {
      const text = raw.trim();
      if (text.toLowerCase() === 'auto') return 'auto';
      const count = Number(text);
      if (!/^\d+$/.test(text) || count < 1 || count > 256) {
        ctx.addIssue({ code: 'custom', message: 'must be "auto" or a whole number from 1 to 256' });
        return z.NEVER;
      }
      return count;
    })
    .default('1'),
  SHUTDOWN_GRACE_MS: wholeNumber('must be a whole number of milliseconds', 0).default('10000'),
  LOG_LEVEL: z
    .string()
    .transform((raw, ctx): LogLevel => {
      const text = raw.trim().toLowerCase();
      if ((PINO_LEVELS as readonly string[]).includes(text)) return text as LogLevel;
      ctx.addIssue({ code: 'custom', message: `must be one of ${PINO_LEVELS.join(', ')}` });
      return z.NEVER;
    })
    .default('info'),
  REPLAY_SIGNING_SECRET: secret(32).optional(),
  REPLAY_CONCURRENCY: positive().optional(),
  REPLAY_BATCH_SIZE: positive().optional(),
  REPLAY_BATCH_BYTES: wholeNumber('must be a positive whole number of bytes').optional(),
  REPLAY_LEASE_TTL_MS: milliseconds().optional(),
  REPLAY_BACKOFF_BASE_MS: milliseconds().optional(),
  REPLAY_BACKOFF_MAX_MS: milliseconds().optional(),
  REPLAY_MAX_ATTEMPTS: positive().optional(),
  REPLAY_POLL_INTERVAL_MS: milliseconds().optional(),
  REPLAY_REQUEST_TIMEOUT_MS: milliseconds().optional(),
  REPLAY_PROGRESS_EVERY: positive().optional(),
  REPLAY_SETTLE_GRACE_MS: milliseconds().optional(),
  REPLAY_STOP_GRACE_MS: milliseconds().optional(),
  REPLAY_RECHECK_MS: milliseconds().optional(),
  TIMELINE_TICK_MS: milliseconds().optional(),
  NOTIFY_MAX_ATTEMPTS: positive().optional(),
  NOTIFY_BACKOFF_BASE_MS: milliseconds().optional(),
  NOTIFY_BACKOFF_MAX_MS: milliseconds().optional(),
  NOTIFY_WEBHOOK_URL: httpUrl().optional(),
  NOTIFY_OPERATOR_EMAIL: z
    .string()
    .refine(
      (raw) => raw.split(',').every((a) => /^[^@\s<>]+@[^@\s<>]+$/.test(a.trim())),
      'must be an email address (several: comma separated)',
    )
    .optional(),
  NOTIFY_FROM: z.string().optional(),
  SMTP_URL: urlList(['smtp:', 'smtps:'], 'must be an smtp:// or smtps:// URL').optional(),
  MG_TEST_WORKER_HEADER: z
    .string()
    .transform((raw) => raw.trim() === '1')
    .default('0'),
});

export type EnvName = keyof typeof envSchema.shape;
export type ParsedEnv = z.output<typeof envSchema>;

/**
 * What the README's table says of each variable's default, and which variables hold secrets: a refusal never shows
 * a secret's value (URLs count: they may carry a password or a token); other refusals quote what they got.
 */
export const ENV_DOCS: Record<EnvName, { default: string; secret?: true }> = {
  PORT: { default: '8080' },
  HOST: { default: '0.0.0.0' },
  REDIS_URL: { default: 'unset', secret: true },
  REDIS_CLUSTER: { default: '0' },
  REDIS_PREFIX: { default: 'mg:' },
  UPSTREAM_US: { default: 'the config file', secret: true },
  UPSTREAM_EU: { default: 'the config file', secret: true },
  GATEWAY_CONFIG: { default: 'config/default.json' },
  ADMIN_TOKENS: { default: 'unset', secret: true },
  BYPASS_SECRET: { default: 'the config file', secret: true },
  WORKERS: { default: '1' },
  SHUTDOWN_GRACE_MS: { default: '10000' },
  LOG_LEVEL: { default: 'info' },
  REPLAY_SIGNING_SECRET: { default: 'the config file', secret: true },
  REPLAY_CONCURRENCY: { default: '8' },
  REPLAY_BATCH_SIZE: { default: '25' },
  REPLAY_BATCH_BYTES: { default: '16777216' },
  REPLAY_LEASE_TTL_MS: { default: '15000' },
  REPLAY_BACKOFF_BASE_MS: { default: '1000' },
  REPLAY_BACKOFF_MAX_MS: { default: '300000' },
  REPLAY_MAX_ATTEMPTS: { default: '20' },
  REPLAY_POLL_INTERVAL_MS: { default: '500' },
  REPLAY_REQUEST_TIMEOUT_MS: { default: 'limits.upstreamTimeoutMs' },
  REPLAY_PROGRESS_EVERY: { default: '1000' },
  REPLAY_SETTLE_GRACE_MS: { default: '60000' },
  REPLAY_STOP_GRACE_MS: { default: 'SHUTDOWN_GRACE_MS − 100, at most 5000' },
  REPLAY_RECHECK_MS: { default: '5000' },
  TIMELINE_TICK_MS: { default: '15000' },
  NOTIFY_MAX_ATTEMPTS: { default: '8' },
  NOTIFY_BACKOFF_BASE_MS: { default: '30000' },
  NOTIFY_BACKOFF_MAX_MS: { default: '3600000' },
  NOTIFY_WEBHOOK_URL: { default: 'unset', secret: true },
  NOTIFY_OPERATOR_EMAIL: { default: 'unset' },
  NOTIFY_FROM: { default: 'maintenance-gateway@localhost' },
  SMTP_URL: { default: 'unset', secret: true },
  MG_TEST_WORKER_HEADER: { default: '0' },
};

/** Replay settings (structurally the replayer's options); unset ones keep the replayer's defaults. */
export interface ReplaySettings {
  signingSecret?: string;
  concurrency?: number;
  batchSize?: number;
  batchBytes?: number;
  leaseTtlMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxAttempts?: number;
  pollIntervalMs?: number;
  requestTimeoutMs?: number;
  progressEvery?: number;
  settleGraceMs?: number;
  stopGraceMs?: number;
  recheckMs?: number;
}

/** Where notifications go: the timeline's (SMTP and/or webhook) and replay_rejected's (webhook and/or operator email). */
export interface NotifySettings {
  smtpUrl?: string;
  from?: string;
  webhookUrl?: string;
  operatorEmail?: string;
}

/** The standard parts' settings (buffer, timeline, notifications): what createGateway's `settings` option takes. */
export interface PartsSettings {
  replay: ReplaySettings;
  timeline: { tickIntervalMs?: number; retry: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number } };
  notify: NotifySettings;
}

/** The server's settings: everything the environment says, typed. */
export interface EnvSettings {
  port: number;
  host: string;
  /** Null = the embedded in-memory store. */
  redis: { url: string; cluster: boolean; prefix: string } | null;
  /** GATEWAY_CONFIG; undefined = config/default.json. */
  configFile: string | undefined;
  upstreams: { us?: string; eu?: string };
  adminTokens: string[];
  bypassSecret: string | undefined;
  workers: number | 'auto';
  shutdownGraceMs: number;
  logLevel: LogLevel;
  testWorkerHeader: boolean;
  parts: PartsSettings;
  /** Variables that look like the gateway's but are not (a typo?): logged at start-up. */
  warnings: string[];
}

const WATCHED_PREFIXES = ['REPLAY_', 'TIMELINE_', 'NOTIFY_', 'UPSTREAM_', 'REDIS_', 'SMTP_'];

/** Unset and empty are the same; only the schema's own names are kept. */
function present(raw: RawEnv, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = raw[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

function describeIssues(error: z.ZodError, values: Record<string, string>): string {
  return error.issues
    .map((issue) => {
      const name = String(issue.path[0] ?? '(environment)') as EnvName;
      const value = values[name];
      // Only variables that hold no secret quote their value, and then only its start.
      const shown = value !== undefined && ENV_DOCS[name] && !ENV_DOCS[name].secret ? ` (got "${value.slice(0, 100)}")` : '';
      return `${name}: ${issue.message}${shown}`;
    })
    .join('; ');
}

function parseWith<S extends z.ZodTypeAny>(schema: S, raw: RawEnv, names: readonly string[]): z.output<S> {
  const values = present(raw, names);
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new ConfigError('ERR_CONFIG_ENV', `invalid environment: ${describeIssues(parsed.error, values)}`);
  return parsed.data as z.output<S>;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function partsSettingsOf(env: Partial<ParsedEnv>): PartsSettings {
  return {
    replay: definedOnly({
      signingSecret: env.REPLAY_SIGNING_SECRET,
      concurrency: env.REPLAY_CONCURRENCY,
      batchSize: env.REPLAY_BATCH_SIZE,
      batchBytes: env.REPLAY_BATCH_BYTES,
      leaseTtlMs: env.REPLAY_LEASE_TTL_MS,
      backoffBaseMs: env.REPLAY_BACKOFF_BASE_MS,
      backoffMaxMs: env.REPLAY_BACKOFF_MAX_MS,
      maxAttempts: env.REPLAY_MAX_ATTEMPTS,
      pollIntervalMs: env.REPLAY_POLL_INTERVAL_MS,
      requestTimeoutMs: env.REPLAY_REQUEST_TIMEOUT_MS,
      progressEvery: env.REPLAY_PROGRESS_EVERY,
      settleGraceMs: env.REPLAY_SETTLE_GRACE_MS,
      stopGraceMs: env.REPLAY_STOP_GRACE_MS,
      recheckMs: env.REPLAY_RECHECK_MS,
    }),
    timeline: definedOnly({
      tickIntervalMs: env.TIMELINE_TICK_MS,
      retry: definedOnly({
        maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
        baseDelayMs: env.NOTIFY_BACKOFF_BASE_MS,
        maxDelayMs: env.NOTIFY_BACKOFF_MAX_MS,
      }),
    }),
    notify: definedOnly({
      smtpUrl: env.SMTP_URL,
      from: env.NOTIFY_FROM,
      webhookUrl: env.NOTIFY_WEBHOOK_URL,
      operatorEmail: env.NOTIFY_OPERATOR_EMAIL,
    }),
  };
}

/**
 * Parses the whole environment once (server.ts, for the primary and each worker). Throws ConfigError ERR_CONFIG_ENV
 * listing every refusal as `NAME: rule`.
 */
export function parseEnv(raw: RawEnv): EnvSettings {
  const names = Object.keys(envSchema.shape);
  const env = parseWith(envSchema, raw, names);
  const known = new Set(names);
  const warnings = Object.keys(raw)
    .filter((name) => !known.has(name) && WATCHED_PREFIXES.some((prefix) => name.startsWith(prefix)))
    .sort()
    .map((name) => `${name} is not a variable the gateway reads (ignored): see README, Configuration`);
  const parts = partsSettingsOf(env);
  // Background work stops at SIGTERM while requests drain; a replay request in flight may finish within the grace
  // period, not beyond it, so the shutdown as a whole fits SHUTDOWN_GRACE_MS.
  parts.replay.stopGraceMs ??= Math.max(1, Math.min(5000, env.SHUTDOWN_GRACE_MS - 100));
  return {
    port: env.PORT,
    host: env.HOST,
    redis: env.REDIS_URL ? { url: env.REDIS_URL, cluster: env.REDIS_CLUSTER, prefix: env.REDIS_PREFIX } : null,
    configFile: env.GATEWAY_CONFIG,
    upstreams: definedOnly({ us: env.UPSTREAM_US, eu: env.UPSTREAM_EU }),
    adminTokens: env.ADMIN_TOKENS ?? [],
    bypassSecret: env.BYPASS_SECRET,
    workers: env.WORKERS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    logLevel: env.LOG_LEVEL,
    testWorkerHeader: env.MG_TEST_WORKER_HEADER,
    parts,
    warnings,
  };
}

/** The variables the standard parts read: what createGateway's (compatibility) `env` option is parsed for. */
export const PARTS_VARIABLES = Object.keys(envSchema.shape).filter((name) =>
  /^(REPLAY_|TIMELINE_|NOTIFY_|SMTP_URL$)/.test(name),
) as EnvName[];

/** The standard parts' settings from an environment, through the same schema; other variables are not looked at. */
export function parsePartsEnv(raw: RawEnv): PartsSettings {
  const pick = Object.fromEntries(PARTS_VARIABLES.map((name) => [name, true])) as { [K in EnvName]?: true };
  return partsSettingsOf(parseWith(envSchema.pick(pick), raw, PARTS_VARIABLES) as Partial<ParsedEnv>);
}
