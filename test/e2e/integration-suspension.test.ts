// Issue 5 "Done when": a fake CRM (a real local HTTP server) answers each SPEC §6 error in turn; each suspends with its
// reason and remedy, calls then fail fast without reaching the CRM, and Clear Suspension restores traffic.
import request from 'supertest';
import { ManualClock } from '../../src/domain/clock';
import { REASONS } from '../../src/integrations/reasons';
import { type ReasonCode } from '../../src/domain/reason-codes';
import type { Store } from '../../src/store/types';
import { storeFactories } from '../support/stores';
import { handlers, startUpstream, type Upstream, type UpstreamHandler } from '../support/upstream';
import { account, guardApp, integration, T0, type GuardApp } from '../integrations/harness';

const THRESHOLD = 3;
const sfError = (errorCode: string, message: string): object[] => [{ message, errorCode, fields: [] }];
const HTML_OUTAGE =
  '<!DOCTYPE html><html><head><title>Service unavailable</title></head><body><h1>We are down for maintenance</h1></body></html>';

interface Scenario {
  reason: ReasonCode;
  status: number;
  body: string | object;
  headers?: Record<string, string>;
}

/** Each CRM-caused reason of SPEC §6, as the CRM would say it. */
const scenarios: Scenario[] = [
  {
    reason: 'CRM_API_LIMIT_EXCEEDED',
    status: 403,
    body: sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
    headers: { 'Sforce-Limit-Info': 'api-usage=15001/15000' },
  },
  { reason: 'CRM_API_DISABLED', status: 403, body: sfError('API_DISABLED_FOR_ORG', 'API is not enabled for this Organization or Partner') },
  {
    reason: 'OBJECT_PERMISSIONS_MISSING',
    status: 400,
    body: sfError('INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', 'insufficient access rights on cross-reference id'),
  },
  {
    reason: 'FIELD_PERMISSIONS_MISSING',
    status: 400,
    body: sfError('INVALID_FIELD_FOR_INSERT_UPDATE', 'Unable to create/update fields: Secret__c.'),
  },
  { reason: 'ORG_LOCKED', status: 400, body: sfError('UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record') },
  { reason: 'STORAGE_LIMIT_EXCEEDED', status: 400, body: sfError('STORAGE_LIMIT_EXCEEDED', 'storage limit exceeded') },
  { reason: 'ORG_UNAVAILABLE', status: 503, body: HTML_OUTAGE, headers: { 'content-type': 'text/html; charset=utf-8' } },
  {
    reason: 'CRM_SERVER_ERROR',
    status: 500,
    body: sfError('UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId.'),
  },
  // A 400 with an unknown code is the caller's own error (relayed, never suspends); an expired session is not.
  { reason: 'UNKNOWN_ERROR', status: 401, body: sfError('INVALID_SESSION_ID', 'Session expired or invalid') },
];

const answer = (s: Scenario): UpstreamHandler => handlers.reply(s.status, s.body, s.headers);

