// Sending one claimed notification, apart from the scheduler: void when its migration moved, retry, sent, lapsed lease.
import type { AccountRecord, Migration } from '../../src/domain/account';
import { ManualClock } from '../../src/domain/clock';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { MemoryStore } from '../../src/store/memory/memory-store';
import type { Notification } from '../../src/store/outbox-store';
import type { DeliveryResult } from '../../src/timeline/delivery';
import { notificationCounter } from '../../src/timeline/notification-counter';
import { NotificationSender } from '../../src/timeline/notification-sender';
import { claimForDelivery, newNotification } from '../../src/timeline/outbox';

const T0 = Date.parse('2026-06-09T22:00:00Z');
const START = Date.parse('2026-06-11T08:00:00Z');

const migration: Migration = {
  id: 'm1',
  status: 'scheduled',
  source: 'us',
  target: 'eu',
  start: START,
  expectedEnd: START + 4 * 3600_000,
  scheduledAt: T0 - 14 * 86_400_000,
  scheduledBy: 'ops',
  startedAt: null,
  endedAt: null,
};

function setup(record: { migration: Migration | null }, results: DeliveryResult[]) {
  const store = new MemoryStore();
  const clock = new ManualClock(T0);
  const metrics = new Metrics();
  const sent: string[] = [];
  const sender = new NotificationSender({
    outbox: store.timeline.outbox,
    accounts: { get: async () => ({ id: 'acc1', migration: record.migration }) as AccountRecord },
    delivery: {
      deliver: async (n) => {
        sent.push(n.id);
        const next = results.shift();
        if (!next) throw new Error('no delivery expected');
        return next;
      },
    },
    retry: { maxAttempts: 2, baseDelayMs: 60_000, maxDelayMs: 3600_000 },
    clock,
    logger: silentLogger,
    counter: notificationCounter(metrics),
    owner: 'me',
  });
  async function claimed(owner = 'me'): Promise<Notification> {
    const { notification } = await store.timeline.outbox.create(
      newNotification({
        accountId: 'acc1',
        migrationId: 'm1',
        migrationStart: START,
        kind: 'day_before',
        key: 'k',
        recipients: ['ada@example.test'],
        subject: 's',
        text: 't',
        now: T0,
      }),
    );
    const held = await claimForDelivery(store.timeline.outbox, notification, owner, { now: T0, leaseNow: 0, leaseMs: 60_000 });
    if (!held) throw new Error('not claimed');
    return held;
  }
  return { store, sender, sent, metrics, claimed };
}

const failed: DeliveryResult = { delivered: [], complete: false, error: 'smtp: 451 try later' };

it('voids a start-bound notice whose migration was rescheduled, without sending it', async () => {
  const rig = setup({ migration: { ...migration, start: START + 86_400_000 } }, []);
  const after = await rig.sender.send(await rig.claimed(), {});
  expect(after).toMatchObject({ status: 'void', lastError: 'void: the migration was rescheduled', leaseOwner: null });
  expect(rig.sent).toEqual([]);
  expect(await rig.metrics.registry.metrics()).toContain('mg_notifications_total{kind="day_before",outcome="void"} 1');
});

it('voids it once the migration is cancelled or gone', async () => {
  const cancelled = setup({ migration: { ...migration, status: 'cancelled' } }, []);
  expect(await cancelled.sender.send(await cancelled.claimed(), {})).toMatchObject({
    status: 'void',
    lastError: 'void: the migration is cancelled',
  });
  const gone = setup({ migration: null }, []);
  expect(await gone.sender.send(await gone.claimed(), {})).toMatchObject({
    status: 'void',
    lastError: 'void: the migration no longer exists',
  });
});

it('leaves a failed attempt pending a backoff later, then fails it at the attempt limit', async () => {
  const rig = setup({ migration }, [failed, failed]);
  const first = await rig.sender.send(await rig.claimed(), {});
  expect(first).toMatchObject({
    status: 'pending',
    attempts: 1,
    nextAttemptAt: T0 + 60_000,
    leaseOwner: null,
    lastError: 'smtp: 451 try later',
  });
  const again = await claimForDelivery(rig.store.timeline.outbox, first as Notification, 'me', {
    now: T0 + 60_000,
    leaseNow: 0,
    leaseMs: 60_000,
  });
  const second = await rig.sender.send(again as Notification, {});
  expect(second).toMatchObject({ status: 'failed', attempts: 2, lastError: 'smtp: 451 try later' });
  const text = await rig.metrics.registry.metrics();
  expect(text).toContain('mg_notifications_total{kind="day_before",outcome="retry"} 1');
  expect(text).toContain('mg_notifications_total{kind="day_before",outcome="failed"} 1');
});

it('marks it sent with the channels that took it', async () => {
  const rig = setup({ migration }, [{ delivered: ['smtp', 'webhook'], complete: true, error: null }]);
  expect(await rig.sender.send(await rig.claimed(), {})).toMatchObject({
    status: 'sent',
    sentAt: T0,
    attempts: 1,
    delivered: ['smtp', 'webhook'],
  });
});

it('when another instance holds the lease by the time it is sent, records only the channel that took it', async () => {
  const rig = setup({ migration }, [{ delivered: ['smtp'], complete: false, error: 'webhook: answered 503' }]);
  const ours = await rig.claimed();
  // Our lease (until 60 s of lease time) lapsed while we were sending, and another instance took it over.
  const theirs = await claimForDelivery(rig.store.timeline.outbox, ours, 'other', { now: T0, leaseNow: 60_000, leaseMs: 60_000 });
  expect(theirs?.leaseOwner).toBe('other');
  const after = await rig.sender.send(ours, {});
  expect(after).toMatchObject({ status: 'pending', attempts: 0, leaseOwner: 'other', delivered: ['smtp'] });
});
