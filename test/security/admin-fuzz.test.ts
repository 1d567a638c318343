// Generated hostile admin traffic (seeded, reproducible): every request is invalid, so every answer must be a 4xx
// with {"error":{"code","message"}}, nothing stored may change, and Object.prototype must stay clean.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { checklistItem } from '../../src/timeline/checklist';
import { ADMIN_TOKEN, SUPER_ADMIN, accountSettings, auth } from '../support/accounts';
import { adminApp } from './admin-app';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const DAY = 24 * 3600_000;
const CASES = Number(process.env.FUZZ_CASES ?? 2400);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed6);
const LIMIT = 64 * 1024;

type Json = unknown;

interface FuzzCase {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Bytes written as-is on a fresh socket (things an HTTP client refuses to send). */
  raw?: Buffer;
  /** Refused before the admin API by the gateway itself, in its own error shape with this category. */
  gatewayCategory?: string;
  /** The admin API's error code this case must be refused with (it proves the request got as far as it should). */
  errorCode?: string;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** Node's own answer to a request its HTTP parser refused: the app never saw it. */
  parserRefusal: boolean;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- hostile material ----------------------------------------------------------------------------------------

const INJECTIONS = [
  "' OR '1'='1",
  '1; DROP TABLE accounts; --',
  '"; DROP TABLE accounts; --',
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '{{constructor.constructor("return process")()}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  'line\r\nSet-Cookie: injected=1',
  '\u0000null-byte',
  '\u202eRTL override',
  'ｆｕｌｌｗｉｄｔｈ',
  '😀🔥💥',
  'Ω≈ç√∫˜µ≤≥÷',
  '\ud800 lone surrogate',
  '$where: function() { return true }',
  '{"$gt": ""}',
  '*)(uid=*))(|(uid=*',
  'A'.repeat(1000),
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const PROTO_VALUES: Json[] = [
  { polluted: 'yes' },
  { prototype: { polluted: 'yes' } },
  { __proto__: { polluted: 'yes' } },
  'polluted',
  [1, 2],
  null,
];

const BAD_IDS = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2E%2E',
  '..',
  '%00',
  'acme%00',
  'acme%0d%0aSet-Cookie:%20x=1',
  encodeURIComponent('<script>alert(1)</script>'),
  encodeURIComponent("1' OR '1'='1"),
  encodeURIComponent('ümlaut'),
  encodeURIComponent('😀'),
  'a'.repeat(65),
  '.hidden',
  '-dash',
  '_under',
  '__proto__',
  '%5F%5Fproto%5F%5F',
  'acme%2Fmigration',
  'acme%20',
  '%20acme',
  '%',
  '%zz',
];
/** Valid as ids but never created: unknown accounts, some named like Object.prototype members. */
const UNKNOWN_IDS = ['constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'nobody', 'ACME', 'acme.', 'a..b'];

// Outside 1-128 printable ASCII characters. (Surrounding spaces are trimmed by the HTTP parser, so " " is no actor at all.)
const BAD_ACTORS = ['a b', 'x'.repeat(129), '<script> x', "' OR '1'='1", 'tab\there', 'é', 'ümlaut-latin1', 'a\tb'];

const BAD_AUTH: (Record<string, string> | null)[] = [
  null,
  { Authorization: 'Bearer wrong-token' },
  { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
  { Authorization: `bearer ${ADMIN_TOKEN}` },
  { Authorization: `Bearer  ${ADMIN_TOKEN}` },
  { Authorization: `Bearer ${ADMIN_TOKEN}x` },
  { Authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
  { Authorization: `Bearer ${'x'.repeat(8000)}` },
  { Authorization: 'Bearer' },
  { Authorization: '' },
  { Authorization: `Bearer sha256:${'0'.repeat(64)}` },
  { Authorization: "Bearer ' OR '1'='1" },
];

/** Start values that are malformed, impossible, or refused by the rules (past, sooner than 7 days). */
const BAD_DATES: Json[] = [
  '2026-02-30T10:00:00Z',
  '2027-02-29T10:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-12-32T00:00:00Z',
  '99999-01-01T00:00:00Z',
  '+099999-01-01T00:00:00Z',
  '2026-12-08T21:00:00+25:00',
  '2026-12-08T21:00:00-99:00',
  '2026-12-08T21:00:00+05:60',
  '2026-12-08T24:00:00Z',
  '2026-12-08T21:60:00Z',
  '2026-12-08T21:00:61Z',
  '2026-12-08T21:00:00',
  '2026-12-08',
  ' 2026-12-08T21:00:00Z',
  '2026-12-08T21:00:00Z ',
  '2026-12-08T21:00:00.1234567890Z',
  '2026-W50-1T00:00:00Z',
  '2026-12-08T21:00:00ZZ',
  'tomorrow',
  'NaN',
  '',
  '1970-01-01T00:00:00Z',
  '2026-11-23T12:00:00Z',
  '2026-11-30T11:59:59Z',
  new Date(NOW + 3 * DAY).toISOString(),
  '2099-12-31T23:59:59Z',
  NOW + 10 * DAY,
  null,
  true,
  {},
  [],
  { $date: '2026-12-08T21:00:00Z' },
];
/** 2099 is "valid" in shape; it is in BAD_DATES because PATCH on acme would accept it — filtered out below. */
const RESCHEDULE_DATES = BAD_DATES.filter((d) => d !== '2099-12-31T23:59:59Z');

const WRONG_TYPES: Json[] = [0, -1, 1.5, 1e308, true, false, null, 'string', '', [], [null], {}, { a: 1 }, '1', 'true'];

const BAD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'text/html',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=bogus',
  'application/jsonx',
];

// ---- generators --------------------------------------------------------------------------------------------------

function validSettings(): Record<string, Json> {
  // A deep copy: the shared fixtures (SUPER_ADMIN) must not be planted with keys.
  return structuredClone(
    accountSettings({
      integrations: {
        crm: {
          baseUrl: 'https://crm.example',
          dailyCallAllocation: 1000,
          fieldMappings: [{ property: 'email', field: 'Email' }],
          notifyOnSuspension: true,
        },
      },
      meetingLinks: { ada: { ownerName: 'Ada', ownerEmail: 'ada@example.test' } },
      connectedApps: [{ name: 'Video', kind: 'video_meetings', linkedAccountIds: ['acme'] }],
    }),
  );
}

function setOwn(target: Record<string, Json>, key: string, value: Json): void {
  // An own property even for "__proto__", as JSON.parse would make it.
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

type Obj = Record<string, Json>;
/** Objects inside the settings where a key can be planted (each nesting level). */
function levels(s: Obj): Obj[] {
  const integrations = s.integrations as Obj;
  const crm = integrations.crm as Obj;
  return [
    s,
    (s.superAdmins as Obj[])[0] as Obj,
    integrations,
    crm,
    (crm.fieldMappings as Obj[])[0] as Obj,
    s.meetingLinks as Obj,
    (s.meetingLinks as Obj).ada as Obj,
    (s.connectedApps as Obj[])[0] as Obj,
  ];
}

/** Each makes the settings invalid. */
const INVALIDATE: ((g: Gen, s: Obj) => string)[] = [
  (g, s) => {
    const field = g.pick([
      'dataLocation',
      'timezone',
      'contactName',
      'superAdmins',
      'paymentsEnabled',
      'ssoEnabled',
      'hasSandbox',
      'integrations',
      'meetingLinks',
      'connectedApps',
    ]);
    const kind = ['dataLocation', 'timezone', 'contactName'].includes(field)
      ? 'string'
      : field === 'superAdmins' || field === 'connectedApps'
        ? 'array'
        : field === 'integrations' || field === 'meetingLinks'
          ? 'record'
          : 'boolean';
    const wrong = WRONG_TYPES.filter((v) =>
      kind === 'string'
        ? typeof v !== 'string'
        : kind === 'boolean'
          ? typeof v !== 'boolean'
          : kind === 'array'
            ? !Array.isArray(v) || v.length > 0
            : !(v && typeof v === 'object' && !Array.isArray(v)),
    );
    // [null] is the one non-empty array here: a wrong item type for both array fields.
    const value = g.pick(wrong);
    s[field] = value;
    return `wrong type ${field}=${JSON.stringify(value)}`;
  },
  (g, s) => {
    const field = g.pick(['contactName', 'timezone']);
    s[field] = g.pick(['x', '<', '😀']).repeat(201 + g.int(LIMIT - 2000));
    return `huge ${field}`;
  },
  (g, s) => {
    (s.superAdmins as Obj[])[0] = { ...SUPER_ADMIN, name: 'n'.repeat(201 + g.int(20_000)) };
    return 'huge super admin name';
  },
  (g, s) => {
    const level = g.pick(levels(s));
    setOwn(
      level,
      g.pick(['colour', 'isAdmin', 'role', '$where', 'a'.repeat(300), INJECTIONS[g.int(INJECTIONS.length)] as string]),
      g.pick(WRONG_TYPES),
    );
    return 'unknown field';
  },
  (g, s) => {
    const key = g.pick(PROTO_KEYS);
    const all = levels(s);
    const at = g.int(all.length);
    setOwn(all[at] as Obj, key, g.pick(PROTO_VALUES));
    return `prototype key ${key} at level ${at}`;
  },
  (g, s) => {
    const key = g.pick(PROTO_KEYS);
    setOwn(s.integrations as Obj, key, { baseUrl: 'https://crm.example', dailyCallAllocation: 5 });
    return `integration named ${key}`;
  },
  (g, s) => {
    s.dataLocation = g.pick(['ap', 'US', 'EU', 'eu ', 'us\u0000', ...INJECTIONS.slice(0, 5)]);
    return 'bad dataLocation';
  },
  (g, s) => {
    s.timezone = g.pick([
      'Mars/Olympus',
      'UTC<script>',
      'Europe/Berlin\u0000',
      '../../etc/localtime',
      '+25:00',
      'GMT+99',
      'America/New_York; DROP TABLE',
      '',
      ' ',
      ...INJECTIONS,
    ]);
    return `bad timezone`;
  },
  (g, s) => {
    (s.superAdmins as Obj[])[0] = {
      ...SUPER_ADMIN,
      email: g.pick(['nope', 'a@', '@b.example', 'x@y.com<script>', 'a b@c.example', '', `${'a'.repeat(250)}@x.example`]),
    };
    return 'bad email';
  },
  (g, s) => {
    s.superAdmins = g.chance(0.5) ? [] : Array.from({ length: 101 }, (_, i) => ({ id: `sa-${i}`, name: 'N', email: `n${i}@x.example` }));
    return 'super admin count';
  },
  (g, s) => {
    ((s.integrations as Obj).crm as Obj).baseUrl = g.pick([
      'javascript:alert(1)',
      'file:///etc/passwd',
      'ftp://x.example',
      'http://',
      'not a url',
      'gopher://x',
      `https://x.example/${'a'.repeat(2100)}`,
    ]);
    return 'bad baseUrl';
  },
  (g, s) => {
    ((s.integrations as Obj).crm as Obj).dailyCallAllocation = g.pick([0, -1, 1.5, 1e9, '100', null, true, 1e308]);
    return 'bad allocation';
  },
  (g, s) => {
    s.contactName = g.pick(['', '   ', '\t\n']);
    return 'blank contact name';
  },
  (g, s) => {
    const bad = g.pick(['Ada\r\nBcc: all@example.test', 'Ada\u0000', 'Ada\u001b[31m', 'A\nB', 'Ada\u007f']);
    if (g.chance(0.5)) s.contactName = bad;
    else (s.superAdmins as Obj[])[0] = { ...SUPER_ADMIN, name: bad };
    return 'control characters in a name';
  },
  (g, s) => {
    (s.superAdmins as Obj[])[0] = { ...SUPER_ADMIN, id: g.pick(['sa 1', 'é', 'x'.repeat(129), '', 'a\tb']) };
    return 'super admin id that could never be an X-Actor-Id';
  },
  (g, s) => {
    (s.connectedApps as Obj[])[0] = { name: 'X', kind: g.pick(['zoom', 'TEAM_CHAT', '', null]), linkedAccountIds: [] };
    return 'bad connected app kind';
  },
  (g, s) => {
    const name = g.pick(['', 'a'.repeat(65), 'has space', '-x', '<script>', '../x', 'ümlaut']);
    (s.integrations as Obj)[name] = { baseUrl: 'https://crm.example', dailyCallAllocation: 5 };
    return 'bad integration name';
  },
];

/** Valid-looking noise added next to an invalidating change: injection strings in free text. */
function noise(g: Gen, s: Obj): void {
  if (g.chance(0.5)) s.contactName = g.pick(INJECTIONS);
  if (g.chance(0.3)) (s.superAdmins as Obj[])[0] = { ...SUPER_ADMIN, name: g.pick(INJECTIONS) };
}

const jsonHeaders = { ...auth, 'Content-Type': 'application/json' };

function invalidSettingsBody(g: Gen): { body: string; what: string } {
  const s = validSettings();
  const whats: string[] = [];
  // Noise first, so it can never overwrite the change that makes the body invalid.
  noise(g, s);
  const n = 1 + g.int(3);
  for (let i = 0; i < n; i++) {
    const change = g.pick(INVALIDATE);
    // A later change may target structure an earlier one replaced; the first always applies to intact settings.
    try {
      whats.push(change(g, s));
    } catch {
      whats.push('(skipped)');
    }
  }
  return { body: JSON.stringify(s), what: whats.join(' + ') };
}

const MALFORMED_JSON = [
  '{"dataLocation":',
  "{'dataLocation':'us'}",
  '{"a":1,}',
  '{"a":NaN}',
  '{"a":Infinity}',
  '"just a string"',
  '42',
  'null',
  'true',
  '[]',
  '[{}]',
  '\uFEFF{"dataLocation":',
  '{"a":"\\u00"}',
  '{"a":1}{"b":2}',
  '{' + '"a":{'.repeat(3000) + '}'.repeat(3001),
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":' + '1'.repeat(50_000) + '}',
  '\u0000',
  ' ',
  '<?xml version="1.0"?><a/>',
];

/** A real checklist item: an unknown one stops at the 404 before its body is ever read. */
const CHECKLIST_ITEM = 'connect-dedicated-ip';

type Route = { method: string; path: (id: string) => string; needsBody?: 'settings' | 'schedule' | 'reschedule' | 'checklist' | 'ttl' };
const ROUTES: Route[] = [
  { method: 'PUT', path: (id) => `/accounts/${id}`, needsBody: 'settings' },
  { method: 'GET', path: (id) => `/accounts/${id}` },
  { method: 'POST', path: (id) => `/accounts/${id}/migration`, needsBody: 'schedule' },
  { method: 'PATCH', path: (id) => `/accounts/${id}/migration`, needsBody: 'reschedule' },
  { method: 'DELETE', path: (id) => `/accounts/${id}/migration` },
  { method: 'POST', path: (id) => `/accounts/${id}/migration/start` },
  { method: 'POST', path: (id) => `/accounts/${id}/migration/complete` },
  { method: 'POST', path: (id) => `/accounts/${id}/migration/fail` },
  { method: 'POST', path: (id) => `/accounts/${id}/bypass-token`, needsBody: 'ttl' },
  { method: 'GET', path: (id) => `/accounts/${id}/buffer` },
  { method: 'POST', path: (id) => `/accounts/${id}/buffer/redrive` },
  { method: 'GET', path: (id) => `/accounts/${id}/notifications` },
  { method: 'GET', path: (id) => `/accounts/${id}/checklist` },
  { method: 'PATCH', path: (id) => `/accounts/${id}/checklist/${CHECKLIST_ITEM}`, needsBody: 'checklist' },
  { method: 'GET', path: (id) => `/accounts/${id}/integrations/crm` },
  { method: 'POST', path: (id) => `/accounts/${id}/integrations/crm/clear-suspension` },
];

/** A body that would be accepted if everything else about the request were right. */
function validBodyFor(route: Route): string | undefined {
  switch (route.needsBody) {
    case 'settings':
      return JSON.stringify(validSettings());
    case 'schedule':
      return JSON.stringify({ start: new Date(NOW + 8 * DAY).toISOString(), target: 'eu' });
    case 'reschedule':
      return JSON.stringify({ start: new Date(NOW + 9 * DAY).toISOString() });
    case 'checklist':
      return JSON.stringify({ done: true });
    case 'ttl':
      return JSON.stringify({ ttlSeconds: 600 });
    default:
      return undefined;
  }
}

const base = '/admin/v1';

const GENERATORS: { weight: number; make: (g: Gen) => FuzzCase }[] = [
  {
    // Valid requests in every other way, with bad credentials.
    weight: 3,
    make: (g) => {
      const route = g.pick(ROUTES);
      const bad = g.pick(BAD_AUTH);
      const headers: Record<string, string> = { 'X-Actor-Id': SUPER_ADMIN.id, 'Content-Type': 'application/json', ...(bad ?? {}) };
      return {
        label: `bad auth ${JSON.stringify(bad).slice(0, 60)}`,
        method: route.method,
        path: base + route.path('acme'),
        headers,
        body: validBodyFor(route),
      };
    },
  },
  {
    // Valid requests with a bad X-Actor-Id: refused before anything is read or written.
    weight: 2,
    make: (g) => {
      const route = g.pick(ROUTES);
      const actor = g.pick(BAD_ACTORS);
      return {
        label: `bad actor ${JSON.stringify(actor).slice(0, 40)}`,
        method: route.method,
        path: base + route.path(g.pick(['acme', 'beta'])),
        headers: { ...jsonHeaders, 'X-Actor-Id': actor },
        body: validBodyFor(route),
      };
    },
  },
  {
    // Valid requests for an id that cannot be an account.
    weight: 2,
    make: (g) => {
      const route = g.pick(ROUTES);
      const id = g.pick(BAD_IDS);
      return {
        label: `bad id ${id.slice(0, 40)}`,
        method: route.method,
        path: base + route.path(id),
        headers: jsonHeaders,
        body: validBodyFor(route),
      };
    },
  },
  {
    // Unknown accounts, including names of Object.prototype members (never PUT: that would create one).
    weight: 2,
    make: (g) => {
      const route = g.pick(ROUTES.filter((r) => r.method !== 'PUT'));
      const id = g.pick(UNKNOWN_IDS);
      return {
        label: `unknown account ${id}`,
        method: route.method,
        path: base + route.path(id),
        headers: jsonHeaders,
        body: validBodyFor(route),
      };
    },
  },
  {
    weight: 8,
    make: (g) => {
      const { body, what } = invalidSettingsBody(g);
      return {
        label: `PUT settings: ${what}`,
        method: 'PUT',
        path: `${base}/accounts/${g.pick(['acme', 'beta', 'new-account'])}`,
        headers: jsonHeaders,
        body,
      };
    },
  },
  {
    // Valid settings, but not as JSON the API reads.
    weight: 2,
    make: (g) => {
      const type = g.pick(BAD_CONTENT_TYPES);
      return {
        label: `PUT settings as ${type}`,
        method: 'PUT',
        path: `${base}/accounts/new-account`,
        headers: { ...auth, 'Content-Type': type },
        body: JSON.stringify(validSettings()),
      };
    },
  },
  {
    weight: 1,
    make: (g) => {
      const encoding = g.pick(['gzip', 'deflate', 'br', 'compress', 'x-unknown']);
      return {
        label: `PUT settings with Content-Encoding ${encoding} (not encoded)`,
        method: 'PUT',
        path: `${base}/accounts/new-account`,
        headers: { ...jsonHeaders, 'Content-Encoding': encoding },
        body: JSON.stringify(validSettings()),
      };
    },
  },
  {
    weight: 3,
    make: (g) => {
      const route = g.pick(ROUTES.filter((r) => r.needsBody));
      const body = g.pick(MALFORMED_JSON);
      return {
        label: `malformed JSON to ${route.method} ${route.needsBody}: ${JSON.stringify(body.slice(0, 30))}`,
        method: route.method,
        path: base + route.path(g.pick(['acme', 'new-account'])),
        headers: jsonHeaders,
        body,
      };
    },
  },
  {
    // Beyond the 64 KiB admin body limit: 413 before anything is parsed.
    weight: 2,
    make: (g) => {
      const route = g.pick(ROUTES.filter((r) => r.needsBody));
      const s = validSettings();
      s.contactName = 'x'.repeat(LIMIT + g.int(200_000));
      return {
        label: `oversized body to ${route.method} ${route.needsBody}`,
        method: route.method,
        path: base + route.path('acme'),
        headers: jsonHeaders,
        body: JSON.stringify(s),
      };
    },
  },
  {
    // Scheduling: acme is already scheduled (409) and beta has payments on (422), whatever the body; plus bad bodies.
    weight: 4,
    make: (g) => {
      const start = g.pick(BAD_DATES);
      const body: Obj = { start, target: g.pick(['eu', 'us', 'EU', 'ap', 1, null]) };
      if (g.chance(0.2)) setOwn(body, g.pick(['extra', ...PROTO_KEYS]), g.pick(PROTO_VALUES));
      const actor = g.pick([SUPER_ADMIN.id, SUPER_ADMIN.id, 'mallory']);
      return {
        label: `schedule ${JSON.stringify(body).slice(0, 80)} by ${actor}`,
        method: 'POST',
        path: `${base}/accounts/${g.pick(['acme', 'beta'])}/migration`,
        headers: { ...jsonHeaders, 'X-Actor-Id': actor },
        body: JSON.stringify(body),
      };
    },
  },
  {
    // Rescheduling acme: only dates that are malformed or break the 7-day rule; beta has nothing to reschedule.
    weight: 4,
    make: (g) => {
      const id = g.pick(['acme', 'acme', 'beta']);
      const body: Obj = { start: id === 'beta' ? g.pick(BAD_DATES) : g.pick(RESCHEDULE_DATES) };
      if (g.chance(0.2)) setOwn(body, g.pick(['target', 'extra', ...PROTO_KEYS]), g.pick(PROTO_VALUES));
      return {
        label: `reschedule ${id} ${JSON.stringify(body).slice(0, 80)}`,
        method: 'PATCH',
        path: `${base}/accounts/${id}/migration`,
        headers: jsonHeaders,
        body: JSON.stringify(body),
      };
    },
  },
  {
    // Cancel: never acme by its super admin (that one is valid).
    weight: 2,
    make: (g) => {
      const [id, actor] = g.pick([
        ['acme', 'mallory'],
        ['acme', 'SA-1'],
        ['beta', SUPER_ADMIN.id],
      ] as const);
      return {
        label: `cancel ${id} by ${actor}`,
        method: 'DELETE',
        path: `${base}/accounts/${id}/migration`,
        headers: { ...auth, 'X-Actor-Id': actor },
        body: g.chance(0.3) ? g.pick(MALFORMED_JSON) : undefined,
      };
    },
  },
  {
    // Transitions that the states refuse: beta has no migration; acme's has not started, so it cannot end.
    weight: 2,
    make: (g) => {
      const [id, verb] = g.pick([
        ['beta', 'start'],
        ['beta', 'complete'],
        ['beta', 'fail'],
        ['acme', 'complete'],
        ['acme', 'fail'],
      ] as const);
      return {
        label: `${verb} ${id}`,
        method: 'POST',
        path: `${base}/accounts/${id}/migration/${verb}`,
        headers: jsonHeaders,
        body: g.chance(0.5) ? g.pick(MALFORMED_JSON.slice(0, 12)) : undefined,
      };
    },
  },
  {
    weight: 2,
    make: (g) => {
      const ttl = g.pick([0, -1, 86_401, 1e12, 1.5, '600', null, true, [], {}, 'P1D', 1e308]);
      const body: Obj = { ttlSeconds: ttl };
      if (g.chance(0.3)) setOwn(body, g.pick(['account', 'exp', ...PROTO_KEYS]), g.pick(PROTO_VALUES));
      return {
        label: `bypass token ${JSON.stringify(body)}`,
        method: 'POST',
        path: `${base}/accounts/acme/bypass-token`,
        headers: jsonHeaders,
        body: JSON.stringify(body),
      };
    },
  },
  {
    weight: 2,
    make: (g) => {
      const query = g.pick([
        'limit=0',
        'limit=-1',
        'limit=abc',
        'limit=1e9',
        'limit=10000000',
        'limit=1;DROP%20TABLE',
        'limit=1&limit=2',
        // Bracket keys are plain names under the simple query parser: each comes with a bad value that must still be seen.
        'limit[]=1&limit=0',
        'limit[__proto__]=1&limit=-5',
        '__proto__[limit]=1&limit=x',
        'after=..%2F..%2Fx',
        'after=%3Cscript%3E',
        `after=${'x'.repeat(2000)}`,
        'after[]=x&after=..',
        'after=',
      ]);
      return { label: `buffer ?${query.slice(0, 40)}`, method: 'GET', path: `${base}/accounts/acme/buffer?${query}`, headers: auth };
    },
  },
  {
    weight: 2,
    make: (g) => {
      const item = g.pick([
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
        '..%2F..%2Fx',
        encodeURIComponent('<script>'),
        'a'.repeat(300),
        CHECKLIST_ITEM.toUpperCase(),
        'dedicated-ip',
        '%00',
      ]);
      const body = g.pick([{ done: true }, { done: 'yes' }, { done: 1 }, {}, { done: null }]);
      return {
        label: `checklist item ${item.slice(0, 30)} ${JSON.stringify(body)}`,
        method: 'PATCH',
        path: `${base}/accounts/acme/checklist/${item}`,
        headers: jsonHeaders,
        body: JSON.stringify(body),
      };
    },
  },
  {
    // The checklist of acme is not open (no completed migration): even a good body is refused; bad bodies too.
    weight: 1,
    make: (g) => {
      const body: Obj = { done: g.pick([true, false, 'true', 0, null]) };
      if (g.chance(0.4)) setOwn(body, g.pick(PROTO_KEYS), g.pick(PROTO_VALUES));
      // A boolean "done" passes the body's validation and meets the closed checklist; anything else is an invalid body.
      const errorCode = typeof body.done === 'boolean' ? 'CHECKLIST_NOT_OPEN' : 'INVALID_BODY';
      return {
        label: `checklist ${JSON.stringify(body)}`,
        method: 'PATCH',
        path: `${base}/accounts/acme/checklist/${CHECKLIST_ITEM}`,
        headers: jsonHeaders,
        body: JSON.stringify(body),
        errorCode,
      };
    },
  },
  {
    // Integration names that do not exist (some named like Object.prototype members); crm has no mappings, so clearing it is refused.
    weight: 2,
    make: (g) => {
      const name = g.pick([
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'nope',
        'CRM',
        '..%2Fcrm',
        encodeURIComponent('<script>'),
        '%00',
        'crm%20',
      ]);
      const clear = g.chance(0.5);
      if (clear && g.chance(0.3))
        return {
          label: 'clear crm (no mappings)',
          method: 'POST',
          path: `${base}/accounts/acme/integrations/crm/clear-suspension`,
          headers: auth,
        };
      return {
        label: `integration ${name} ${clear ? 'clear' : 'view'}`,
        method: clear ? 'POST' : 'GET',
        path: `${base}/accounts/acme/integrations/${name}${clear ? '/clear-suspension' : ''}`,
        headers: auth,
      };
    },
  },
  {
    // Methods and paths the API does not have.
    weight: 3,
    make: (g) => {
      const [method, path] = g.pick([
        ['DELETE', '/accounts/acme'],
        ['PATCH', '/accounts/acme'],
        ['POST', '/accounts/acme'],
        ['PUT', '/accounts/acme/migration'],
        ['GET', '/accounts/acme/migration/start'],
        ['PUT', '/accounts/acme/buffer'],
        ['DELETE', '/accounts/acme/checklist'],
        ['OPTIONS', '/accounts/acme'],
        ['OPTIONS', '/accounts/acme/migration'],
        ['TRACE', '/accounts/acme'],
        ['PROPFIND', '/accounts/acme'],
        ['MKCOL', '/accounts/acme'],
        ['LOCK', '/accounts/acme'],
        ['GET', '/accounts'],
        ['GET', '/'],
        ['GET', ''],
        ['GET', '/accounts/acme/migration/restart'],
        ['GET', '/accounts/acme/../nobody'],
        ['GET', '/accounts/acme/%2e%2e/nobody'],
        ['POST', '/accounts/acme/integrations'],
        ['GET', '/openapi.json/../accounts/nobody'],
        ['PUT', '/openapi.json'],
        ['GET', '/ACCOUNTS/acme/buffer/x'],
      ] as const);
      const useAuth = g.chance(0.7);
      return {
        label: `${method} ${path}`,
        method,
        path: base + path,
        headers: useAuth ? jsonHeaders : { 'Content-Type': 'application/json' },
        body: method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? undefined : validBodyFor(ROUTES[0] as Route),
      };
    },
  },
  {
    // HEAD: the status still says no (bodies are not checked for HEAD).
    weight: 1,
    make: (g) => ({ label: 'HEAD with a bad id', method: 'HEAD', path: `${base}/accounts/${g.pick(BAD_IDS)}`, headers: auth }),
  },
  {
    // Raw bytes: header values an HTTP client will not send, unknown methods, UTF-8 in headers.
    weight: 2,
    make: (g) => {
      const body = JSON.stringify(validSettings());
      const variants: [string, Buffer][] = [
        [
          'CR in a header value',
          Buffer.from(
            `PUT ${base}/accounts/new-account HTTP/1.1\r\nHost: x\r\nX-Actor-Id: a\rAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          ),
        ],
        [
          'NUL in a header value',
          Buffer.from(
            `GET ${base}/accounts/acme HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\u0000\r\nConnection: close\r\n\r\n`,
          ),
        ],
        [
          'CRLF-split token header',
          Buffer.from(
            `GET ${base}/accounts/acme HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n ${ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`,
          ),
        ],
        [
          'unknown method',
          Buffer.from(
            `FROB ${base}/accounts/acme HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`,
          ),
        ],
        [
          'UTF-8 actor',
          Buffer.concat([
            Buffer.from(`PUT ${base}/accounts/new-account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nX-Actor-Id: `),
            Buffer.from('Zoë😀', 'utf8'),
            Buffer.from(
              `\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
            ),
          ]),
        ],
        [
          'UTF-8 in the path',
          Buffer.concat([
            Buffer.from(`GET ${base}/accounts/`),
            Buffer.from('äcme', 'utf8'),
            Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`),
          ]),
        ],
        [
          'header folding',
          Buffer.from(`GET ${base}/accounts/acme HTTP/1.1\r\nHost: x\r\nX-Actor-Id: a\r\n\tb\r\nConnection: close\r\n\r\n`),
        ],
        [
          'two Content-Length',
          Buffer.from(
            `PUT ${base}/accounts/new-account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          ),
        ],
        [
          'Content-Length and chunked',
          Buffer.from(
            `PUT ${base}/accounts/new-account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
          ),
        ],
        [
          'huge header',
          Buffer.from(
            `GET ${base}/accounts/acme HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nX-Pad: ${'p'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
          ),
        ],
        ['HTTP/0.9 style', Buffer.from(`GET ${base}/accounts/acme\r\n\r\n`)],
        [
          'absolute-form target to another host',
          Buffer.from(
            `GET http://evil.example${base}/accounts/nobody HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nConnection: close\r\n\r\n`,
          ),
        ],
      ];
      const [label, raw] = g.pick(variants);
      const gatewayCategory = label.startsWith('absolute-form') ? 'BAD_REQUEST_TARGET' : undefined;
      return { label: `raw: ${label}`, method: 'RAW', path: '', headers: {}, raw, gatewayCategory };
    },
  },
];

function generate(g: Gen): FuzzCase {
  const total = GENERATORS.reduce((sum, gen) => sum + gen.weight, 0);
  let roll = g.next() * total;
  for (const gen of GENERATORS) {
    roll -= gen.weight;
    if (roll < 0) return gen.make(g);
  }
  return (GENERATORS[0] as (typeof GENERATORS)[number]).make(g);
}

// ---- sending -----------------------------------------------------------------------------------------------------

const GUESSER_ADDRESS = '127.0.0.2';

function sendHttp(port: number, agent: http.Agent, c: FuzzCase): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...c.headers };
    if (c.body !== undefined) headers['Content-Length'] = Buffer.byteLength(c.body);
    // Failed authentications lock their client out (brute-force limit): cases without the valid token come from another
    // loopback address, as a guesser would, so the operator's cases from 127.0.0.1 still reach the validation they probe.
    const token = Object.entries(c.headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    const localAddress = token === `Bearer ${ADMIN_TOKEN}` ? undefined : GUESSER_ADDRESS;
    const req = http.request({ host: '127.0.0.1', port, method: c.method, path: c.path, headers, agent, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString(),
          parserRefusal: false,
        }),
      );
      res.on('error', reject);
    });
    // A server that answers 413 early may close before the whole body is written: the answer still counts.
    req.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { fuzzCase: c.label })));
    req.end(c.body);
  });
}

