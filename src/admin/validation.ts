// Admin input schemas (zod): unknown fields, wrong types, bad dates and dangerous keys are refused by name.
import { z, type ZodError, type ZodType } from 'zod';
import { isValidTimeZone } from '../domain/time-zone';
import { GatewayError } from '../domain/errors';
import { canonicalLocale } from '../config/messages-schema';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const keyName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_"')
  .refine((k) => !FORBIDDEN_KEYS.has(k), 'is a reserved name');

// Single-line text: control characters (NUL, CR/LF, ESC…) have no place in a name and end up in mail headers and logs.
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must not contain control characters');

/** The same shape as X-Actor-Id, so every super admin can actually act through the admin API. */
const actorId = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters without spaces (as in X-Actor-Id)');

const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL');

export const integrationSchema = z
  .object({
    baseUrl: httpUrl,
    // The rolling window is an exact log (~110 bytes per call in Redis): 1 M calls ≈ 110 MB per integration.
    dailyCallAllocation: z.number().int().min(1).max(1_000_000),
    fieldMappings: z
      .array(z.object({ property: text(200), field: text(200) }).strict())
      .max(10_000)
      .default([]),
    notifyOnSuspension: z.boolean().default(false),
  })
  .strict();

// A host name as it appears in Host (no scheme, port, path or trailing dot), at least two labels, not an IP address;
// `*.` in front matches exactly one more label. Lower-cased, so each domain has one stored form.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)+${LABEL}$`);
const domainName = z
  .string()
  .max(253)
  .transform((d) => d.toLowerCase())
  .refine((d) => HOST_NAME.test(d), 'must be a host name such as help.example.com or *.example.com (no scheme, port or path)')
  .refine((d) => !/^[0-9.]+$/.test(d.replace(/^\*\./, '')), 'must be a host name, not an IP address');

export const domainsSchema = z
  .array(domainName)
  .max(100, 'may hold at most 100 domains')
  .superRefine((domains, ctx) => {
    const seen = new Set<string>();
    domains.forEach((d, i) => {
      if (seen.has(d)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'repeats an earlier domain', path: [i] });
      seen.add(d);
    });
  });

export const settingsSchema = z
  .object({
    dataLocation: z.enum(['us', 'eu']),
    timezone: z.string().max(64).refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
    contactName: text(200),
    superAdmins: z
      .array(z.object({ id: actorId, name: text(200), email: z.string().max(254).email() }).strict())
      .min(1, 'must name at least one super admin')
      .max(100),
    paymentsEnabled: z.boolean().default(false),
    ssoEnabled: z.boolean().default(false),
    hasSandbox: z.boolean().default(false),
    integrations: z.record(keyName, integrationSchema).default({}),
    meetingLinks: z.record(keyName, z.object({ ownerName: text(200), ownerEmail: z.string().max(254).email() }).strict()).default({}),
    connectedApps: z
      .array(
        z
          .object({
            name: text(200),
            kind: z.enum(['video_meetings', 'team_chat']),
            linkedAccountIds: z.array(text(64)).max(1000),
          })
          .strict(),
      )
      .max(100)
      .default([]),
    /** A language tag (canonicalised: "sv-se" → "sv-SE"); the admin router checks it is one the gateway has texts for. */
    locale: z
      .string()
      .max(35)
      .transform((tag, ctx) => {
        const canonical = canonicalLocale(tag);
        if (canonical === null) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a language tag such as "sv" or "de-AT"' });
          return z.NEVER;
        }
        return canonical;
      })
      .optional(),
    domains: domainsSchema.optional(),
  })
  .strict();

/** A settings locale the gateway has no texts for is refused by name, with the locales it has. */
export function requireKnownLocale(locale: string | undefined, locales: readonly string[]): void {
  if (locale === undefined || locales.includes(locale)) return;
  throw new GatewayError(400, 'INVALID_BODY', `locale: "${locale}" has no texts here; use one of ${locales.join(', ')}`, {
    field: 'locale',
  });
}

/** An API token by its secret (hashed on arrival, never stored) or by its SHA-256 digest; exactly one of the two. */
export const apiTokenSchema = z
  .object({
    token: z
      .string()
      .regex(/^[\x21-\x7e]{16,4096}$/, 'must be 16-4096 printable ASCII characters without spaces')
      .optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal digits (a SHA-256 digest)')
      .transform((d) => d.toLowerCase())
      .optional(),
    label: text(100).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.token === undefined) === (body.sha256 === undefined)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'give exactly one of "token" and "sha256"',
        path: [body.token === undefined ? 'token' : 'sha256'],
      });
    }
  });

const isoInstant = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO-8601 date-time with a time zone, e.g. 2026-12-08T21:00:00Z',
  )
  .transform((s, ctx) => {
    const [y, mo, d, h, mi, se] = [s.slice(0, 4), s.slice(5, 7), s.slice(8, 10), s.slice(11, 13), s.slice(14, 16), s.slice(17, 19)].map(
      Number,
    ) as number[];
    const daysInMonth = new Date(Date.UTC(y ?? 0, mo ?? 0, 0)).getUTCDate();
    const ms = Date.parse(s);
    const valid =
      (y ?? 0) >= 2000 &&
      (y ?? 0) <= 2200 &&
      (mo ?? 0) >= 1 &&
      (mo ?? 0) <= 12 &&
      (d ?? 0) >= 1 &&
      (d ?? 0) <= daysInMonth &&
      (h ?? 0) <= 23 &&
      (mi ?? 0) <= 59 &&
      (Number.isNaN(se) || (se ?? 0) <= 59);
    if (!valid || !Number.isFinite(ms)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not a valid date-time' });
      return z.NEVER;
    }
    return ms;
  });

export const scheduleSchema = z.object({ start: isoInstant, target: z.enum(['eu', 'us']).default('eu') }).strict();
export const rescheduleSchema = z.object({ start: isoInstant }).strict();

function describe(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid body';
  const where = issue.path.length ? issue.path.join('.') : 'body';
  if (issue.code === 'unrecognized_keys') return `${where === 'body' ? '' : where + ': '}unknown field(s) ${issue.keys.join(', ')}`;
  return `${where}: ${issue.message}`;
}

export function parseBody<T>(schema: ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError(400, 'INVALID_BODY', 'the body must be a JSON object (Content-Type: application/json)');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new GatewayError(400, 'INVALID_BODY', describe(parsed.error), { field: first?.path.join('.') ?? '' });
  }
  return parsed.data;
}
