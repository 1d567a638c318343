// Operator bypass: signed, expiring, per-account tokens reach the real upstream in the window; anything else is ignored and never logged.
import { Writable } from 'node:stream';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { expectDocumented } from '../support/openapi';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { createLogger } from '../../src/observability/logger';
import { loadConfig } from '../../src/config/load';
import { parseEnv } from '../../src/config/env';
import { createBypassToken, verifyBypassToken } from '../../src/security/bypass';
import { BYPASS_HEADER } from '../../src/domain/http-headers';
import { createBypassToken as exportedCreate } from '../../src/index';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = NOW + 8 * 24 * H;
const SECRET = 'bypass-secret-for-tests-0123456789abcdef';

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

function logSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

async function inWindow(options: { secret?: string } = {}): Promise<{ app: GatewayApp; clock: ManualClock; store: MemoryStore }> {
  const clock = new ManualClock(NOW);
  const store = new MemoryStore();
  const app = createGateway({
    upstreams: { us: us.url, eu: eu.url },
    store,
    background: false,
    clock,
    adminTokens: [ADMIN_TOKEN],
    config: options.secret === undefined ? { bypassSecret: SECRET } : options.secret ? { bypassSecret: options.secret } : {},
  });
  await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201));
  await expectDocumented(await request(app).put('/admin/v1/accounts/other').set(auth).send(accountSettings()).expect(201));
  await expectDocumented(
    await request(app)
      .post('/admin/v1/accounts/acme/migration')
      .set(auth)
      .send({ start: new Date(START).toISOString() })
      .expect(201),
  );
  clock.set(START + H);
  return { app, clock, store };
}

describe('bypass tokens', () => {
  it('are base64url(payload).base64url(HMAC-SHA256(secret, payload)) with {account, exp}', () => {
    const token = createBypassToken(SECRET, 'acme', 600, NOW);
    const [payload, mac] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ account: 'acme', exp: NOW / 1000 + 600 });
    expect(mac).toBe(createHmac('sha256', SECRET).update(Buffer.from(payload, 'base64url')).digest('base64url'));
    expect(exportedCreate).toBe(createBypassToken);
  });

  it('verify only for the right secret, account and time', () => {
    const token = createBypassToken(SECRET, 'acme', 600, NOW);
    expect(verifyBypassToken(SECRET, token, 'acme', NOW)).toBe(true);
    expect(verifyBypassToken(SECRET, token, 'acme', NOW + 599_999)).toBe(true);
    expect(verifyBypassToken(SECRET, token, 'acme', NOW + 600_000)).toBe(false);
    expect(verifyBypassToken(SECRET, token, 'other', NOW)).toBe(false);
    expect(verifyBypassToken(`${SECRET}x`, token, 'acme', NOW)).toBe(false);
    const [payload, mac] = token.split('.') as [string, string];
    // A payload rewritten to another account or a later expiry keeps the old MAC: refused.
    const forged = Buffer.from(JSON.stringify({ account: 'acme', exp: NOW / 1000 + 10 ** 6 })).toString('base64url');
    expect(verifyBypassToken(SECRET, `${forged}.${mac}`, 'acme', NOW)).toBe(false);
    for (const bad of [
      '',
      '.',
      `${payload}`,
      `${payload}.`,
      `${payload}.${mac}.x`,
      `${payload}.${mac.slice(1)}`,
      'x'.repeat(10_000),
      `${payload}.${'A'.repeat(43)}`,
    ]) {
      expect(verifyBypassToken(SECRET, bad, 'acme', NOW)).toBe(false);
    }
  });

  it('refuse bad arguments when minted', () => {
    expect(() => createBypassToken(SECRET, 'acme', 0)).toThrow(RangeError);
    expect(() => createBypassToken(SECRET, 'acme', 24 * 3600 + 1)).toThrow(RangeError);
    expect(() => createBypassToken(SECRET, '../acme', 60)).toThrow(RangeError);
    expect(() => createBypassToken('short', 'acme', 60)).toThrow(RangeError);
  });

  it('take the secret from BYPASS_SECRET, refusing a short one', () => {
    const env = { UPSTREAM_US: 'http://127.0.0.1:9', UPSTREAM_EU: 'http://127.0.0.1:9' };
    expect(loadConfig(parseEnv({ ...env, BYPASS_SECRET: SECRET })).bypassSecret).toBe(SECRET);
    expect(loadConfig(parseEnv(env)).bypassSecret).toBeUndefined();
    expect(() => parseEnv({ ...env, BYPASS_SECRET: 'short' })).toThrow('BYPASS_SECRET: must be at least 32 characters long');
  });
});

