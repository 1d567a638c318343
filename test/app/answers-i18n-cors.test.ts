// SPEC §10 through createGateway: language negotiation and overrides, CORS and preflights, the accepted page's link
// and reference, the 477 reason phrase over a real socket, and payments refused while a migration is pending.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountSettings, accountWithMigration, auth } from '../support/accounts';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = Date.parse('2026-12-01T12:00:00Z');
const IN_WINDOW = START + H;

let us: Upstream;
let eu: Upstream;
beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});
afterAll(async () => {
  await us.close();
  await eu.close();
});

async function setup(
  settings: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): Promise<{ app: GatewayApp; clock: ManualClock }> {
  const clock = new ManualClock(NOW);
  const app = createGateway({ upstreams: { us: us.url, eu: eu.url }, store: new MemoryStore(), clock, adminTokens: [ADMIN_TOKEN], config });
  await accountWithMigration(app, 'acme', START, { timezone: 'Europe/Stockholm', contactName: 'Ada', ...settings });
  clock.set(IN_WINDOW);
  return { app, clock };
}

const appPage = (app: GatewayApp, language?: string) => {
  const req = request(app).get('/app/home?portalId=acme').set('Accept', 'text/html');
  return language === undefined ? req : req.set('Accept-Language', language);
};

describe('languages', () => {
  it('Accept-Language sv-SE,sv;q=0.9 gets the Swedish app page with a Swedish date, Content-Language sv', async () => {
    const { app } = await setup();
    const res = await appPage(app, 'sv-SE,sv;q=0.9').expect(503);
    expect(res.headers['content-language']).toBe('sv');
    expect(res.text).toContain('<html lang="sv">');
    expect(res.text).toContain('<title>Dataflytt pågår</title>');
    expect(res.text).toContain('<p>Ditt kontos data flyttas till Europeiska unionen (Tyskland).</p>');
    expect(res.text).toContain('<p>Ditt konto är inte tillgängligt förrän torsdag 3 december 2026 kl. 01:00 GMT+1 (Europe/Stockholm).</p>');
    expect(res.text).toContain('<p>Om du har frågor kan du kontakta Ada.</p>');
  });

  it('Danish and German pages, each with its own date format', async () => {
    const { app } = await setup();
    const da = await appPage(app, 'da').expect(503);
    expect(da.headers['content-language']).toBe('da');
    expect(da.text).toContain('Din konto er utilgængelig indtil torsdag den 3. december 2026 kl. 01.00 GMT+1 (Europe/Stockholm).');
    const de = await appPage(app, 'de-DE,de;q=0.9,en;q=0.5').expect(503);
    expect(de.headers['content-language']).toBe('de');
    expect(de.text).toContain('Ihr Konto ist bis Donnerstag, 3. Dezember 2026, 01:00 Uhr GMT+1 (Europe/Stockholm) nicht verfügbar.');
  });

  it('Accept-Language fr gets the account locale, else English; no header gets the account locale', async () => {
    const withLocale = await setup({ locale: 'da' });
    expect((await appPage(withLocale.app, 'fr').expect(503)).headers['content-language']).toBe('da');
    expect((await appPage(withLocale.app).expect(503)).headers['content-language']).toBe('da');
    expect((await appPage(withLocale.app, 'fr, sv;q=0.5').expect(503)).headers['content-language']).toBe('sv');
    const plain = await setup();
    const en = await appPage(plain.app, 'fr').expect(503);
    expect(en.headers['content-language']).toBe('en');
    expect(en.text).toContain('Your account will be unavailable until Thursday, 3 December 2026 at 01:00 GMT+1 (Europe/Stockholm).');
  });

  it('a prepared page is never served stale: a new contact name or locale shows at once', async () => {
    const { app } = await setup();
    expect((await appPage(app).expect(503)).text).toContain('contact Ada.');
    await request(app)
      .put('/admin/v1/accounts/acme')
      .set(auth)
      .send(accountSettings({ timezone: 'Europe/Stockholm', contactName: 'Grace', locale: 'de' }))
      .expect(200);
    const page = await appPage(app).expect(503);
    expect(page.headers['content-language']).toBe('de');
    expect(page.text).toContain('wenden Sie sich an Grace.');
  });

  it('JSON answers, the 477 included, speak the negotiated language too', async () => {
    const { app } = await setup();
    const res = await request(app).get('/api/contacts?portalId=acme').set('Accept-Language', 'de').expect(477);
    expect(res.headers['content-language']).toBe('de');
    expect(res.body.message).toBe(
      'Die Daten dieses Kontos werden in das EU-Rechenzentrum migriert. API-Aufrufe sind bis zum Abschluss der Migration nicht verfügbar (voraussichtlich bis 2026-12-03T00:00:00.000Z).',
    );
  });

  it('messages.<locale> overrides a built-in locale and adds a new one; flat keys still override English', async () => {
    const { app } = await setup(
      { locale: 'fr' },
      {
        messages: {
          appMigration: 'Moving house.\n\nAsk {contactName}.',
          sv: { appMigration: 'Vi flyttar till {endDate}.', titles: { appMigration: 'Flytt' } },
          fr: { appMigration: 'Migration en cours jusqu’au {endDate}.', titles: { appMigration: 'Migration en cours' } },
        },
      },
    );
    const sv = await appPage(app, 'sv').expect(503);
    expect(sv.text).toContain('<title>Flytt</title>');
    expect(sv.text).toContain('<p>Vi flyttar till torsdag 3 december 2026.</p>');
    const fr = await appPage(app, 'fr-FR').expect(503);
    expect(fr.headers['content-language']).toBe('fr');
    expect(fr.text).toContain('<p>Migration en cours jusqu’au jeudi 3 décembre 2026.</p>');
    // Texts the operator did not give fall back to English.
    const doc = await request(app).get('/documents/d?portalId=acme').set('Accept-Language', 'fr').expect(503);
    expect(doc.body.message).toBe(
      'This document is temporarily unavailable due to scheduled system updates. It will be available again on jeudi 3 décembre 2026.',
    );
    const en = await appPage(app, 'en').expect(503);
    expect(en.text).toContain('<p>Moving house.</p>');
    expect(en.text).toContain('<p>Ask Ada.</p>');
  });

  it('refuses a messages key that is neither a message nor a language tag, and a bad text in a locale, naming them', () => {
    const make = (messages: unknown) => () =>
      createGateway({ upstreams: { us: us.url, eu: eu.url }, config: { messages: messages as never } });
    expect(make({ 'not a tag!': {} })).toThrow('not a tag!');
    expect(make({ sv: { appMigraton: 'x' } })).toThrow('appMigraton');
    expect(make({ sv: { appMigration: '' } })).toThrow('sv.appMigration');
  });

  it('account settings take a locale the gateway has texts for (canonicalised), and refuse others by name', async () => {
    const { app } = await setup();
    const ok = await request(app)
      .put('/admin/v1/accounts/b')
      .set(auth)
      .send(accountSettings({ locale: 'SV' }))
      .expect(201);
    expect(ok.body.locale).toBe('sv');
    const unknown = await request(app)
      .put('/admin/v1/accounts/c')
      .set(auth)
      .send(accountSettings({ locale: 'fr' }))
      .expect(400);
    expect(unknown.body.error).toEqual({
      code: 'INVALID_BODY',
      message: 'locale: "fr" has no texts here; use one of en, sv, da, de',
      field: 'locale',
    });
    const bad = await request(app)
      .put('/admin/v1/accounts/c')
      .set(auth)
      .send(accountSettings({ locale: 'not a tag' }))
      .expect(400);
    expect(bad.body.error.message).toBe('locale: must be a language tag such as "sv" or "de-AT"');
    await request(app).get('/admin/v1/accounts/c').set(auth).expect(404);
  });
});

