// SPEC §10 in headless Chromium: a cross-origin form posted with fetch gets the 202 and reads its JSON, a preflight in
// the window gets 204, pages come in the visitor's language, and every page holds script payloads inert in every locale.
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import type { Browser, BrowserContext } from 'playwright-core';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { launchChromium } from '../support/chromium';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const OUT = path.join(__dirname, '..', '..', 'test-output', 'browser');
const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = Date.parse('2026-12-01T12:00:00Z');
const PAYLOADS = ['<img src=x onerror="window.__xss=1">', '"><script>window.__xss=1</script>', `'><svg onload=window.__xss=1>`];
const LOCALES = ['en', 'sv', 'da', 'de'];
const BACK: Record<string, string> = {
  en: 'Back to the page you came from',
  sv: 'Tillbaka till sidan du kom från',
  da: 'Tilbage til siden, du kom fra',
  de: 'Zurück zur vorherigen Seite',
};

let browser: Browser;
let app: GatewayApp;
let gateway: http.Server;
let site: http.Server;
let gatewayUrl: string;
let siteUrl: string;
const seen: string[] = [];
const clock = new ManualClock(NOW);

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

async function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The customer's site on another port: a page whose script posts the form to the gateway with fetch. */
function sitePage(gatewayBase: string): string {
  return `<!doctype html><html><body>
<form id="f"><input name="email" value="visitor@example.test"></form>
<pre id="out">pending</pre>
<script>
async function send(kind) {
  const body = new URLSearchParams(new FormData(document.getElementById('f')));
  const init = kind === 'simple'
    ? { method: 'POST', body }
    : { method: 'POST', body: JSON.stringify({ email: 'visitor@example.test' }), headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'form-embed' } };
  try {
    const res = await fetch(${JSON.stringify(gatewayBase)} + '/forms/acme/f-1', init);
    const json = await res.json();
    return { status: res.status, json };
  } catch (e) {
    return { error: String(e) };
  }
}
</script></body></html>`;
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
  const upstream = http.createServer((_req, res) => res.end('upstream'));
  const upstreamUrl = await listen(upstream);
  app = createGateway({
    upstreams: { us: upstreamUrl, eu: upstreamUrl },
    store: new MemoryStore(),
    clock,
    adminTokens: [ADMIN_TOKEN],
    parts: undefined,
  });
  app.gateway.onClose(() => closeServer(upstream));
  await request(app)
    .put('/admin/v1/accounts/acme')
    .set(auth)
    .send(accountSettings({ timezone: 'Europe/Stockholm', contactName: 'Ada' }))
    .expect(201);
  await request(app)
    .put('/admin/v1/accounts/tysk')
    .set(auth)
    .send(accountSettings({ timezone: 'Europe/Berlin', contactName: 'Ada', locale: 'de' }))
    .expect(201);
  for (const [i, payload] of PAYLOADS.entries()) {
    await request(app)
      .put(`/admin/v1/accounts/p${i}`)
      .set(auth)
      .send(accountSettings({ contactName: payload }))
      .expect(201);
  }
  for (const id of ['acme', 'tysk', ...PAYLOADS.map((_p, i) => `p${i}`)]) {
    await request(app)
      .post(`/admin/v1/accounts/${id}/migration`)
      .set(auth)
      .send({ start: new Date(START).toISOString() })
      .expect(201);
  }
  clock.set(START + H);
  gateway = http.createServer((req, res) => {
    const line = `${req.method ?? ''} ${req.url ?? ''}`;
    res.on('finish', () => seen.push(`${line} → ${res.statusCode}`));
    app(req, res);
  });
  gatewayUrl = await listen(gateway);
  site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(sitePage(gatewayUrl));
  });
  siteUrl = await listen(site);
});

afterAll(async () => {
  await browser?.close();
  await closeServer(gateway);
  await closeServer(site);
  await app?.gateway.close();
});

