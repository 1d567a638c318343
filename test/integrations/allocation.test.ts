// The rolling 24-hour allocation across the 24-hour boundary, shared by two gateway instances (two stores, one prefix).
import request from 'supertest';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { RedisStore } from '../../src/store/redis/redis-store';
import type { Store } from '../../src/store/types';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { startUpstream, type Upstream } from '../support/upstream';
import { account, guardApp, integration, T0, type GuardApp } from './harness';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

type Pair = { stores: Store[]; close: () => Promise<void> };

const pairs: [string, () => Pair][] = [
  [
    'two RedisStores sharing one prefix',
    () => {
      const prefix = uniquePrefix();
      const stores = [new RedisStore({ url: testRedisUrl(), prefix }), new RedisStore({ url: testRedisUrl(), prefix })];
      return { stores, close: async () => void (await Promise.all(stores.map((s) => s.close()))) };
    },
  ],
  [
    'one MemoryStore shared in-process',
    () => {
      const store = new MemoryStore();
      return { stores: [store, store], close: () => store.close() };
    },
  ],
];

describe.each(pairs)('rolling 24-hour allocation (%s)', (_name, makePair) => {
  let crm: Upstream;
  let pair: Pair;
  let clock: ManualClock;
  let instances: GuardApp[];

  beforeEach(async () => {
    crm = await startUpstream({ name: 'crm' });
    pair = makePair();
    clock = new ManualClock(T0);
    instances = pair.stores.map((store) => guardApp(store, clock));
    for (const g of instances) g.accounts.set('a1', account('a1', { crm: integration(crm.url, { dailyCallAllocation: 3 }) }));
  });
  afterEach(async () => {
    for (const g of instances) g.handler.close();
    await crm.close();
    await pair.close();
  });

  /** One call through instance i at T0 + offset. */
  async function callAt(i: number, offsetMs: number): Promise<request.Response> {
    clock.set(T0 + offsetMs);
    return request(instances[i].app).get('/integrations/crm/sobjects/Lead').set('X-Account-Id', 'a1');
  }

  it('refuses calls exactly while the allocation is used up within the last 24 hours, on both instances', async () => {
    // Three calls at 0 h, 1 h and 2 h, alternating instances: the allocation of 3 is shared.
    expect((await callAt(0, 0)).status).toBe(200);
    expect((await callAt(1, 1 * HOUR)).status).toBe(200);
    expect((await callAt(0, 2 * HOUR)).status).toBe(200);

    const refused = await callAt(1, 3 * HOUR);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      status: 'error',
      category: 'INTEGRATION_SUSPENDED',
      reason: 'API_ALLOCATION_EXCEEDED',
      // SPEC §6: clears "automatically, as soon as calls are available again".
      remedy: expect.stringMatching(/lifts automatically as soon as calls are available again/),
    });
    // The call at 0 h leaves the window at 24 h: 21 hours from now.
    expect(refused.headers['retry-after']).toBe(String(21 * 3600));
    expect((await callAt(0, 3 * HOUR)).status).toBe(429);

    const view = await request(instances[0].app).get('/admin/v1/accounts/a1/integrations/crm');
    expect(view.body).toMatchObject({ state: 'suspended', reason: 'API_ALLOCATION_EXCEEDED', usage: { callsLast24h: 3, allocation: 3 } });

    // One millisecond before the boundary the 0 h call is still inside the window.
    const edge = await callAt(1, DAY - 1);
    expect(edge.status).toBe(429);
    expect(edge.headers['retry-after']).toBe('1');

    // At the boundary it has left: one call frees up, the suspension lifts by itself.
    expect((await callAt(0, DAY)).status).toBe(200);
    expect((await pair.stores[1].integrations.get('a1', 'crm')).state).toBe('active');

    // Full again (calls at 1 h, 2 h, 24 h); the next to leave is the 1 h call.
    const again = await callAt(1, DAY + 1000);
    expect(again.status).toBe(429);
    expect(again.headers['retry-after']).toBe(String(HOUR / 1000 - 1));
    expect((await callAt(1, DAY + HOUR)).status).toBe(200);
    expect((await callAt(0, DAY + 2 * HOUR)).status).toBe(200);
    expect((await callAt(0, DAY + 2 * HOUR + 1)).status).toBe(429);

    // Only calls that reached the CRM were counted: 3 + 3, never the refused ones.
    expect(crm.requests).toHaveLength(6);
    // Each time the allocation ran out (3 h, 24 h + 1 s, 26 h + 1 ms) is a new suspension, notified once.
    expect(instances[0].notified.length + instances[1].notified.length).toBe(3);
  });

  it('does not count fast-failed calls', async () => {
    await pair.stores[0].integrations.suspend('a1', 'crm', 'STORAGE_LIMIT_EXCEEDED', T0);
    for (let i = 0; i < 5; i++) expect((await callAt(1, 10 + i)).status).toBe(503);
    await pair.stores[0].integrations.clear('a1', 'crm');
    for (let i = 0; i < 3; i++) expect((await callAt(i % 2, 100 + i)).status).toBe(200);
    expect((await callAt(0, 200)).status).toBe(429);
    expect(crm.requests).toHaveLength(3);
  });

  it('never lets concurrent calls on both instances exceed the allocation', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        request(instances[i % 2].app)
          .get('/integrations/crm/x')
          .set('X-Account-Id', 'a1'),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(9);
    expect(crm.requests).toHaveLength(3);
  });
});