function sendRaw(port: number, c: FuzzCase): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Some raw cases carry no valid token: like bad-auth cases, they come from the guesser's address.
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: GUESSER_ADDRESS });
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`raw case timed out: ${c.label}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1] ?? '';
      // Node's own refusal of what its parser cannot read: a bare status line, no body, then the connection closes.
      const parserRefusal = (status === 400 || status === 431) && contentType === '' && rest.join('').length === 0;
      resolve({ status, contentType, body: rest.join('\r\n\r\n'), parserRefusal });
    });
    socket.end(c.raw ?? Buffer.alloc(0));
  });
}

// ---- state snapshot ----------------------------------------------------------------------------------------------

/** The whole memory store as JSON: every map, set and record, so any write anywhere shows up. */
function snapshotStore(store: MemoryStore): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(store, (key, value: unknown) => {
    if (key === 'events' || typeof value === 'function') return undefined;
    if (value instanceof Map) return { map: [...value.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))) };
    if (value instanceof Set) return { set: [...value].map(String).sort() };
    if (value && typeof value === 'object') {
      if (seen.has(value)) return '[seen]';
      seen.add(value);
    }
    return value;
  });
}

// ---- the test ----------------------------------------------------------------------------------------------------

describe(`admin API fuzz (seed ${SEED}, ${CASES} cases; FUZZ_SEED / FUZZ_CASES to change)`, () => {
  let server: http.Server;
  let port: number;
  let store: MemoryStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    store = new MemoryStore();
    const app = adminApp({
      store,
      clock: new ManualClock(NOW),
      config: { bypassSecret: 'fuzz-bypass-secret-0123456789abcdef' },
    });
    const crmWithoutMappings = { crm: { baseUrl: 'https://crm.example', dailyCallAllocation: 100, fieldMappings: [] } };
    await request(app)
      .put('/admin/v1/accounts/acme')
      .set(auth)
      .send(accountSettings({ integrations: crmWithoutMappings }))
      .expect(201);
    await request(app)
      .put('/admin/v1/accounts/beta')
      .set(auth)
      .send(accountSettings({ paymentsEnabled: true }))
      .expect(201);
    await request(app)
      .post('/admin/v1/accounts/acme/migration')
      .set(auth)
      .send({ start: new Date(NOW + 8 * DAY).toISOString() })
      .expect(201);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.gateway.close();
    };
  });
  afterAll(() => close());

  it('answers every hostile request with a JSON 4xx and changes nothing', async () => {
    const g = new Gen(prng(SEED));
    const cases = Array.from({ length: CASES }, () => generate(g));
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const before = snapshotStore(store);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let parserRefusals = 0;

    let index = 0;
    const worker = async (): Promise<void> => {
      while (index < cases.length) {
        const at = index++;
        const c = cases[at] as FuzzCase;
        let answer: Answer;
        try {
          answer = c.raw ? await sendRaw(port, c) : await sendHttp(port, agent, c);
        } catch (error) {
          failures.push(`#${at} ${c.label}: no answer (${(error as Error).message})`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const where = `#${at} ${c.method} ${c.path.slice(0, 80)} [${c.label.slice(0, 120)}]`;
        if (answer.status >= 500) failures.push(`${where}: ${answer.status} ${answer.body.slice(0, 200)}`);
        else if (answer.status < 400) failures.push(`${where}: accepted with ${answer.status} — the generator or the validation is wrong`);
        else if (answer.parserRefusal) parserRefusals++;
        else if (c.gatewayCategory) {
          if (!answer.body.includes(`"category":"${c.gatewayCategory}"`))
            failures.push(`${where}: ${answer.status} without category ${c.gatewayCategory}: ${answer.body.slice(0, 120)}`);
        } else if (c.method !== 'HEAD') {
          let shape = false;
          try {
            const parsed = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
            shape = typeof parsed.error?.code === 'string' && typeof parsed.error?.message === 'string' && /json/.test(answer.contentType);
          } catch {
            shape = false;
          }
          if (!shape)
            failures.push(
              `${where}: ${answer.status} without {"error":{"code","message"}}: ${answer.contentType} ${answer.body.slice(0, 120)}`,
            );
          else if (c.errorCode && !answer.body.includes(`"code":"${c.errorCode}"`))
            failures.push(`${where}: ${answer.status} not ${c.errorCode}: ${answer.body.slice(0, 120)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    agent.destroy();

    console.log(
      `admin fuzz: seed ${SEED}, ${cases.length} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; refused by Node's HTTP parser before the app: ${parserRefusals}`,
    );
    expect(failures.slice(0, 25)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    // Most requests must reach the app's own validation, or the run proves little.
    expect(parserRefusals).toBeLessThan(cases.length / 10);
    expect(snapshotStore(store)).toBe(before);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fuzzes a checklist item that exists, so checklist bodies reach their validation', () => {
    expect(checklistItem(CHECKLIST_ITEM)).toBeDefined();
  });

  it('the snapshot sees a change (so "nothing changed" can fail)', async () => {
    const before = snapshotStore(store);
    const probe = new MemoryStore();
    expect(snapshotStore(probe)).not.toBe(before);
    const app = adminApp({ store: probe });
    const empty = snapshotStore(probe);
    const created = await request(app).put('/admin/v1/accounts/probe').set(auth).send(accountSettings());
    expect([created.status, created.text.slice(0, 300)]).toEqual([201, expect.any(String)]);
    expect(snapshotStore(probe)).not.toBe(empty);
    await app.gateway.close();
  });
});