describe('CORS', () => {
  it('"*" (the default): every own answer carries Allow-Origin * and Vary: Origin, never credentials', async () => {
    const { app } = await setup();
    for (const res of [
      await request(app).get('/api/contacts?portalId=acme').set('Origin', 'https://shop.example').expect(477),
      await appPage(app).set('Origin', 'https://shop.example').expect(503),
      await request(app).post('/forms/acme/f1').set('Origin', 'https://shop.example').type('form').send('a=1').expect(202),
    ]) {
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers.vary).toBe('Origin');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('a list: the request Origin when listed, no Allow-Origin otherwise', async () => {
    const { app } = await setup(
      {},
      { cors: { origins: ['https://shop.example'] }, limits: { maxBufferedBodyBytes: { form: 1024 * 1024 } } },
    );
    const listed = await request(app).post('/forms/acme/f1').set('Origin', 'https://shop.example').type('form').send('a=1').expect(202);
    expect(listed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(listed.headers.vary).toBe('Origin');
    const other = await request(app).post('/forms/acme/f1').set('Origin', 'https://evil.example').type('form').send('a=1').expect(202);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers.vary).toBe('Origin');
    // Notices are prepared once per account and language: the Allow-Origin still follows each request's Origin.
    const api = (origin: string) => request(app).get('/api/contacts?portalId=acme').set('Origin', origin).expect(477);
    expect((await api('https://shop.example')).headers['access-control-allow-origin']).toBe('https://shop.example');
    expect((await api('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    expect((await api('https://SHOP.example')).headers['access-control-allow-origin']).toBe('https://SHOP.example');
    const head = await request(app).head('/app/home?portalId=acme').set('Accept', 'text/html').expect(503);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.text).toBeUndefined();
    const tooLarge = await request(app)
      .post('/forms/acme/f1')
      .set('Origin', 'https://shop.example')
      .type('form')
      .send(`a=${'x'.repeat(2 * 1024 * 1024)}`);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(() =>
      createGateway({ upstreams: { us: us.url, eu: eu.url }, config: { cors: { origins: ['https://shop.example/path'] } } }),
    ).toThrow('cors');
  });

  it('answers preflights in the window for what it answers or buffers (204), leaves the others to the upstream', async () => {
    const { app, clock } = await setup();
    const preflight = (path: string, method: string) =>
      request(app)
        .options(path)
        .set('Origin', 'https://shop.example')
        .set('Access-Control-Request-Method', method)
        .set('Access-Control-Request-Headers', 'content-type, x-requested-with');
    const form = await preflight('/forms/acme/f1', 'POST').expect(204);
    expect(form.headers['access-control-allow-origin']).toBe('*');
    expect(form.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
    expect(form.headers['access-control-allow-headers']).toBe('content-type, x-requested-with');
    expect(form.headers['access-control-allow-credentials']).toBeUndefined();
    expect(form.text).toBe('');
    await preflight('/api/contacts?portalId=acme', 'GET').expect(204);
    await preflight('/kb/article?portalId=acme', 'POST').expect(204);
    const before = us.requests.length;
    // A read of the knowledge base is proxied in the window, so is its preflight.
    expect((await preflight('/kb/article?portalId=acme', 'GET').expect(200)).body.upstream).toBe('us');
    clock.set(START - 1000);
    expect((await preflight('/forms/acme/f1', 'POST').expect(200)).body.upstream).toBe('us');
    expect(us.requests.length - before).toBe(2);
  });
});

describe('the accepted page', () => {
  it('links back to an http(s) Referer, escaped, and shows a short reference derived from the item id', async () => {
    const { app } = await setup();
    const referer = 'https://www.example.com/contact?x="><script>alert(1)</script>';
    const page = await request(app)
      .post('/forms/acme/f1')
      .set('Accept', 'text/html')
      .set('Referer', referer)
      .set('Accept-Language', 'sv')
      .type('form')
      .send('a=1')
      .expect(202);
    expect(page.headers['content-language']).toBe('sv');
    expect(page.text).toContain('<title>Mottaget</title>');
    expect(page.text).toContain('Ditt svar har skickats.');
    expect(page.text).toContain(
      '<a href="https://www.example.com/contact?x&#61;%22%3E%3Cscript%3Ealert(1)%3C/script%3E" rel="noreferrer">Tillbaka till sidan du kom från</a>',
    );
    expect(page.text).not.toContain('<script>');
    const reference = /Referens: ([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})</.exec(page.text)?.[1];
    expect(reference).toBeDefined();
    const json = await request(app).post('/forms/acme/f1').type('form').send('a=2').expect(202);
    expect(json.body.id).not.toBe('');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative/path', 'not a url']) {
      const res = await request(app)
        .post('/forms/acme/f1')
        .set('Accept', 'text/html')
        .set('Referer', bad)
        .type('form')
        .send('a=1')
        .expect(202);
      expect(res.text).not.toContain('<a ');
    }
  });
});

describe('477 status line', () => {
  it("reads '477 Migration In Progress': Node's fetch shows statusText 'Migration In Progress'", async () => {
    const { app } = await setup();
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/api/contacts?portalId=acme`);
      expect(res.status).toBe(477);
      expect(res.statusText).toBe('Migration In Progress');
      expect(res.headers.get('retry-after')).toBe('900');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('477 on a WebSocket upgrade', () => {
  it("is refused with the status line '477 Migration In Progress'", async () => {
    const { app } = await setup();
    const server = http.createServer(app);
    server.on('upgrade', app.gateway.handleUpgrade);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const head = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(
            'GET /api/stream?portalId=acme HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          );
        });
        let got = '';
        socket.on('data', (chunk: Buffer) => (got += chunk.toString('latin1')));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
      });
      expect(head.split('\r\n')[0]).toBe('HTTP/1.1 477 Migration In Progress');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('payments', () => {
  it('cannot be turned on while a migration is scheduled or in progress (422 MIGRATION_PENDING), nothing changed', async () => {
    const { app, clock } = await setup();
    clock.set(NOW);
    const scheduled = await request(app)
      .put('/admin/v1/accounts/acme')
      .set(auth)
      .send(accountSettings({ paymentsEnabled: true }))
      .expect(422);
    expect(scheduled.body.error.code).toBe('MIGRATION_PENDING');
    await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200);
    const inProgress = await request(app)
      .put('/admin/v1/accounts/acme')
      .set(auth)
      .send(accountSettings({ paymentsEnabled: true }))
      .expect(422);
    expect(inProgress.body.error.code).toBe('MIGRATION_PENDING');
    expect((await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200)).body.paymentsEnabled).toBe(false);
    await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200);
    await request(app)
      .put('/admin/v1/accounts/acme')
      .set(auth)
      .send(accountSettings({ dataLocation: 'eu', paymentsEnabled: true }))
      .expect(200);
  });
});

describe("CORS on the gateway's own error answers", () => {
  it('an ambiguous request (400), an unreachable upstream (502) and a store outage (503) can be read cross-origin', async () => {
    const { app } = await setup({}, { cors: { origins: ['https://shop.example'] } });
    const ambiguous = await request(app)
      .get('/api/contacts?portalId=acme&portalId=globex')
      .set('Origin', 'https://shop.example')
      .expect(400);
    expect([ambiguous.headers['access-control-allow-origin'], ambiguous.headers.vary]).toEqual(['https://shop.example', 'Origin']);

    // A port nothing listens on: the proxy's own 502.
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const down = createGateway({
      upstreams: { us: `http://127.0.0.1:${closed}`, eu: eu.url },
      store: new MemoryStore(),
      parts: {},
      config: { cors: { origins: '*' } },
    });
    const unreachable = await request(down).get('/kb/a').set('Origin', 'https://anywhere.example').expect(502);
    expect(unreachable.headers['access-control-allow-origin']).toBe('*');

    const failing = new MemoryStore();
    failing.accounts.get = () => Promise.reject(new Error('store down'));
    const outage = createGateway({ upstreams: { us: us.url, eu: eu.url }, store: failing, parts: {}, config: { cors: { origins: '*' } } });
    const refused = await request(outage).post('/forms/acme/f1').set('Origin', 'https://shop.example').type('form').send('a=1').expect(503);
    expect([refused.body.category, refused.headers['access-control-allow-origin']]).toEqual(['STORE_UNAVAILABLE', '*']);
  });
});
