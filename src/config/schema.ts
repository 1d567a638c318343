// The configuration file's schema (zod): parsed once at start-up into a complete internal config.
import { z } from 'zod';
import { SURFACES } from '../domain/surfaces';
import { DEFAULT_BUFFERED_BODY_LIMITS, DEFAULT_IN_FLIGHT_BODY_BYTES } from '../domain/limits';
import { DEFAULT_HEADER_ALLOW_LIST } from '../domain/http-headers';
import { NEVER_REPLAYED } from '../domain/http-headers';
import { DEFAULT_MAX_RETRY_AFTER_SECONDS } from '../domain/limits';
import { messagesSchema } from './messages-schema';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const routeSchema = z
  .object({
    path: z
      .string()
      .startsWith('/', 'must start with /')
      .refine((p) => !p.includes('?'), 'must not contain a query string'),
    methods: z.array(z.enum(METHODS)).nonempty().optional(),
    surface: z.enum(SURFACES),
    /**
     * The path the upstream gets, as a template over the route's own parameters and its `**`
     * (e.g. "/api/**" for "/api/:accountId/**"). Unset = the path as received.
     */
    rewrite: z
      .string()
      .startsWith('/', 'must start with /')
      .refine((p) => !p.includes('?'), 'must not contain a query string')
      .optional(),
  })
  .strict()
  .superRefine((route, ctx) => {
    if (route.rewrite === undefined) return;
    const params = new Set(route.path.split('/').filter((s) => s.startsWith(':')));
    for (const segment of route.rewrite.split('/')) {
      if (segment.startsWith(':') && !params.has(segment)) {
        ctx.addIssue({ code: 'custom', path: ['rewrite'], message: `names ${segment}, which the route's path does not have` });
      }
      if (segment === '**' && !route.path.endsWith('/**')) {
        ctx.addIssue({ code: 'custom', path: ['rewrite'], message: "uses ** but the route's path does not end with /**" });
      }
    }
  });

const urlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL');

/** An upstream: its base URL, or `{url, preserveHost}` to hand it the client's Host instead of its own. */
const upstreamSchema = z
  .union([urlSchema, z.object({ url: urlSchema, preserveHost: z.boolean().default(false) }).strict()])
  .transform((u) => (typeof u === 'string' ? { url: u, preserveHost: false } : u));

/** Where an account can be named, in the order they are consulted by default (SPEC §8). */
export const ACCOUNT_SOURCES = ['path', 'host', 'token', 'header', 'query', 'cookie'] as const;
export type AccountSource = (typeof ACCOUNT_SOURCES)[number];

