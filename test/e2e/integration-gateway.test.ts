// The integration guard wired into createGateway: account set up through the admin API, calls through the route table.
import request from 'supertest';
import { ManualClock } from '../../src/domain/clock';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { createIntegrationParts, type IntegrationParts } from '../../src/integrations/parts';
import { REASONS } from '../../src/integrations/reasons';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { accountSettings, ADMIN_TOKEN, auth } from '../support/accounts';
import { handlers, startUpstream, type Upstream } from '../support/upstream';

describe('integration guard through createGateway', () => {
  let crm: Upstream;
  let app: GatewayApp;
  let parts: IntegrationParts | undefined;
  const audits: { accountId: string; actor: string; action: string }[] = [];
  const notified: string[] = [];

  beforeAll(async () => {
    crm = await startUpstream({ name: 'crm' });
    app = createGateway({
      upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
      store: new MemoryStore(),
      clock: new ManualClock(Date.parse('2026-11-23T12:00:00Z')),
      adminTokens: [ADMIN_TOKEN],
      parts: (core) => {
        parts = createIntegrationParts(core, {
          recordAudit: async (accountId, actor, action) => {
            audits.push({ accountId, actor, action });
          },
          notify: async (accountId, reason) => {
            notified.push(`${accountId}:${reason}`);
          },
        });
        return { handleIntegration: parts.handleIntegration, adminRouters: parts.adminRouters, accountExtras: parts.accountExtras };
      },
    });
    const integrations = {
      crm: { baseUrl: crm.url, dailyCallAllocation: 100, fieldMappings: [{ property: 'email', field: 'Email' }], notifyOnSuspension: true },
    };
    await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings({ integrations })).expect(201);
  });
  afterAll(async () => {
    parts?.close();
    await app.gateway.close();
    await crm.close();
  });

  const call = () => request(app).get('/integrations/crm/services/data/v58.0/query?q=SELECT+Id+FROM+Contact').set('X-Account-Id', 'acme');

  it('proxies, suspends on a CRM error, fails fast, shows it in the admin API, and Clear Suspension restores traffic', async () => {
    const ok = await call();
    expect(ok.status).toBe(200);
    expect(crm.requests[0].url).toBe('/services/data/v58.0/query?q=SELECT+Id+FROM+Contact');

    crm.setHandler(handlers.reply(400, [{ message: 'No such column', errorCode: 'INVALID_FIELD', fields: [] }]));
    expect((await call()).status).toBe(400);
    const fast = await call();
    expect(fast.status).toBe(503);
    expect(fast.body).toMatchObject({
      category: 'INTEGRATION_SUSPENDED',
      reason: 'FIELD_PERMISSIONS_MISSING',
      remedy: REASONS.FIELD_PERMISSIONS_MISSING.remedy,
    });
    expect(crm.requests).toHaveLength(2);
    expect(notified).toEqual(['acme:FIELD_PERMISSIONS_MISSING']);

    const shown = await request(app).get('/admin/v1/accounts/acme/integrations/crm').set(auth).expect(200);
    expect(shown.body).toMatchObject({
      state: 'suspended',
      reason: 'FIELD_PERMISSIONS_MISSING',
      usage: { callsLast24h: 2, allocation: 100 },
    });
    const account = await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200);
    expect(account.body.integrationStatus.crm).toMatchObject({ state: 'suspended', reason: 'FIELD_PERMISSIONS_MISSING' });

    await request(app).get('/admin/v1/accounts/acme/integrations/crm').expect(401);
    crm.setHandler(undefined);
    await request(app).post('/admin/v1/accounts/acme/integrations/crm/clear-suspension').set(auth).expect(200);
    expect(audits).toEqual([{ accountId: 'acme', actor: auth['X-Actor-Id'], action: 'integration.clear_suspension' }]);
    expect((await call()).status).toBe(200);
    expect(crm.requests).toHaveLength(3);
  });
});
