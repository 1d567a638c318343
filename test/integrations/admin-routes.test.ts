// The integration admin view (derived states included), Clear Suspension and its audit record, and reconcileIntegrations.
import request from 'supertest';
import { expectDocumented } from '../support/openapi';
import { ManualClock } from '../../src/domain/clock';
import { integrationView, reconcileIntegrations } from '../../src/integrations/admin-routes';
import { ACTIVE_STATE } from '../../src/store/integration-store';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { account, guardApp, integration, T0, type GuardApp } from './harness';

const CRM = 'http://127.0.0.1:9';

describe('integrationView (pure)', () => {
  const acct = account('a1', { crm: integration(CRM, { dailyCallAllocation: 5 }), bare: integration(CRM, { fieldMappings: [] }) });

  it('shows an active integration with its usage and unknown CRM usage as nulls', () => {
    expect(integrationView(acct, 'crm', { ...ACTIVE_STATE }, 2)).toEqual({
      integration: 'crm',
      state: 'active',
      reason: null,
      since: null,
      message: null,
      remedy: null,
      consecutiveFailures: 0,
      usage: { callsLast24h: 2, allocation: 5 },
      crmUsage: { used: null, limit: null },
    });
  });

  it('shows a stored suspension with its message and remedy', () => {
    const view = integrationView(
      acct,
      'crm',
      { ...ACTIVE_STATE, state: 'suspended', reason: 'ORG_LOCKED', since: T0, crmUsage: { used: 1, limit: 9 } },
      0,
    );
    expect(view).toMatchObject({
      state: 'suspended',
      reason: 'ORG_LOCKED',
      since: new Date(T0).toISOString(),
      // SPEC §6: "the org is locked", cleared by Clear Suspension or by itself.
      message: expect.stringMatching(/^The CRM org is locked/),
      remedy: expect.stringMatching(/lifts by itself[\s\S]*Clear Suspension/),
      crmUsage: { used: 1, limit: 9 },
    });
  });

  it('shows an allocation suspension as lifted once the window has room', () => {
    const stored = { ...ACTIVE_STATE, state: 'suspended' as const, reason: 'API_ALLOCATION_EXCEEDED' as const, since: T0 };
    expect(integrationView(acct, 'crm', stored, 5).state).toBe('suspended');
    expect(integrationView(acct, 'crm', stored, 4)).toMatchObject({ state: 'active', reason: null });
  });

  it('shows an integration without mappings as suspended since it was configured', () => {
    expect(integrationView(acct, 'bare', { ...ACTIVE_STATE }, 0)).toMatchObject({
      state: 'suspended',
      reason: 'MISSING_FIELD_MAPPINGS',
      since: new Date(acct.updatedAt).toISOString(),
    });
  });
});

describe('integration admin routes', () => {
  let store: MemoryStore;
  let clock: ManualClock;
  let guard: GuardApp;
  beforeEach(() => {
    store = new MemoryStore();
    clock = new ManualClock(T0);
    guard = guardApp(store, clock);
    guard.accounts.set('a1', account('a1', { crm: integration(CRM), bare: integration(CRM, { fieldMappings: [] }) }));
  });
  afterEach(async () => {
    guard.handler.close();
    await store.close();
  });

  it('answers 404 INTEGRATION_NOT_FOUND for an integration the account does not have', async () => {
    for (const res of [
      await request(guard.app).get('/admin/v1/accounts/a1/integrations/nope'),
      await request(guard.app).post('/admin/v1/accounts/a1/integrations/nope/clear-suspension'),
      await request(guard.app).get('/admin/v1/accounts/a1/integrations/constructor'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: 'INTEGRATION_NOT_FOUND', message: expect.any(String) } });
      await expectDocumented(res);
    }
  });

  it('clears a suspension, records who did it, and is harmless when nothing is suspended', async () => {
    await store.integrations.recordFailure('a1', 'crm', 'CRM_API_DISABLED', true, 3, T0);
    const res = await request(guard.app).post('/admin/v1/accounts/a1/integrations/crm/clear-suspension').set('X-Actor-Id', 'ops-7');
    await expectDocumented(res);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'active', reason: null });
    expect((await store.integrations.get('a1', 'crm')).state).toBe('active');
    const shown = await request(guard.app).get('/admin/v1/accounts/a1/integrations/crm');
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ integration: 'crm', state: 'active', reason: null, since: null, message: null, remedy: null });
    await expectDocumented(shown);
    const again = await request(guard.app).post('/admin/v1/accounts/a1/integrations/crm/clear-suspension').set('X-Actor-Id', 'ops-7');
    await expectDocumented(again);
    expect(again.status).toBe(200);
    expect(guard.audits.map((a) => [a.actor, a.action, a.detail])).toEqual([
      ['ops-7', 'integration.clear_suspension', { integration: 'crm', wasSuspended: true, reason: 'CRM_API_DISABLED' }],
      ['ops-7', 'integration.clear_suspension', { integration: 'crm', wasSuspended: false, reason: null }],
    ]);
  });

  it('refuses to clear MISSING_FIELD_MAPPINGS while there are still none, and records nothing', async () => {
    const res = await request(guard.app).post('/admin/v1/accounts/a1/integrations/bare/clear-suspension');
    await expectDocumented(res);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('MISSING_FIELD_MAPPINGS');
    expect(guard.audits).toHaveLength(0);
  });
});

describe('reconcileIntegrations', () => {
  it('suspends, once, each integration saved without field mappings', async () => {
    const store = new MemoryStore();
    const acct = account('a1', { crm: integration(CRM), bare: integration(CRM, { fieldMappings: [] }) });
    expect(await reconcileIntegrations(store, acct, T0)).toEqual(['bare']);
    expect(await reconcileIntegrations(store, acct, T0 + 1)).toEqual([]);
    expect(await store.integrations.get('a1', 'bare')).toMatchObject({ state: 'suspended', reason: 'MISSING_FIELD_MAPPINGS', since: T0 });
    expect((await store.integrations.get('a1', 'crm')).state).toBe('active');
  });
});
