// The console's guards through HTTP: no page without a session, forged or expired cookies and cross-site posts
// change nothing, every value is escaped, and the pages carry the gateway's security headers.
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const HOST = '127.0.0.1:8080';
const ORIGIN = `http://${HOST}`;
const XSS = '<img src=x onerror="alert(1)">';

let app: GatewayApp;
let store: MemoryStore;
let clock: ManualClock;

beforeEach(async () => {
  store = new MemoryStore();
  clock = new ManualClock(NOW);
  app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store,
    clock,
    adminTokens: [ADMIN_TOKEN],
    background: false,
  });
  const integrations = {
    crm: { baseUrl: 'http://127.0.0.1:9', dailyCallAllocation: 100, fieldMappings: [{ property: 'email', field: 'Email' }] },
  };
  await request(app)
    .put('/admin/v1/accounts/acme')
    .set(auth)
    .send(accountSettings({ contactName: XSS, integrations }))
    .expect(201);
  await store.integrations.suspend('acme', 'crm', 'ORG_LOCKED', NOW);
});

afterEach(async () => {
  await app.gateway.close();
});

async function signIn(token = ADMIN_TOKEN, operator = 'Grace'): Promise<{ cookie: string; csrf: string; res: request.Response }> {
  const res = await request(app).post('/console/login').set({ Host: HOST, Origin: ORIGIN }).type('form').send({ token, operator });
  const setCookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const page = await request(app).get('/console/accounts/acme').set({ Host: HOST, Cookie: cookie });
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return { cookie, csrf, res };
}

const clearPost = (cookie: string, fields: Record<string, string>, headers: Record<string, string> = { Origin: ORIGIN }) =>
  request(app)
    .post('/console/accounts/acme/integrations/crm/clear-suspension')
    .set({ Host: HOST, Cookie: cookie, ...headers })
    .type('form')
    .send(fields);

const stillSuspended = async () => (await store.integrations.get('acme', 'crm')).state === 'suspended';

