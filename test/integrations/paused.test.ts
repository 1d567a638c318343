// SPEC §3 "integration sync: paused; resumes after the window", through createGateway: decide() pauses the call before the
// guard sees it, so the CRM is not reached and the call does not use up the integration's allocation.
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const HOUR = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = NOW + 8 * 24 * HOUR;

let crm: Upstream;
let store: MemoryStore;
let app: GatewayApp;
let clock: ManualClock;

beforeEach(async () => {
  crm = await startUpstream({ name: 'crm' });
  store = new MemoryStore();
  clock = new ManualClock(NOW);
  app = createGateway({ upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' }, store, clock, adminTokens: [ADMIN_TOKEN] });
  const integrations = { crm: { baseUrl: crm.url, dailyCallAllocation: 100, fieldMappings: [{ property: 'email', field: 'Email' }] } };
  await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings({ integrations })).expect(201);
  await request(app)
    .post('/admin/v1/accounts/acme/migration')
    .set(auth)
    .send({ start: new Date(START).toISOString() })
    .expect(201);
});
afterEach(async () => {
  await app.gateway.close();
  await crm.close();
});

const sync = () =>
  request(app).post('/integrations/crm/sobjects/Contact?portalId=acme').set('Accept', 'application/json').send({ Email: 'a@example.test' });

it('pauses integration calls in the window with 503 INTEGRATION_PAUSED, without reaching the CRM or counting the call', async () => {
  clock.set(START + HOUR);
  const paused = await sync();
  expect(paused.status).toBe(503);
  expect(paused.body).toMatchObject({
    status: 'error',
    category: 'INTEGRATION_PAUSED',
    // SPEC §3: "paused; resumes after the window"; the window is expected to end at start + 36 h (SPEC §2).
    message: expect.stringMatching(/paused[\s\S]*resumes after/),
    expectedEnd: new Date(START + 36 * HOUR).toISOString(),
  });
  expect(crm.requests).toHaveLength(0);
  expect(await store.integrations.callsInWindow('acme', 'crm', clock.now(), 24 * HOUR)).toBe(0);
});

it('passes the same call to the CRM before the window, and counts it', async () => {
  clock.set(START - HOUR);
  const passed = await sync();
  expect(passed.status).toBe(200);
  expect(crm.requests).toHaveLength(1);
  expect(crm.requests[0]?.url).toBe('/sobjects/Contact?portalId=acme');
  expect(await store.integrations.callsInWindow('acme', 'crm', clock.now(), 24 * HOUR)).toBe(1);
});