describe('bypass in the window', () => {
  it('lets a valid token for the account reach its region upstream, without the header', async () => {
    const { app, clock } = await inWindow();
    const token = createBypassToken(SECRET, 'acme', 3600, clock.now());
    await request(app).get('/app/dashboard?portalId=acme').set('Accept', 'text/html').expect(503);
    const before = us.requests.length;
    const res = await request(app).get('/app/dashboard?portalId=acme').set('Accept', 'text/html').set(BYPASS_HEADER, token).expect(200);
    expect(res.body).toMatchObject({ upstream: 'us', path: '/app/dashboard' });
    expect(us.requests.length).toBe(before + 1);
    expect(us.requests.at(-1)?.headers[BYPASS_HEADER]).toBeUndefined();
    // A write that would be buffered goes straight through too: the operator sees the real upstream.
    const form = await request(app).post('/forms/acme/f1').type('form').send('a=1').set(BYPASS_HEADER, token).expect(200);
    expect(form.body.upstream).toBe('us');
    const api = await request(app).get('/api/contacts').set('X-Account-Id', 'acme').set(BYPASS_HEADER, token).expect(200);
    expect(api.body.upstream).toBe('us');
  });

  it('goes to the EU upstream once the account lives there', async () => {
    const { app, clock } = await inWindow();
    await expectDocumented(
      await request(app)
        .put('/admin/v1/accounts/other')
        .set(auth)
        .send(accountSettings({ dataLocation: 'eu' }))
        .expect(200),
    );
    const token = createBypassToken(SECRET, 'other', 60, clock.now());
    const res = await request(app).get('/api/x?portalId=other').set(BYPASS_HEADER, token).expect(200);
    expect(res.body.upstream).toBe('eu');
  });

  it.each([
    ['another account', () => createBypassToken(SECRET, 'other', 3600, START)],
    ['an expired token', () => createBypassToken(SECRET, 'acme', 60, START)],
    ['another secret', () => createBypassToken(`${SECRET}-rotated`, 'acme', 3600, START + H)],
    ['a tampered token', () => createBypassToken(SECRET, 'acme', 3600, START + H).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    ['garbage', () => 'not-a-token'],
  ])('ignores %s: the normal window answer, nothing reaches the upstream', async (_what, token) => {
    const { app } = await inWindow();
    const before = us.requests.length;
    const res = await request(app).get('/api/contacts?portalId=acme').set(BYPASS_HEADER, token()).expect(477);
    expect(res.body.category).toBe('ACCOUNT_MIGRATION_IN_PROGRESS');
    expect(us.requests.length).toBe(before);
  });

  it('is off when no secret is configured, whatever the token', async () => {
    const { app } = await inWindow({ secret: '' });
    const token = createBypassToken(SECRET, 'acme', 3600, START + H);
    await request(app).get('/api/contacts?portalId=acme').set(BYPASS_HEADER, token).expect(477);
    const mint = await expectDocumented(
      await request(app).post('/admin/v1/accounts/acme/bypass-token').set(auth).send({ ttlSeconds: 60 }).expect(409),
    );
    expect(mint.body.error.code).toBe('BYPASS_DISABLED');
  });

  it('is not stored with a buffered request (an invalid token leaves the request to the window)', async () => {
    const { app, store } = await inWindow();
    const token = createBypassToken(SECRET, 'other', 3600, START + H);
    await request(app).post('/forms/acme/f1').type('form').send('a=1').set(BYPASS_HEADER, token).expect(202);
    const [item] = await store.buffer.pending('acme', { limit: 10 });
    expect(item?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(item?.headers[BYPASS_HEADER]).toBeUndefined();
    expect(JSON.stringify(item)).not.toContain(token);
  });

  it('strips the header from ordinary proxied traffic too', async () => {
    const { app } = await inWindow();
    await request(app).get('/kb/article?portalId=other').set(BYPASS_HEADER, 'anything').expect(200);
    expect(us.requests.at(-1)?.headers[BYPASS_HEADER]).toBeUndefined();
  });
});

describe('POST /admin/v1/accounts/:id/bypass-token', () => {
  it('mints a token for the account (201), records the audit entry without the token, and the token works', async () => {
    const { app, clock } = await inWindow();
    const res = await expectDocumented(
      await request(app).post('/admin/v1/accounts/acme/bypass-token').set(auth).send({ ttlSeconds: 900 }).expect(201),
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ account: 'acme', header: BYPASS_HEADER, expiresAt: new Date(clock.now() + 900_000).toISOString() });
    expect(verifyBypassToken(SECRET, res.body.token, 'acme', clock.now())).toBe(true);
    const shown = await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200));
    const entry = shown.body.audit.at(-1);
    expect(entry).toMatchObject({
      actor: 'sa-1',
      action: 'bypass.token_issued',
      detail: { ttlSeconds: 900, fingerprint: res.body.fingerprint },
    });
    expect(JSON.stringify(shown.body)).not.toContain(res.body.token);
    await request(app).get('/api/contacts?portalId=acme').set(BYPASS_HEADER, res.body.token).expect(200);
    clock.advance(900_000);
    await request(app).get('/api/contacts?portalId=acme').set(BYPASS_HEADER, res.body.token).expect(477);
  });

  it.each([
    [{ ttlSeconds: 0 }, 400, 'INVALID_BODY'],
    [{ ttlSeconds: 24 * 3600 + 1 }, 400, 'INVALID_BODY'],
    [{ ttlSeconds: 1.5 }, 400, 'INVALID_BODY'],
    [{ ttlSeconds: '60' }, 400, 'INVALID_BODY'],
    [{ ttlSeconds: 60, account: 'other' }, 400, 'INVALID_BODY'],
    [{}, 400, 'INVALID_BODY'],
  ])('refuses %j with %i %s and records nothing', async (body, status, code) => {
    const { app } = await inWindow();
    const before = (await request(app).get('/admin/v1/accounts/acme').set(auth)).body.audit.length;
    const res = await request(app).post('/admin/v1/accounts/acme/bypass-token').set(auth).send(body).expect(status);
    await expectDocumented(res);
    expect(res.body.error.code).toBe(code);
    expect((await request(app).get('/admin/v1/accounts/acme').set(auth)).body.audit.length).toBe(before);
  });

  it('needs an admin token, a named actor and a known account', async () => {
    const { app } = await inWindow();
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/bypass-token').send({ ttlSeconds: 60 }).expect(401));
    const noActor = await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/bypass-token')
        .set({ Authorization: `Bearer ${ADMIN_TOKEN}` })
        .send({ ttlSeconds: 60 })
        .expect(400),
    );
    expect(noActor.body.error.code).toBe('MISSING_ACTOR');
    await expectDocumented(
      await request(app).post('/admin/v1/accounts/nobody/bypass-token').set(auth).send({ ttlSeconds: 60 }).expect(404),
    );
  });
});