describe('console sessions', () => {
  it('exchanges an admin token for an HttpOnly, SameSite=Strict, /console-scoped, expiring cookie', async () => {
    const { res, cookie } = await signIn();
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/');
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0] as string;
    expect(setCookie).toMatch(/^mg_console=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('Path=/console');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Max-Age=28800');
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    const list = await request(app).get('/console/').set({ Host: HOST, Cookie: cookie }).expect(200);
    expect(list.text).toContain('Accounts that need attention');
  });

  it('refuses a wrong token and a cross-site sign-in', async () => {
    const wrong = await request(app).post('/console/login').set({ Host: HOST, Origin: ORIGIN }).type('form').send({ token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const crossSite = await request(app)
      .post('/console/login')
      .set({ Host: HOST, Origin: 'https://evil.example' })
      .type('form')
      .send({ token: ADMIN_TOKEN });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers['set-cookie']).toBeUndefined();
  });

  it.each(['/console/', '/console/accounts/acme', '/console/accounts/acme/preview?at=2026-12-08T19:00:00Z'])(
    'sends %s to sign-in without a session',
    async (path) => {
      const res = await request(app).get(path).set({ Host: HOST }).expect(303);
      expect(res.headers.location).toBe('/console/login');
      expect(res.text).not.toContain('acme');
    },
  );

  it('accepts a cookie signed by another instance with the same ADMIN_TOKENS', async () => {
    const { cookie } = await signIn();
    const other = createGateway({
      upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
      store,
      clock,
      adminTokens: [ADMIN_TOKEN],
      background: false,
    });
    await request(other).get('/console/accounts/acme').set({ Host: HOST, Cookie: cookie }).expect(200);
    const rotated = createGateway({
      upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
      store,
      clock,
      adminTokens: ['another-token'],
      background: false,
    });
    await request(rotated).get('/console/accounts/acme').set({ Host: HOST, Cookie: cookie }).expect(303);
    await other.gateway.close();
    await rotated.gateway.close();
  });

  it('clears a suspension with the session, its CSRF token and a same-origin post, and records who did it', async () => {
    const { cookie, csrf } = await signIn();
    expect(csrf).not.toBe('');
    const res = await clearPost(cookie, { csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/accounts/acme?done=cleared&integration=crm');
    expect(await stillSuspended()).toBe(false);
    const audit = await store.accounts.audit('acme', 10);
    expect(audit[audit.length - 1]).toMatchObject({
      actor: 'console:Grace',
      action: 'integration.clear_suspension',
      detail: { integration: 'crm', wasSuspended: true, reason: 'ORG_LOCKED' },
    });
  });

  it('changes nothing for a forged, tampered or expired cookie', async () => {
    const { cookie, csrf } = await signIn();
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, signature] = value.split('.') as [string, string];
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), expiresAt: NOW + 1000 * H }),
    ).toString('base64url');
    for (const bad of [`${name}=${forgedPayload}.${signature}`, `${name}=${payload}.${'A'.repeat(43)}`, `${name}=garbage`]) {
      expect((await clearPost(bad, { csrf })).status).toBe(401);
      await request(app).get('/console/accounts/acme').set({ Host: HOST, Cookie: bad }).expect(303);
    }
    clock.advance(8 * H);
    expect((await clearPost(cookie, { csrf })).status).toBe(401);
    await request(app).get('/console/').set({ Host: HOST, Cookie: cookie }).expect(303);
    expect(await stillSuspended()).toBe(true);
  });

  it('changes nothing for a cross-site post, a post without Origin, or a missing or wrong CSRF token', async () => {
    const { cookie, csrf } = await signIn();
    expect((await clearPost(cookie, { csrf }, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await clearPost(cookie, { csrf }, { Origin: 'null' })).status).toBe(403);
    expect((await clearPost(cookie, { csrf }, {})).status).toBe(403);
    expect((await clearPost(cookie, {})).status).toBe(403);
    expect((await clearPost(cookie, { csrf: `${csrf.slice(0, -1)}x` })).status).toBe(403);
    const other = await signIn();
    expect((await clearPost(cookie, { csrf: other.csrf })).status).toBe(403);
    expect(await stillSuspended()).toBe(true);
  });

  it('marks a checklist item once the checklist is open, and refuses before', async () => {
    const { cookie, csrf } = await signIn();
    const mark = (fields: Record<string, string>) =>
      request(app)
        .post('/console/accounts/acme/checklist/connect-dedicated-ip')
        .set({ Host: HOST, Cookie: cookie, Origin: ORIGIN })
        .type('form')
        .send(fields);
    expect((await mark({ csrf, done: 'true' })).status).toBe(409);
    await request(app)
      .post('/admin/v1/accounts/acme/migration')
      .set(auth)
      .send({ start: new Date(NOW + 8 * 24 * H).toISOString() })
      .expect(201);
    await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200);
    await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200);
    expect((await mark({ done: 'true' })).status).toBe(403);
    expect((await store.timeline.checklists.get('acme'))?.marks).toEqual({});
    expect((await mark({ csrf, done: 'true' })).status).toBe(303);
    expect((await store.timeline.checklists.get('acme'))?.marks['connect-dedicated-ip']).toEqual({
      done: true,
      at: NOW,
      by: 'console:Grace',
    });
    const page = await request(app).get('/console/accounts/acme').set({ Host: HOST, Cookie: cookie }).expect(200);
    expect(page.text).toContain('done by console:Grace');
  });

  it('pages a long list: 20 per page, then a link to the rest of that list only', async () => {
    for (let i = 0; i < 23; i++) {
      const id = `up-${String(i).padStart(2, '0')}`;
      await request(app).put(`/admin/v1/accounts/${id}`).set(auth).send(accountSettings()).expect(201);
      await request(app)
        .post(`/admin/v1/accounts/${id}/migration`)
        .set(auth)
        .send({ start: new Date(NOW + 8 * 24 * H + i * H).toISOString() })
        .expect(201);
    }
    const { cookie } = await signIn();
    const first = await request(app).get('/console/').set({ Host: HOST, Cookie: cookie }).expect(200);
    const listed = (text: string) => [...text.matchAll(/href="\/console\/accounts\/(up-\d+)"/g)].map((m) => m[1]);
    expect(listed(first.text)).toEqual(Array.from({ length: 20 }, (_, i) => `up-${String(i).padStart(2, '0')}`));
    const next = /href="(\/console\/\?state=upcoming&amp;cursor=[A-Za-z0-9_-]+)"/.exec(first.text)?.[1];
    expect(next).toBeDefined();
    const second = await request(app)
      .get((next as string).replace('&amp;', '&'))
      .set({ Host: HOST, Cookie: cookie })
      .expect(200);
    expect(listed(second.text)).toEqual(['up-20', 'up-21', 'up-22']);
    expect(second.text).not.toContain('list-in_window');
  });

  it('escapes every value and sends the gateway’s security headers with a form-action of its own', async () => {
    const { cookie } = await signIn();
    const page = await request(app).get('/console/accounts/acme').set({ Host: HOST, Cookie: cookie }).expect(200);
    expect(page.text).not.toContain(XSS);
    expect(page.text).toContain('&lt;img src&#61;x onerror&#61;&quot;alert(1)&quot;&gt;');
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    expect(page.headers['cache-control']).toBe('no-store');
  });
});