export const configSchema = z
  .object({
    upstreams: z.object({ us: upstreamSchema, eu: upstreamSchema }).strict(),
    routes: z.array(routeSchema).nonempty(),
    account: z
      .object({
        header: z.string().min(1).default('x-account-id'),
        query: z.string().min(1).default('portalId'),
        /**
         * Client addresses (exact IPs) allowed to name the account in the header. Empty = any client.
         * From other clients the header is stripped before proxying and ignored.
         */
        trustedHeaderSources: z.array(z.string()).default([]),
        /** A cookie whose value is the account id (SPEC §8). Unset = cookies are not consulted. */
        cookie: z
          .string()
          .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be a cookie name')
          .optional(),
        /** Which sources name the account, in order; drop one to ignore it. Every source that names one must agree. */
        sources: z
          .array(z.enum(ACCOUNT_SOURCES))
          .nonempty()
          .refine((list) => new Set(list).size === list.length, 'must not name a source twice')
          .default([...ACCOUNT_SOURCES]),
      })
      .strict()
      .default({}),
    limits: z
      .object({
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /** Largest declared (Content-Length) body the gateway proxies; larger ones get 413 before reaching the upstream. */
        maxProxiedBodyBytes: z
          .number()
          .int()
          .positive()
          .default(100 * 1024 * 1024),
        adminBodyBytes: z
          .number()
          .int()
          .positive()
          .default(64 * 1024),
        migrationsPerDay: z.number().int().positive().default(50),
        upstreamTimeoutMs: z.number().int().positive().default(30_000),
        stateCacheTtlMs: z.number().int().positive().default(5_000),
        /** Account states kept in each process's cache (least recently used leave first); README "Performance" gives the memory per entry. */
        stateCacheEntries: z.number().int().positive().default(100_000),
        /** Deprecated and ignored (a start-up warning): accepted so first-release config files still load. */
        adminRequestsPerMinute: z.number().int().positive().optional(),
        /** Largest Retry-After (seconds) on the gateway's own answers, so clients resume soon after an early end (SPEC §10). */
        maxRetryAfterSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_MAX_RETRY_AFTER_SECONDS),
        /** Domains and API-token digests remembered in-process (LRU) by the account directory. */
        directoryCacheEntries: z.number().int().positive().default(100_000),
        /**
         * SPEC §9: largest body buffered in the window, per buffer surface. Forms carry file uploads (10 MiB);
         * a surface left out takes maxBodyBytes (1 MiB).
         */
        maxBufferedBodyBytes: z
          .object({
            form: z.number().int().positive().default(DEFAULT_BUFFERED_BODY_LIMITS.form),
            meeting: z.number().int().positive().optional(),
            analytics: z.number().int().positive().optional(),
            inbound: z.number().int().positive().optional(),
          })
          .strict()
          .default({}),
        /** Bytes of buffered-write bodies one instance holds at once; past it writes get 503 + Retry-After. */
        maxBufferingBytes: z.number().int().positive().default(DEFAULT_IN_FLIGHT_BODY_BYTES),
      })
      .strict()
      .default({}),
    /** The CRM integration guard (SPEC §6). */
    integrations: z
      .object({
        /** Consecutive transient CRM failures (outage, lock, server or unknown error) that suspend an integration. */
        transientThreshold: z.number().int().min(1).max(1000).default(3),
        /** Wait before one trial call through a transient suspension, and between trial calls. */
        probeCooldownMs: z.number().int().min(1000).max(86_400_000).default(60_000),
      })
      .strict()
      .default({}),
    buffer: z
      .object({
        /**
         * Request headers kept with a buffered write and replayed with it (lower-cased); the others are dropped.
         * Replaces the default list, so keep the signature headers the upstream verifies.
         */
        headerAllowList: z
          .array(
            z
              .string()
              .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be an HTTP header name')
              .transform((h) => h.toLowerCase())
              .refine((h) => !NEVER_REPLAYED.has(h), 'is a connection, framing or bypass header and is never replayed'),
          )
          .max(200)
          .default([...DEFAULT_HEADER_ALLOW_LIST]),
        /** SPEC §9 attestation key of replayed requests (REPLAY_SIGNING_SECRET overrides it). Unset = replays are not signed. */
        signingSecret: z.string().min(32, 'must be at least 32 characters (REPLAY_SIGNING_SECRET)').optional(),
      })
      .strict()
      .default({}),
    /** Calendar days (YYYY-MM-DD, UTC) on which no migration may start. */
    unavailableDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]),
    /**
     * Texts of the gateway's own answers, replacing the defaults (SPEC §10). The flat keys (and `accepted`) override
     * English; `messages.<locale>` (e.g. `sv`, `fr`, `de-AT`) overrides a built-in locale or adds one. `{endDate}`,
     * `{endTime}`, `{timeZone}`, `{endIso}`, `{contactName}` and `{migrationDay}` are filled in (and HTML-escaped on pages).
     */
    messages: messagesSchema.default({}),
    /** CORS on the gateway's own answers and its preflight answers in the window: "*" or a list of origins. */
    cors: z
      .object({
        origins: z
          .union([
            z.literal('*'),
            z
              .array(
                z
                  .string()
                  .regex(/^https?:\/\/[^/?#\s]+$/, 'must be an origin such as https://www.example.com (scheme and host, no path)')
                  .transform((o) => o.toLowerCase()),
              )
              .max(1000),
          ])
          .default('*'),
      })
      .strict()
      .default({}),
    /** What to do for an account whose state cannot be loaded because the store is down. */
    onStoreUnavailable: z.enum(['pass', 'unavailable']).default('pass'),
    /** Admin bearer tokens: plain text or `sha256:<hex>`. ADMIN_TOKENS adds to these. */
    adminTokens: z.array(z.string().min(1)).default([]),
    /** HMAC key of operator bypass tokens (BYPASS_SECRET overrides it). Unset = no bypass. */
    bypassSecret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Region the traffic of accounts the gateway does not know goes to. */
    defaultRegion: z.enum(['us', 'eu']).default('us'),
  })
  .strict();

export type GatewayConfigInput = z.input<typeof configSchema>;
export type GatewayConfig = z.output<typeof configSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
