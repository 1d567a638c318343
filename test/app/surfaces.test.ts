// Every surface answered through createGateway against real local upstreams, before, during and after a window.
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = NOW + 8 * 24 * H;

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

async function setup(contactName = 'Ada Lovelace'): Promise<{ app: GatewayApp; clock: ManualClock }> {
  const clock = new ManualClock(NOW);
  const app = createGateway({ upstreams: { us: us.url, eu: eu.url }, store: new MemoryStore(), clock, adminTokens: [ADMIN_TOKEN] });
  await request(app)
    .put('/admin/v1/accounts/acme')
    .set(auth)
    .send(accountSettings({ contactName, timezone: 'America/New_York' }))
    .expect(201);
  await request(app)
    .post('/admin/v1/accounts/acme/migration')
    .set(auth)
    .send({ start: new Date(START).toISOString() })
    .expect(201);
  return { app, clock };
}

describe('before the window', () => {
  it('proxies every surface to the US upstream, streaming the answer as the upstream sent it', async () => {
    const { app } = await setup();
    const res = await request(app).get('/api/contacts?portalId=acme').expect(200);
    expect(res.body).toMatchObject({ upstream: 'us', path: '/api/contacts' });
    const form = await request(app).post('/forms/acme/f1').type('form').send('email=a%40b.test').expect(200);
    expect(form.body.upstream).toBe('us');
    expect(us.requests.at(-1)?.body.toString()).toBe('email=a%40b.test');
    // No chain came in: the upstream hears the real peer, supertest's loopback client.
    expect(us.requests.at(-1)?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('blocks imports from S − 24 h and hides chat from S − 1 h', async () => {
    const { app, clock } = await setup();
    clock.set(START - 24 * H - 1000);
    await request(app).post('/imports/contacts').set('X-Account-Id', 'acme').expect(200);
    clock.set(START - 24 * H);
    const blocked = await request(app).post('/imports/contacts').set('X-Account-Id', 'acme').expect(503);
    expect(blocked.body.message).toMatch(/Imports are unavailable until the data migration is done/);
    // SPEC §10: the time until the expected end (60 h away), capped at 900 s.
    expect(blocked.headers['retry-after']).toBe('900');
    await request(app).get('/chat/widget.js?portalId=acme').expect(200);
    clock.set(START - H);
    await request(app).get('/chat/widget.js?portalId=acme').expect(204);
  });
});

describe('in the window', () => {
  it('answers API calls with 477, JSON and Retry-After, without reaching the upstream', async () => {
    const { app, clock } = await setup();
    clock.set(START + H);
    const before = us.requests.length;
    const res = await request(app).get('/api/contacts').set('X-Account-Id', 'acme').set('Accept', 'text/html').expect(477);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ status: 'error', category: 'ACCOUNT_MIGRATION_IN_PROGRESS' });
    // 35 h until the expected end, capped at 900 s (SPEC §10).
    expect(res.headers['retry-after']).toBe('900');
    expect(us.requests.length).toBe(before);
  });

  it('refuses a request that names two accounts instead of deciding for one of them (400)', async () => {
    const { app, clock } = await setup();
    clock.set(START);
    const before = us.requests.length;
    const twice = await request(app).get('/api/contacts?portalId=other&portalId=acme').expect(400);
    expect(twice.body.category).toBe('AMBIGUOUS_ACCOUNT');
    await request(app).get('/api/contacts?portalId=acme').set('X-Account-Id', 'other').expect(400);
    await request(app).post('/forms/acme/f1?portalId=other').type('form').send('a=1').expect(400);
    await request(app).get('/api/contacts?portalId=acme').set('X-Account-Id', 'acme').expect(477);
    expect(us.requests.length).toBe(before);
  });

  it('shows documents as temporarily unavailable until the end date, HTML for browsers and JSON for clients', async () => {
    const { app, clock } = await setup();
    clock.set(START);
    const html = await request(app).get('/documents/d1?portalId=acme').set('Accept', 'text/html,application/xhtml+xml').expect(503);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.text).toContain('This document is temporarily unavailable due to scheduled system updates. It will be available again on');
    expect(html.text).toContain('It will be available again on Wednesday, 2 December 2026.');
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    const json = await request(app).get('/documents/d1?portalId=acme').expect(503);
    expect(json.body.message).toContain('temporarily unavailable');
  });

  it('shows the app page with the end date, time zone and the escaped contact name', async () => {
    const { app, clock } = await setup('<script>alert(1)</script> & Co');
    clock.set(START);
    const res = await request(app).get('/app/dashboard?portalId=acme').set('Accept', 'text/html').expect(503);
    expect(res.text).toContain('Data migration in progress');
    expect(res.text).toContain('Your account data is being moved to the European Union (Germany).');
    expect(res.text).toMatch(/unavailable until Wednesday, 2 December 2026 at 19:00 EST \(America\/New_York\)/);
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(res.text).not.toContain('<script>alert(1)');
  });

  it('keeps the knowledge base and pages readable but refuses edits', async () => {
    const { app, clock } = await setup();
    clock.set(START);
    await request(app).get('/kb/article-1?portalId=acme').expect(200);
    await request(app).get('/pages/landing?portalId=acme').expect(200);
    const edit = await request(app).put('/pages/landing?portalId=acme').send({ title: 'x' }).expect(503);
    expect(edit.body.message).toMatch(/Changes cannot be saved until the data migration is done/);
    await request(app).post('/kb/article-1?portalId=acme').send({}).expect(503);
  });

  it('lets the portal list and create tickets but not reply', async () => {
    const { app, clock } = await setup();
    clock.set(START);
    await request(app).get('/portal/tickets?portalId=acme').expect(200);
    await request(app).post('/portal/tickets?portalId=acme').send({ subject: 'help' }).expect(200);
    const reply = await request(app).post('/portal/tickets/t1/messages?portalId=acme').send({ text: 'hi' }).expect(503);
    expect(reply.body.message).toBe(
      "Messages can't be sent because the system is undergoing scheduled maintenance. Please come back later.",
    );
  });

  it('blocks chat writes, email scheduling and imports; pauses integrations', async () => {
    const { app, clock } = await setup();
    clock.set(START);
    await request(app).post('/chat/conversations/c1/messages?portalId=acme').send({}).expect(503);
    await request(app).post('/email/campaigns/1/schedule?portalId=acme').send({}).expect(503);
    await request(app).get('/imports/history?portalId=acme').expect(503);
    const paused = await request(app).post('/integrations/crm/sync?portalId=acme').send({}).expect(503);
    expect(paused.headers['retry-after']).toBe('900');
  });
});

