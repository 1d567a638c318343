// Outbox operations on both stores: claim under a lease, takeover after a crash, settle, void.
import type { Store } from '../../src/store/types';
import { afterAttempt, claimForDelivery, DEFAULT_RETRY, newNotification, rewrite, voidPending } from '../../src/timeline/outbox';
import { storeFactories } from '../support/stores';

const policy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 5000 };

const make = (key: string, migrationId: string | null = 'm1') =>
  newNotification({
    accountId: 'acc1',
    migrationId,
    migrationStart: 0,
    kind: 'scheduled',
    key,
    recipients: ['a@example.test'],
    subject: 's',
    text: 't',
    now: 100,
  });

/** Fails `n` attempts in a row at time 0 and answers the wait before each next attempt (null once it failed for good). */
function waitsAfterFailures(retry: typeof policy, n: number): (number | null)[] {
  const failed = { delivered: [], complete: false, error: 'smtp: refused' };
  let current = make('k');
  const waits: (number | null)[] = [];
  for (let i = 0; i < n; i += 1) {
    current = afterAttempt(current, failed, retry, 0);
    waits.push(current.status === 'pending' ? current.nextAttemptAt : null);
  }
  return waits;
}

it('waits base, 2·base, 4·base … capped at the maximum between attempts, and fails at the attempt limit', () => {
  expect(waitsAfterFailures({ maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 5000 }, 6)).toEqual([1000, 2000, 4000, 5000, 5000, null]);
  // README defaults: NOTIFY_MAX_ATTEMPTS 8, NOTIFY_BACKOFF_BASE_MS 30 s, NOTIFY_BACKOFF_MAX_MS 1 h.
  expect(waitsAfterFailures(DEFAULT_RETRY, 8)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, null]);
  expect(waitsAfterFailures({ ...DEFAULT_RETRY, maxAttempts: 10 }, 9).slice(6)).toEqual([1_920_000, 3_600_000, 3_600_000]);
});

describe.each(storeFactories)('outbox operations (%s)', (_name, makeStore) => {
  let store: Store;
  beforeEach(() => {
    store = makeStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('lets exactly one of many claimers hold a due notification', async () => {
    const { notification } = await store.timeline.outbox.create(make('k'));
    const times = { now: 100, leaseNow: 0, leaseMs: 1000 };
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((owner) => claimForDelivery(store.timeline.outbox, notification, owner, times)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimForDelivery(store.timeline.outbox, notification, 'e', { ...times, now: 99 })).toBeNull();
  });

  it('lets another instance take over once the lease of a crashed holder lapsed, not before', async () => {
    const { notification } = await store.timeline.outbox.create(make('k'));
    const held = await claimForDelivery(store.timeline.outbox, notification, 'crashed', { now: 100, leaseNow: 0, leaseMs: 1000 });
    expect(held?.leaseOwner).toBe('crashed');
    const [current] = await store.timeline.outbox.due('acc1', 100);
    if (!current) throw new Error('not due');
    expect(await claimForDelivery(store.timeline.outbox, current, 'b', { now: 100, leaseNow: 999, leaseMs: 1000 })).toBeNull();
    expect((await claimForDelivery(store.timeline.outbox, current, 'b', { now: 100, leaseNow: 1000, leaseMs: 1000 }))?.leaseOwner).toBe(
      'b',
    );
  });

  it('settles an attempt: retry later, then failed with the error, never dropped', async () => {
    const { notification } = await store.timeline.outbox.create(make('k'));
    const fail = { delivered: [], complete: false, error: 'webhook: answered 500' };
    let n = await rewrite(store.timeline.outbox, 'acc1', notification.id, (c) => afterAttempt(c, fail, policy, 1000));
    expect(n).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: 2000, lastError: 'webhook: answered 500' });
    expect(await store.timeline.outbox.due('acc1', 1999)).toEqual([]);
    n = await rewrite(store.timeline.outbox, 'acc1', notification.id, (c) =>
      afterAttempt(c, { ...fail, delivered: ['smtp'] }, policy, 2000),
    );
    expect(n).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: 4000, delivered: ['smtp'] });
    n = await rewrite(store.timeline.outbox, 'acc1', notification.id, (c) => afterAttempt(c, fail, policy, 4000));
    expect(n).toMatchObject({ status: 'failed', attempts: 3, lastError: 'webhook: answered 500', delivered: ['smtp'] });
    expect(await store.timeline.outbox.due('acc1', 1e12)).toEqual([]);
    expect((await store.timeline.outbox.get('acc1', notification.id))?.status).toBe('failed');
  });

  it('voids the pending notifications of one migration only, and keeps an in-flight delivery on record', async () => {
    const a = (await store.timeline.outbox.create(make('a'))).notification;
    const b = (await store.timeline.outbox.create(make('b'))).notification;
    await store.timeline.outbox.create(make('other', 'm2'));
    await rewrite(store.timeline.outbox, 'acc1', b.id, (c) => ({ ...c, status: 'sent' }));
    const inFlight = await claimForDelivery(store.timeline.outbox, a, 'x', { now: 100, leaseNow: 0, leaseMs: 1000 });
    expect((await voidPending(store.timeline.outbox, 'acc1', 'm1', 'void: the migration was cancelled')).map((n) => n.key)).toEqual(['a']);
    const statuses = (await store.timeline.outbox.list('acc1')).map((n) => [n.key, n.status]);
    expect(statuses).toEqual([
      ['a', 'void'],
      ['b', 'sent'],
      ['other', 'pending'],
    ]);
    // The holder finishes after the void: the record stays void and shows where it went anyway.
    const settled = await rewrite(store.timeline.outbox, 'acc1', inFlight?.id ?? '', (c) =>
      afterAttempt(c, { delivered: ['webhook'], complete: true, error: null }, policy, 200),
    );
    expect(settled).toMatchObject({ status: 'void', delivered: ['webhook'], attempts: 1 });
  });
});