describe.each(storeFactories)('CRM integration suspension end to end (%s)', (_name, makeStore) => {
  let crm: Upstream;
  let store: Store;
  let clock: ManualClock;
  let guard: GuardApp;

  beforeAll(async () => {
    crm = await startUpstream({ name: 'crm' });
    store = makeStore();
    clock = new ManualClock(T0);
    guard = guardApp(store, clock, { transientThreshold: THRESHOLD });
    guard.accounts.set(
      'acme',
      account('acme', {
        crm: integration(crm.url),
        small: integration(crm.url, { dailyCallAllocation: 2 }),
        unmapped: integration(crm.url, { fieldMappings: [] }),
      }),
    );
  });
  afterAll(async () => {
    guard.handler.close();
    await crm.close();
    await store.close();
  });

  const call = (name = 'crm') =>
    request(guard.app)
      .post(`/integrations/${name}/services/data/v58.0/sobjects/Contact`)
      .set('X-Account-Id', 'acme')
      .send({ LastName: 'Lovelace' });
  const view = (name = 'crm') => request(guard.app).get(`/admin/v1/accounts/acme/integrations/${name}`);
  const clear = (name = 'crm') =>
    request(guard.app).post(`/admin/v1/accounts/acme/integrations/${name}/clear-suspension`).set('X-Actor-Id', 'ops-1');

  it.each(scenarios)('$reason: suspends with its remedy, fails fast, and Clear Suspension restores traffic', async (scenario) => {
    const info = REASONS[scenario.reason];
    clock.advance(3600_000);
    crm.setHandler(answer(scenario));
    const before = crm.requests.length;

    // Until it suspends, the caller hears the CRM's own answer.
    const attempts = info.transient ? THRESHOLD : 1;
    for (let i = 0; i < attempts; i++) {
      const relayed = await call();
      expect(relayed.status).toBe(scenario.status);
      expect(relayed.text).toBe(typeof scenario.body === 'string' ? scenario.body : JSON.stringify(scenario.body));
    }
    expect(crm.requests.length).toBe(before + attempts);

    // Suspended: fast failure naming the reason and the remedy, and the CRM hears nothing more.
    for (let i = 0; i < 3; i++) {
      const fast = await call();
      expect(fast.status).toBe(503);
      expect(fast.body).toMatchObject({
        status: 'error',
        category: 'INTEGRATION_SUSPENDED',
        reason: scenario.reason,
        message: info.message,
        remedy: info.remedy,
      });
    }
    expect(crm.requests.length).toBe(before + attempts);

    const shown = await view();
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      state: 'suspended',
      reason: scenario.reason,
      since: new Date(clock.now()).toISOString(),
      remedy: info.remedy,
    });

    // The cause is fixed in the CRM, but only Clear Suspension (or, for transient reasons, a trial call later) lifts it.
    crm.setHandler(undefined);
    expect((await call()).status).toBe(503);
    const cleared = await clear();
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ state: 'active', reason: null, remedy: null });
    expect(guard.audits.at(-1)).toMatchObject({
      accountId: 'acme',
      actor: 'ops-1',
      action: 'integration.clear_suspension',
      detail: { integration: 'crm', reason: scenario.reason, wasSuspended: true },
    });

    const restored = await call();
    expect(restored.status).toBe(200);
    expect(crm.requests.length).toBe(before + attempts + 1);
    expect(guard.notified.at(-1)).toMatchObject({ accountId: 'acme', reason: scenario.reason });
  });

  it('records the CRM org usage the limit error reported', async () => {
    expect((await view()).body.crmUsage).toEqual({ used: 15001, limit: 15000 });
  });

  it('suspends again on the next failing call when the cause persists after Clear Suspension', async () => {
    const storage = scenarios.find((s) => s.reason === 'STORAGE_LIMIT_EXCEEDED') as Scenario;
    crm.setHandler(answer(storage));
    await call();
    expect((await clear()).body.state).toBe('active');
    const before = crm.requests.length;
    expect((await call()).status).toBe(400);
    expect(crm.requests.length).toBe(before + 1);
    expect((await call()).body.reason).toBe('STORAGE_LIMIT_EXCEEDED');
    expect(crm.requests.length).toBe(before + 1);
    crm.setHandler(undefined);
    await clear();
  });

  it('API_ALLOCATION_EXCEEDED: 429 with Retry-After without reaching the CRM, lifted automatically', async () => {
    const before = crm.requests.length;
    expect((await call('small')).status).toBe(200);
    expect((await call('small')).status).toBe(200);
    const refused = await call('small');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBe(24 * 3600);
    expect(refused.body).toMatchObject({ reason: 'API_ALLOCATION_EXCEEDED', remedy: REASONS.API_ALLOCATION_EXCEEDED.remedy });
    expect(crm.requests.length).toBe(before + 2);
    expect((await view('small')).body).toMatchObject({
      state: 'suspended',
      reason: 'API_ALLOCATION_EXCEEDED',
      usage: { callsLast24h: 2, allocation: 2 },
    });
    clock.advance(24 * 3600_000);
    expect((await view('small')).body).toMatchObject({ state: 'active', usage: { callsLast24h: 0, allocation: 2 } });
    expect((await call('small')).status).toBe(200);
  });

  it('MISSING_FIELD_MAPPINGS: suspended from the start, Clear Suspension refused until mappings exist', async () => {
    const before = crm.requests.length;
    expect((await view('unmapped')).body).toMatchObject({
      state: 'suspended',
      reason: 'MISSING_FIELD_MAPPINGS',
      remedy: REASONS.MISSING_FIELD_MAPPINGS.remedy,
    });
    const fast = await call('unmapped');
    expect(fast.status).toBe(503);
    expect(fast.body).toMatchObject({ category: 'INTEGRATION_SUSPENDED', reason: 'MISSING_FIELD_MAPPINGS' });
    const refused = await clear('unmapped');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('MISSING_FIELD_MAPPINGS');

    // Mappings added: still suspended until someone clears it, then traffic flows.
    const acme = guard.accounts.get('acme');
    if (!acme) throw new Error('account missing');
    acme.settings.integrations.unmapped.fieldMappings = [{ property: 'email', field: 'Email' }];
    expect((await call('unmapped')).body.reason).toBe('MISSING_FIELD_MAPPINGS');
    expect((await clear('unmapped')).status).toBe(200);
    expect((await call('unmapped')).status).toBe(200);
    expect(crm.requests.length).toBe(before + 1);
  });
});