describe('after the window', () => {
  it('serves a completed account from the EU upstream, and a failed one from the US upstream', async () => {
    const { app, clock } = await setup();
    clock.set(START);
    await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200);
    clock.set(START + 30 * H);
    await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200);
    const res = await request(app).get('/api/contacts?portalId=acme').expect(200);
    expect(res.body.upstream).toBe('eu');

    const other = await setup();
    other.clock.set(START);
    await request(other.app).post('/admin/v1/accounts/acme/migration/fail').set(auth).expect(200);
    const failed = await request(other.app).get('/api/contacts?portalId=acme').expect(200);
    expect(failed.body.upstream).toBe('us');
  });

  it('refuses scheduling an email for the migration day before the window (422)', async () => {
    const { app } = await setup();
    const res = await request(app)
      .post('/email/campaigns/1/schedule?portalId=acme')
      .set('X-Send-At', new Date(START + 2 * H).toISOString())
      .send({})
      .expect(422);
    expect(res.body.category).toBe('EMAIL_SEND_ON_MIGRATION_DAY');
    await request(app)
      .post('/email/campaigns/1/schedule?portalId=acme')
      .set('X-Send-At', new Date(START - 3 * 24 * H).toISOString())
      .send({})
      .expect(200);
  });
});

describe('upstream failures', () => {
  it('answers 502 when the upstream refuses connections, HTML or JSON by Accept', async () => {
    const app = createGateway({ upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' } });
    const json = await request(app).get('/api/x').expect(502);
    expect(json.body).toMatchObject({ status: 'error', category: 'UPSTREAM_UNREACHABLE' });
    const html = await request(app).get('/pages/x').set('Accept', 'text/html').expect(502);
    expect(html.text).toContain('could not be reached');
  });

  it('answers 413 for a declared body over limits.maxProxiedBodyBytes, without calling the upstream', async () => {
    const app = createGateway({ upstreams: { us: us.url, eu: eu.url }, config: { limits: { maxProxiedBodyBytes: 1000 } } });
    const before = us.requests.length;
    const res = await request(app).post('/pages/x').set('Content-Type', 'text/plain').send('x'.repeat(1001)).expect(413);
    expect(res.body.category).toBe('PAYLOAD_TOO_LARGE');
    expect(us.requests.length).toBe(before);
    await request(app).post('/pages/x').set('Content-Type', 'text/plain').send('x'.repeat(1000)).expect(200);
  });

  it('answers 504 when the upstream hangs past the timeout', async () => {
    const slow = await startUpstream({ name: 'slow', handler: (_r, res) => void setTimeout(() => res.end('late'), 2000) });
    const app = createGateway({ upstreams: { us: slow.url, eu: slow.url }, config: { limits: { upstreamTimeoutMs: 200 } } });
    const res = await request(app).get('/api/x').expect(504);
    expect(res.body.category).toBe('UPSTREAM_TIMEOUT');
    await slow.close();
  });
});

describe('operator-configured texts', () => {
  it('uses the config file messages, filling placeholders and escaping them on pages', async () => {
    const clock = new ManualClock(NOW);
    const app = createGateway({
      upstreams: { us: us.url, eu: eu.url },
      store: new MemoryStore(),
      clock,
      adminTokens: [ADMIN_TOKEN],
      config: {
        messages: {
          documentUnavailable: 'Dokumentet är tillfälligt otillgängligt till {endDate}.',
          appMigration: 'Flytt pågår.\n\nFrågor? Kontakta {contactName}.',
          accepted: { form: 'Tack! Vi behandlar ditt svar inom ett dygn.' },
        },
      },
    });
    await request(app)
      .put('/admin/v1/accounts/acme')
      .set(auth)
      .send(accountSettings({ contactName: '<b>Ada</b>' }))
      .expect(201);
    await request(app)
      .post('/admin/v1/accounts/acme/migration')
      .set(auth)
      .send({ start: new Date(START).toISOString() })
      .expect(201);
    clock.set(START);
    const doc = await request(app).get('/documents/d?portalId=acme').expect(503);
    expect(doc.body.message).toBe('Dokumentet är tillfälligt otillgängligt till Thursday, 3 December 2026.');
    const page = await request(app).get('/app/x?portalId=acme').set('Accept', 'text/html').expect(503);
    expect(page.text).toContain('<p>Flytt pågår.</p>');
    expect(page.text).toContain('<p>Frågor? Kontakta &lt;b&gt;Ada&lt;/b&gt;.</p>');
    const form = await request(app).post('/forms/acme/f1').type('form').send('a=1').expect(202);
    expect(form.body.message).toBe('Tack! Vi behandlar ditt svar inom ett dygn.');
  });

  it('refuses an unknown message key at start-up, naming it', () => {
    expect(() => createGateway({ upstreams: { us: us.url, eu: eu.url }, config: { messages: { documentGone: 'x' } as never } })).toThrow(
      'messages',
    );
  });
});

describe('store unreachable for an account never loaded', () => {
  it('passes ordinary surfaces to the default region but refuses integration calls with 503 (README: the allocation is not risked)', async () => {
    const store = new MemoryStore();
    const app = createGateway({
      upstreams: { us: us.url, eu: eu.url },
      store,
      clock: new ManualClock(NOW),
      adminTokens: [ADMIN_TOKEN],
      parts: {},
    });
    jest.spyOn(store.accounts, 'get').mockRejectedValue(new Error('store down'));
    const before = us.requests.length;
    const api = await request(app).get('/api/contacts').set('X-Account-Id', 'acme').expect(200);
    expect(api.body.upstream).toBe('us');
    const crm = await request(app).get('/integrations/crm/sobjects/Contact').set('X-Account-Id', 'acme').expect(503);
    expect(crm.body).toMatchObject({ status: 'error', category: 'STORE_UNAVAILABLE' });
    expect(crm.headers['retry-after']).toBe('30');
    // Only the API call reached the region upstream; the integration call went nowhere.
    expect(us.requests.length - before).toBe(1);
    await app.gateway.close();
  });
});

describe("the gateway's own paths", () => {
  it('keeps /healthz, /readyz and /metrics, but proxies upstream paths that only start with those names', async () => {
    const app = createGateway({ upstreams: { us: us.url, eu: eu.url }, store: new MemoryStore(), clock: new ManualClock(NOW), parts: {} });
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz?verbose=1').expect(200);
    await request(app).get('/metrics').expect(200);
    for (const path of ['/metrics-dashboard', '/healthzone/info', '/readyzero']) {
      const res = await request(app).get(path).expect(200);
      expect(res.body).toMatchObject({ upstream: 'us', path });
    }
    await app.gateway.close();
  });
});

describe('logs', () => {
  it('do not carry the query string of a failed upstream request (API keys and tokens travel there)', async () => {
    const { createLogger } = await import('../../src/observability/logger');
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
    const app = createGateway({
      upstreams: { us: 'http://127.0.0.1:1', eu: eu.url },
      store: new MemoryStore(),
      clock: new ManualClock(NOW),
      logger,
      parts: {},
    });
    await request(app).get('/api/contacts?hapikey=SECRET-KEY-123&access_token=SECRET-TOKEN').expect(502);
    expect(lines.join('')).toContain('upstream request failed');
    expect(lines.join('')).not.toContain('SECRET');
    await app.gateway.close();
  });
});
