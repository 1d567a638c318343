// Every page the gateway writes, rendered in headless Chromium with script payloads in every templated field:
// nothing executes (with and without the CSP header), the payload reads as literal text, and a screenshot is saved.
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { createBufferParts } from '../../src/buffer/parts';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';
import { launchChromium } from '../support/chromium';

const OUT = path.join(__dirname, '..', '..', 'test-output', 'browser');
const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = NOW + 8 * 24 * H;

const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '"><script>window.__xss=1</script>',
  `'><svg onload=window.__xss=1><a href="javascript:window.__xss=1">x</a> &amp; &lt;b&gt;`,
  '</title></p><script>window.__xss=1</script><!--',
];
const FORM_MESSAGE = `Thanks ${PAYLOADS[0]} — processed later ${PAYLOADS[1]}`;
const MEETING_MESSAGE = `Meeting noted ${PAYLOADS[2]}`;

interface Captured {
  status: number;
  headers: Record<string, string>;
  body: string;
}

let browser: Browser;
let gatewayServer: http.Server;
let gatewayPort: number;
let hangingUpstream: http.Server;
let app: GatewayApp;
let store: MemoryStore;
const clock = new ManualClock(NOW);

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** The gateway's real answer over a real socket (any method, any target), as the browser would get it. */
function capture(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: gatewayPort,
        method,
        path: target,
        headers: { Accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Rendered {
  xss: unknown;
  dialogs: number;
  text: string;
  title: string;
  /** Requests other than the page itself: an <img> or <script> that got parsed would make one. */
  subrequests: string[];
}

/** Serves the captured answer (its real status and headers, or without CSP) at a URL and loads it in Chromium. */
async function render(name: string, captured: Captured, options: { csp: boolean; screenshot?: string }): Promise<Rendered> {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 }, javaScriptEnabled: true });
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', (dialog) => {
    dialogs++;
    void dialog.dismiss();
  });
  const url = `http://gateway.test/${name}`;
  const subrequests: string[] = [];
  await page.route('**/*', async (route) => {
    if (route.request().url() !== url) {
      subrequests.push(route.request().url());
      await route.fulfill({ status: 404, body: '' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(captured.headers)) {
      if (['content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(header)) continue;
      if (!options.csp && header === 'content-security-policy') continue;
      headers[header] = value;
    }
    await route.fulfill({ status: captured.status, headers, body: captured.body });
  });
  await page.goto(url, { waitUntil: 'load' });
  // Give event handlers (onerror of a broken image, onload of an svg) time to run if they had been parsed.
  await page.waitForTimeout(150);
  // Expressions as strings: the test project has no DOM typings.
  const xss: unknown = await page.evaluate('window.__xss');
  const text = String(await page.evaluate('document.body.innerText'));
  const title = await page.title();
  if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
  await context.close();
  return { xss, dialogs, text, title, subrequests };
}

beforeAll(async () => {
  // The system's Chromium when installed, else the one bundled in the @sparticuz/chromium devDependency: never skipped.
  browser = await launchChromium();
  mkdirSync(OUT, { recursive: true });

  // US upstream hangs (504 after the timeout); the EU one refuses connections (502).
  hangingUpstream = http.createServer(() => undefined);
  const hangingPort = await listen(hangingUpstream);
  const refused = http.createServer();
  const refusedPort = await listen(refused);
  await new Promise<void>((resolve) => refused.close(() => resolve()));

  store = new MemoryStore();
  app = createGateway({
    upstreams: { us: `http://127.0.0.1:${hangingPort}`, eu: `http://127.0.0.1:${refusedPort}` },
    store,
    clock,
    adminTokens: [ADMIN_TOKEN],
    config: { limits: { upstreamTimeoutMs: 400, maxBodyBytes: 1024, maxBufferedBodyBytes: { form: 1024 } } },
    parts: (core) => {
      const buffer = createBufferParts(core, { acceptor: { messages: { form: FORM_MESSAGE, meeting: MEETING_MESSAGE } } });
      return { acceptBuffered: buffer.acceptBuffered, adminRouters: buffer.adminRouters, accountExtras: buffer.accountExtras };
    },
  });
  for (const [i, payload] of PAYLOADS.entries()) {
    await request(app)
      .put(`/admin/v1/accounts/acct-${i}`)
      .set(auth)
      .send(
        accountSettings({
          contactName: payload,
          timezone: 'America/New_York',
          meetingLinks: { ada: { ownerName: payload, ownerEmail: 'ada@example.test' } },
        }),
      )
      .expect(201);
    await request(app)
      .post(`/admin/v1/accounts/acct-${i}/migration`)
      .set(auth)
      .send({ start: new Date(START).toISOString() })
      .expect(201);
  }
  await request(app)
    .put('/admin/v1/accounts/in-eu')
    .set(auth)
    .send(accountSettings({ dataLocation: 'eu', contactName: PAYLOADS[0] }))
    .expect(201);
  await request(app)
    .put('/admin/v1/accounts/quiet')
    .set(auth)
    .send(accountSettings({ contactName: PAYLOADS[1] }))
    .expect(201);
  gatewayServer = http.createServer(app);
  gatewayPort = await listen(gatewayServer);
});

afterAll(async () => {
  await browser?.close();
  gatewayServer?.closeAllConnections();
  await new Promise<void>((resolve) => (gatewayServer ? gatewayServer.close(() => resolve()) : resolve()));
  hangingUpstream?.closeAllConnections();
  await new Promise<void>((resolve) => (hangingUpstream ? hangingUpstream.close(() => resolve()) : resolve()));
  await app?.gateway.close();
});

interface PageCase {
  name: string;
  at: number;
  status: number;
  get: (account: string) => Promise<Captured>;
  /** Text the page must read as (the payload, when templated, in its literal form). */
  reads: (account: string, payload: string) => string[];
  /** Pages that interpolate the account's contact name are rendered once per payload. */
  perPayload?: boolean;
}

const inWindow = START + H;
const PAGES: PageCase[] = [
  {
    name: 'app',
    at: inWindow,
    status: 503,
    perPayload: true,
    get: (a) => capture('GET', `/app/contacts?portalId=${a}`),
    reads: (_a, p) => [
      'Data migration in progress',
      'Your account data is being moved to the European Union (Germany).',
      `If you have questions, contact ${p}.`,
    ],
  },
  {
    name: 'document',
    at: inWindow,
    status: 503,
    get: (a) => capture('GET', `/documents/d-1?portalId=${a}`),
    reads: () => ['This document is temporarily unavailable due to scheduled system updates. It will be available again on'],
  },
  {
    name: 'read-only',
    at: inWindow,
    status: 503,
    get: (a) => capture('POST', `/pages/landing?portalId=${a}`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'title=x'),
    reads: () => ['Changes cannot be saved until the data migration is done.'],
  },
  {
    name: 'portal-reply',
    at: inWindow,
    status: 503,
    get: (a) =>
      capture('POST', `/portal/tickets/t-1/messages?portalId=${a}`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'text=hi'),
    // SPEC §3's wording for a portal reply in the window.
    reads: () => ["Messages can't be sent because the system is undergoing scheduled maintenance. Please come back later."],
  },
  {
    name: 'chat-write',
    at: inWindow,
    status: 503,
    get: (a) => capture('POST', `/chat/messages?portalId=${a}`, { 'Content-Type': 'application/json' }, '{}'),
    reads: () => ['Chat messages cannot be saved while the account data is being migrated.'],
  },
  {
    name: 'import',
    at: START - 2 * H,
    status: 503,
    get: (a) => capture('POST', `/imports/contacts?portalId=${a}`, { 'Content-Type': 'text/csv' }, 'email\na@b.test'),
    reads: () => ['Imports are unavailable until the data migration is done'],
  },
  {
    name: 'email-paused',
    at: inWindow,
    status: 503,
    get: (a) => capture('POST', `/email/campaigns?portalId=${a}`, { 'Content-Type': 'application/json' }, '{}'),
    reads: () => ['Marketing emails cannot be sent or scheduled during the data migration.'],
  },
  {
    name: 'email-migration-day',
    at: NOW,
    status: 422,
    get: (a) =>
      capture(
        'POST',
        `/email/campaigns?portalId=${a}`,
        { 'Content-Type': 'application/json', 'X-Send-At': new Date(START + 2 * H).toISOString() },
        '{}',
      ),
    reads: () => ['Marketing emails cannot be scheduled to send on the migration day'],
  },
  {
    name: 'form-accepted',
    at: inWindow,
    status: 202,
    get: (a) => capture('POST', `/forms/${a}/f-1`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'email=a%40b.test'),
    reads: () => [FORM_MESSAGE, 'Reference: '],
  },
  {
    name: 'meeting-accepted',
    at: inWindow,
    status: 202,
    get: (a) => capture('POST', `/meetings/${a}/ada/book`, { 'Content-Type': 'application/json' }, '{"when":"2026-12-10T10:00:00Z"}'),
    reads: () => [MEETING_MESSAGE],
  },
  {
    name: 'too-large-413',
    at: inWindow,
    status: 413,
    get: (a) => capture('POST', `/forms/${a}/f-1`, { 'Content-Type': 'application/x-www-form-urlencoded' }, `x=${'a'.repeat(4096)}`),
    reads: () => ['The request body is larger than the limit of 1 KiB (1024 bytes)', 'Nothing was stored.'],
  },
  {
    name: 'buffer-not-stored-503',
    at: inWindow,
    status: 503,
    get: (a) => {
      jest.spyOn(store.buffer, 'append').mockRejectedValueOnce(new Error('store down'));
      return capture('POST', `/forms/${a}/f-1`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 'email=a%40b.test');
    },
    reads: () => ['Your request could not be stored because of a temporary problem during system maintenance. Nothing was submitted'],
  },
  {
    name: 'store-unavailable-503',
    at: inWindow,
    status: 503,
    get: () => {
      jest.spyOn(store.accounts, 'get').mockRejectedValueOnce(new Error('store down'));
      return capture('POST', '/forms/never-loaded/f-1', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'email=a%40b.test');
    },
    reads: () => ['The request could not be stored right now. Nothing was saved; please try again shortly.'],
  },
  {
    name: 'upstream-unreachable-502',
    at: NOW,
    status: 502,
    get: () => capture('GET', '/kb/article?portalId=in-eu'),
    reads: () => ['The service could not be reached. Please try again in a moment.'],
  },
  {
    name: 'upstream-timeout-504',
    at: NOW,
    status: 504,
    get: () => capture('GET', '/kb/article?portalId=quiet'),
    reads: () => ['The service took too long to answer. Please try again in a moment.'],
  },
  {
    name: 'bad-request-target-400',
    at: NOW,
    status: 400,
    get: () => capture('GET', `http://evil.example/app/?x=${encodeURIComponent(PAYLOADS[1] as string)}`),
    reads: () => ['The request target must be a path'],
  },
];

const runs = PAGES.flatMap((page) =>
  page.perPayload ? PAYLOADS.map((payload, i) => ({ page, i, payload })) : [{ page, i: 0, payload: PAYLOADS[0] as string }],
);

describe('pages the gateway writes, in Chromium', () => {
  it.each(runs.map((run) => [`${run.page.name}${run.page.perPayload ? ` (payload ${run.i})` : ''}`, run] as const))(
    '%s: nothing executes, it reads correctly',
    async (_title, { page, i, payload }) => {
      clock.set(page.at);
      const captured = await page.get(`acct-${i}`);
      expect(captured.status).toBe(page.status);
      expect(captured.headers['content-type']).toMatch(/^text\/html/);
      const file = path.join(OUT, `${page.name}${page.perPayload ? `-${i}` : ''}.png`);
      const withCsp = await render(page.name, captured, { csp: true, screenshot: file });
      console.log(`screenshot: ${file}`);
      // Without the CSP header too: the escaping alone must hold.
      const withoutCsp = await render(page.name, captured, { csp: false });
      for (const result of [withCsp, withoutCsp]) {
        expect(result.xss).toBeUndefined();
        expect(result.dialogs).toBe(0);
        expect(result.subrequests).toEqual([]);
        for (const expected of page.reads(`acct-${i}`, payload)) expect(result.text).toContain(expected);
      }
      expect(captured.headers['content-security-policy']).toContain("default-src 'none'");
    },
  );

  it('the detector sees a payload that was not escaped (so the checks above can fail)', async () => {
    const unescaped: Captured = {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: `<!doctype html><p>contact ${PAYLOADS[0]}</p><p>${PAYLOADS[1]}</p>`,
    };
    const result = await render('unescaped', unescaped, { csp: false });
    expect(result.xss).toBe(1);
    expect(result.subrequests.length).toBeGreaterThan(0);
    expect(result.text).not.toContain(PAYLOADS[0]);
  });
});