async function withContext<T>(options: Parameters<Browser['newContext']>[0], run: (context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext(options);
  try {
    return await run(context);
  } finally {
    await context.close();
  }
}

describe('a form on another origin, posted with fetch in the window', () => {
  it('resolves with the 202 and the page script reads its JSON (no preflight for a simple request)', async () => {
    const result = await withContext({}, async (context) => {
      const page = await context.newPage();
      await page.goto(siteUrl);
      return page.evaluate('send("simple")');
    });
    expect(result).toEqual({
      status: 202,
      json: {
        status: 'accepted',
        id: expect.any(String),
        message: 'Your response has been submitted. Due to system maintenance, it may take up to a day to complete processing.',
      },
    });
  });

  it('a request that needs a preflight: the gateway answers it with 204, then the POST gets the 202', async () => {
    seen.length = 0;
    const sent = await withContext({}, async (context) => {
      const page = await context.newPage();
      await page.goto(siteUrl);
      return page.evaluate('send("preflighted")');
    });
    expect(sent).toMatchObject({ status: 202, json: { status: 'accepted' } });
    // Chromium sends the preflight from its network service (the page never sees it): the gateway's log shows it.
    expect(seen).toEqual(['OPTIONS /forms/acme/f-1 → 204', 'POST /forms/acme/f-1 → 202']);
  });
});

describe('languages in the browser', () => {
  const appText = (account: string, language: string) =>
    withContext({ extraHTTPHeaders: { 'Accept-Language': language } }, async (context) => {
      const page = await context.newPage();
      const res = await page.goto(`${gatewayUrl}/app/home?portalId=${account}`);
      const shot = path.join(OUT, `app-${account}-${language.replace(/[^a-z-]/gi, '_')}.png`);
      await page.screenshot({ path: shot });
      return {
        status: res?.status(),
        lang: await page.evaluate('document.documentElement.lang'),
        text: String(await page.evaluate('document.body.innerText')),
      };
    });

  it('Accept-Language sv-SE,sv;q=0.9 gets the Swedish app page with a Swedish date', async () => {
    const { status, lang, text } = await appText('acme', 'sv-SE,sv;q=0.9');
    expect(status).toBe(503);
    expect(lang).toBe('sv');
    expect(text).toContain('Dataflytt pågår');
    expect(text).toContain('Ditt konto är inte tillgängligt förrän torsdag 3 december 2026 kl. 01:00 GMT+1 (Europe/Stockholm).');
  });

  it("Accept-Language fr gets the account's locale, else English", async () => {
    const german = await appText('tysk', 'fr');
    expect(german.lang).toBe('de');
    expect(german.text).toContain('Ihr Konto ist bis Donnerstag, 3. Dezember 2026, 01:00 Uhr GMT+1 (Europe/Berlin) nicht verfügbar.');
    const english = await appText('acme', 'fr');
    expect(english.lang).toBe('en');
    expect(english.text).toContain('Your account will be unavailable until Thursday, 3 December 2026 at 01:00 GMT+1 (Europe/Stockholm).');
  });
});

interface Captured {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function capture(method: string, target: string, headers: Record<string, string>, body?: string): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gatewayUrl}${target}`, { method, headers: { Accept: 'text/html', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers))
          if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Loads a captured answer in Chromium, with or without its CSP, and reports whether anything ran or loaded. */
async function render(captured: Captured, csp: boolean): Promise<{ xss: unknown; subrequests: string[]; text: string; href: unknown }> {
  return withContext({ javaScriptEnabled: true }, async (context) => {
    const page = await context.newPage();
    const url = 'http://gateway.test/page';
    const subrequests: string[] = [];
    await page.route('**/*', async (route) => {
      if (route.request().url() !== url) {
        subrequests.push(route.request().url());
        await route.fulfill({ status: 404, body: '' });
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(captured.headers)) {
        if (['content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(name)) continue;
        if (!csp && name === 'content-security-policy') continue;
        headers[name] = value;
      }
      await route.fulfill({ status: captured.status, headers, body: captured.body });
    });
    page.on('dialog', (d) => void d.dismiss());
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(100);
    return {
      xss: await page.evaluate('window.__xss'),
      subrequests,
      text: String(await page.evaluate('document.body.innerText')),
      href: await page.evaluate("document.querySelector('a') && document.querySelector('a').href"),
    };
  });
}

describe('script payloads stay text in every locale', () => {
  const cases = LOCALES.flatMap((locale) =>
    PAYLOADS.flatMap((payload, i) => [
      {
        name: `app page, ${locale}, payload ${i}`,
        locale,
        get: () => capture('GET', `/app/home?portalId=p${i}`, { 'Accept-Language': locale }),
        reads: payload,
        href: null,
      },
      {
        name: `accepted page with a Referer, ${locale}, payload ${i}`,
        locale,
        get: () =>
          capture(
            'POST',
            `/forms/p${i}/f-1`,
            {
              'Accept-Language': locale,
              'Content-Type': 'application/x-www-form-urlencoded',
              Referer: `https://site.example/contact?q=${payload}&x=1`,
            },
            'a=1',
          ),
        reads: BACK[locale],
        // The link leads back to the Referer, as the URL parser normalises it.
        href: new URL(`https://site.example/contact?q=${payload}&x=1`).href,
      },
    ]),
  );

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const captured = await c.get();
    expect(captured.headers['content-language']).toBe(c.locale);
    expect(captured.headers['content-type']).toMatch(/^text\/html/);
    for (const csp of [true, false]) {
      const result = await render(captured, csp);
      expect(result.xss).toBeUndefined();
      expect(result.subrequests).toEqual([]);
      expect(result.text).toContain(c.reads);
      expect(result.href).toBe(c.href);
    }
  });
});
