// The operator knobs of the config file (integrations.transientThreshold / probeCooldownMs, buffer.headerAllowList)
// reach the standard parts through createGateway, and are validated like every other entry.
import request from 'supertest';
import { DEFAULT_HEADER_ALLOW_LIST } from '../../src/domain/http-headers';
import { ConfigError, parseConfig } from '../../src/config/load';
import type { GatewayConfigInput } from '../../src/config/schema';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';
import { handlers, startUpstream, type Upstream } from '../support/upstream';

const base: GatewayConfigInput = { upstreams: { us: 'http://us.test', eu: 'http://eu.test' }, routes: [{ path: '/a', surface: 'api' }] };

describe('operator knobs in the config schema', () => {
  it('defaults to the library defaults', () => {
    const config = parseConfig(base);
    expect(config.integrations).toEqual({ transientThreshold: 3, probeCooldownMs: 60_000 });
    expect(config.buffer.headerAllowList).toEqual([...DEFAULT_HEADER_ALLOW_LIST]);
  });

  it('lower-cases the allowed header names', () => {
    expect(parseConfig({ ...base, buffer: { headerAllowList: ['Content-Type', 'X-Shop-Signature'] } }).buffer.headerAllowList).toEqual([
      'content-type',
      'x-shop-signature',
    ]);
  });

  it.each([
    [{ integrations: { transientThreshold: 0 } }, 'integrations.transientThreshold'],
    [{ integrations: { transientThreshold: 1.5 } }, 'integrations.transientThreshold'],
    [{ integrations: { probeCooldownMs: 10 } }, 'integrations.probeCooldownMs'],
    [{ integrations: { threshold: 3 } }, 'integrations'],
    [{ buffer: { headerAllowList: ['x bad'] } }, 'buffer.headerAllowList.0'],
    [{ buffer: { headerAllowList: ['content-type', 'x-a:b'] } }, 'buffer.headerAllowList.1'],
    [{ buffer: { headerAllowList: [''] } }, 'buffer.headerAllowList.0'],
    [{ buffer: { headerAllowList: ['Transfer-Encoding'] } }, 'buffer.headerAllowList.0'],
    [{ buffer: { headerAllowList: ['x-maintenance-bypass'] } }, 'buffer.headerAllowList.0'],
    [{ buffer: { headerAllowList: 'content-type' } }, 'buffer.headerAllowList'],
  ])('refuses %j naming %s', (extra, where) => {
    expect(() => parseConfig({ ...base, ...extra } as never)).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, ...extra } as never)).toThrow(where);
  });
});

describe('operator knobs through createGateway', () => {
  let us: Upstream;
  let eu: Upstream;
  let crm: Upstream;
  let app: GatewayApp;

  beforeAll(async () => {
    [us, eu, crm] = await Promise.all([startUpstream({ name: 'us' }), startUpstream({ name: 'eu' }), startUpstream({ name: 'crm' })]);
    app = createGateway({
      upstreams: { us: us.url, eu: eu.url },
      store: new MemoryStore(),
      adminTokens: [ADMIN_TOKEN],
      config: {
        integrations: { transientThreshold: 1, probeCooldownMs: 120_000 },
        buffer: { headerAllowList: ['Content-Type', 'X-Shop-Signature'] },
      },
    });
  });
  afterAll(async () => {
    await app.gateway.close();
    await Promise.all([us.close(), eu.close(), crm.close()]);
  });

  it('suspends on the first transient CRM failure and offers the trial call after the configured cool-down', async () => {
    const integrations = { crm: { baseUrl: crm.url, dailyCallAllocation: 100, fieldMappings: [{ property: 'email', field: 'Email' }] } };
    await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings({ integrations })).expect(201);
    const call = () => request(app).get('/integrations/crm/services/data/v58.0/sobjects/Contact').set('X-Account-Id', 'acme');

    crm.setHandler(handlers.reply(503, [{ message: 'down', errorCode: 'SERVER_UNAVAILABLE', fields: [] }]));
    expect((await call()).status).toBe(503);
    const fast = await call();
    expect(fast.body).toMatchObject({ category: 'INTEGRATION_SUSPENDED', reason: 'ORG_UNAVAILABLE' });
    expect(Number(fast.headers['retry-after'])).toBeGreaterThan(60);
    expect(Number(fast.headers['retry-after'])).toBeLessThanOrEqual(120);
    expect(crm.requests).toHaveLength(1);
  });

  it('keeps and replays only the configured headers of a buffered write', async () => {
    await request(app).put('/admin/v1/accounts/beta').set(auth).send(accountSettings()).expect(201);
    const start = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
    await request(app).post('/admin/v1/accounts/beta/migration').set(auth).send({ start, target: 'eu' }).expect(201);
    await request(app).post('/admin/v1/accounts/beta/migration/start').set(auth).expect(200);

    await request(app)
      .post('/webhooks/shop?portalId=beta')
      .set('content-type', 'application/json')
      .set('x-shop-signature', 'sig-1')
      .set('x-hubspot-signature', 'not-listed')
      .set('user-agent', 'not-listed-either')
      .send('{"order":1}')
      .expect(202);
    expect(us.requests.length + eu.requests.length).toBe(0);

    await request(app).post('/admin/v1/accounts/beta/migration/complete').set(auth).expect(200);
    const deadline = Date.now() + 5000;
    while (!eu.requests.some((r) => r.complete) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(eu.requests).toHaveLength(1);
    const replayed = eu.requests[0].headers;
    expect(replayed['x-shop-signature']).toBe('sig-1');
    expect(replayed['content-type']).toBe('application/json');
    expect(replayed['x-hubspot-signature']).toBeUndefined();
    expect(replayed['user-agent']).not.toBe('not-listed-either');
  });
});
