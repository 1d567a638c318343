// Contract: every Store keeps integration suspension state and the rolling call log the same way.
import { ALLOCATION_WINDOW_MS as DAY, type IntegrationStore } from '../../src/store/integration-store';
import type { Store } from '../../src/store/types';
import { storeFactories } from '../support/stores';

const T0 = Date.UTC(2026, 10, 1, 12);

describe.each(storeFactories)('IntegrationStore contract (%s)', (_name, make) => {
  let store: Store;
  let integrations: IntegrationStore;
  beforeEach(() => {
    store = make();
    integrations = store.integrations;
  });
  afterEach(async () => {
    await store.close();
  });

  it('starts active for an integration never seen', async () => {
    expect(await integrations.get('a1', 'crm')).toEqual({
      state: 'active',
      reason: null,
      since: null,
      consecutiveFailures: 0,
      lastProbeAt: null,
      crmUsage: null,
    });
  });

  it('suspends at once for an immediate failure', async () => {
    const outcome = await integrations.recordFailure('a1', 'crm', 'FIELD_PERMISSIONS_MISSING', true, 3, T0);
    expect(outcome.suspended).toBe(true);
    expect(outcome.state).toMatchObject({ state: 'suspended', reason: 'FIELD_PERMISSIONS_MISSING', since: T0, consecutiveFailures: 1 });
    expect(await integrations.get('a1', 'crm')).toMatchObject({ state: 'suspended', reason: 'FIELD_PERMISSIONS_MISSING' });
  });

  it('suspends for a transient failure only at the threshold, and a success resets the run', async () => {
    expect((await integrations.recordFailure('a1', 'crm', 'ORG_LOCKED', false, 3, T0)).suspended).toBe(false);
    expect((await integrations.recordFailure('a1', 'crm', 'ORG_LOCKED', false, 3, T0 + 1)).suspended).toBe(false);
    await integrations.recordSuccess('a1', 'crm');
    expect((await integrations.get('a1', 'crm')).consecutiveFailures).toBe(0);
    expect((await integrations.recordFailure('a1', 'crm', 'ORG_LOCKED', false, 3, T0 + 2)).suspended).toBe(false);
    expect((await integrations.recordFailure('a1', 'crm', 'ORG_LOCKED', false, 3, T0 + 3)).suspended).toBe(false);
    const third = await integrations.recordFailure('a1', 'crm', 'ORG_LOCKED', false, 3, T0 + 4);
    expect(third.suspended).toBe(true);
    expect(third.state).toMatchObject({ state: 'suspended', reason: 'ORG_LOCKED', since: T0 + 4, consecutiveFailures: 3 });
  });

  it('replaces the reason of a suspension with a newer, different one, and reports only that change', async () => {
    await integrations.recordFailure('a1', 'crm', 'ORG_UNAVAILABLE', true, 3, T0);
    expect((await integrations.recordFailure('a1', 'crm', 'ORG_UNAVAILABLE', true, 3, T0 + 1)).suspended).toBe(false);
    const changed = await integrations.recordFailure('a1', 'crm', 'OBJECT_PERMISSIONS_MISSING', true, 3, T0 + 2);
    expect(changed.suspended).toBe(true);
    expect(changed.state).toMatchObject({ reason: 'OBJECT_PERMISSIONS_MISSING', since: T0 + 2 });
  });

  it('suspends idempotently and clears, optionally only for one reason', async () => {
    expect(await integrations.suspend('a1', 'crm', 'MISSING_FIELD_MAPPINGS', T0)).toBe(true);
    expect(await integrations.suspend('a1', 'crm', 'MISSING_FIELD_MAPPINGS', T0 + 5)).toBe(false);
    expect((await integrations.get('a1', 'crm')).since).toBe(T0);
    expect(await integrations.clear('a1', 'crm', 'API_ALLOCATION_EXCEEDED')).toBe(false);
    expect((await integrations.get('a1', 'crm')).state).toBe('suspended');
    expect(await integrations.clear('a1', 'crm')).toBe(true);
    expect(await integrations.get('a1', 'crm')).toMatchObject({ state: 'active', reason: null, since: null, consecutiveFailures: 0 });
    expect(await integrations.clear('a1', 'crm')).toBe(false);
  });

  it('keeps integrations and accounts apart', async () => {
    await integrations.suspend('a1', 'crm', 'ORG_LOCKED', T0);
    expect((await integrations.get('a1', 'other')).state).toBe('active');
    expect((await integrations.get('a2', 'crm')).state).toBe('active');
  });

  it('lets one probe through per cool-down, counted from the suspension and then from the last probe', async () => {
    expect(await integrations.claimProbe('a1', 'crm', T0, 1000)).toBe(false);
    await integrations.recordFailure('a1', 'crm', 'ORG_UNAVAILABLE', true, 3, T0);
    expect(await integrations.claimProbe('a1', 'crm', T0 + 999, 1000)).toBe(false);
    expect(await integrations.claimProbe('a1', 'crm', T0 + 1000, 1000)).toBe(true);
    expect((await integrations.get('a1', 'crm')).lastProbeAt).toBe(T0 + 1000);
    const racers = await Promise.all([1, 2, 3].map(() => integrations.claimProbe('a1', 'crm', T0 + 1500, 1000)));
    expect(racers).toEqual([false, false, false]);
    const later = await Promise.all([1, 2, 3].map(() => integrations.claimProbe('a1', 'crm', T0 + 2000, 1000)));
    expect(later.filter(Boolean)).toHaveLength(1);
  });

  it('records the CRM usage and keeps it across a clear', async () => {
    await integrations.recordCrmUsage('a1', 'crm', { used: 18, limit: 5000 });
    await integrations.suspend('a1', 'crm', 'ORG_LOCKED', T0);
    await integrations.clear('a1', 'crm');
    expect((await integrations.get('a1', 'crm')).crmUsage).toEqual({ used: 18, limit: 5000 });
  });

  it('takes calls up to the allocation over a rolling window and says when the next one frees up', async () => {
    expect(await integrations.takeCall('a1', 'crm', T0, 2, DAY)).toEqual({ allowed: true, count: 1, retryAfterMs: 0 });
    expect(await integrations.takeCall('a1', 'crm', T0 + 1000, 2, DAY)).toEqual({ allowed: true, count: 2, retryAfterMs: 0 });
    expect(await integrations.takeCall('a1', 'crm', T0 + 5000, 2, DAY)).toEqual({ allowed: false, count: 2, retryAfterMs: DAY - 5000 });
    // A refused call is not recorded.
    expect(await integrations.callsInWindow('a1', 'crm', T0 + 5000, DAY)).toBe(2);
    expect((await integrations.takeCall('a1', 'crm', T0 + DAY - 1, 2, DAY)).allowed).toBe(false);
    // Exactly 24 h after the first call it has left the window.
    expect(await integrations.takeCall('a1', 'crm', T0 + DAY, 2, DAY)).toEqual({ allowed: true, count: 2, retryAfterMs: 0 });
    expect(await integrations.callsInWindow('a1', 'crm', T0 + DAY, DAY)).toBe(2);
    expect(await integrations.callsInWindow('a1', 'crm', T0 + DAY + 1000, DAY)).toBe(1);
  });

  it('with a lowered allocation, waits for enough calls to leave', async () => {
    for (let i = 0; i < 4; i++) await integrations.takeCall('a1', 'crm', T0 + i * 1000, 10, DAY);
    // 4 calls in the window, allocation now 2: the 3rd-newest (at T0 + 2000) must leave first.
    expect(await integrations.takeCall('a1', 'crm', T0 + 10_000, 2, DAY)).toEqual({
      allowed: false,
      count: 4,
      retryAfterMs: DAY + 2000 - 10_000,
    });
  });

  it('never lets concurrent callers exceed the allocation', async () => {
    const decisions = await Promise.all(Array.from({ length: 30 }, () => integrations.takeCall('a1', 'crm', T0, 10, DAY)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(await integrations.callsInWindow('a1', 'crm', T0, DAY)).toBe(10);
  });
});