describe('never logged', () => {
  it('pino redacts the header wherever request headers are logged', () => {
    const sink = logSink();
    const logger = createLogger({ level: 'info', destination: sink.stream });
    const token = createBypassToken(SECRET, 'acme', 60);
    logger.info({ req: { headers: { [BYPASS_HEADER]: token } }, headers: { [BYPASS_HEADER]: token }, bypassToken: token }, 'request');
    expect(sink.lines.join('')).not.toContain(token);
    expect(sink.lines.join('')).toContain('[redacted]');
  });

  it('a bypassed request whose upstream fails logs nothing of the token', async () => {
    const clock = new ManualClock(NOW);
    const sink = logSink();
    const app = createGateway({
      upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
      store: new MemoryStore(),
      clock,
      adminTokens: [ADMIN_TOKEN],
      logger: createLogger({ level: 'debug', destination: sink.stream }),
      config: { bypassSecret: SECRET },
    });
    await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201));
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: new Date(START).toISOString() })
        .expect(201),
    );
    clock.set(START + H);
    const minted = await expectDocumented(
      await request(app).post('/admin/v1/accounts/acme/bypass-token').set(auth).send({ ttlSeconds: 60 }).expect(201),
    );
    await request(app).get('/app/x?portalId=acme').set(BYPASS_HEADER, minted.body.token).expect(502);
    expect(sink.lines.length).toBeGreaterThan(0);
    expect(sink.lines.join('')).not.toContain(minted.body.token);
    expect(sink.lines.join('')).not.toContain(minted.body.token.split('.')[1]);
  });
});
