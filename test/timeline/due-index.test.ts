// The scheduler reads only what the due index holds: an idle pass touches no account, reminders come at their
// moment, and two schedulers on one Redis split the due accounts with every notice sent exactly once.
import type { AccountSettings } from '../../src/domain/account';
import { ManualClock, systemClock } from '../../src/domain/clock';
import { MigrationService } from '../../src/migration/service';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { RedisStore } from '../../src/store/redis/redis-store';
import type { Store } from '../../src/store/types';
import { Delivery } from '../../src/timeline/delivery';
import { newNotification } from '../../src/timeline/outbox';
import { TimelineScheduler } from '../../src/timeline/scheduler';
import { accountRecord } from '../support/accounts';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { startSmtpReceiver, type SmtpReceiver } from './receivers';

const T0 = Date.parse('2026-06-01T10:00:00Z');
// Thursday 11 June 2026, 10:00 in Stockholm (GMT+2): week_of Monday 8 June 00:00, day_before Wednesday 10 June 00:00.
const START = Date.parse('2026-06-11T08:00:00Z');
const WEEK_OF = Date.parse('2026-06-07T22:00:00Z');
const DAY_BEFORE = Date.parse('2026-06-09T22:00:00Z');

const settings = (): AccountSettings => ({ ...accountRecord('x').settings, timezone: 'Europe/Stockholm' });

function scheduler(store: Store, clock: ManualClock, delivery: Delivery, metrics = new Metrics(), name = 'gw'): TimelineScheduler {
  const service = new MigrationService(store, clock, { migrationsPerDay: 1000, unavailableDates: [] }, silentLogger);
  return new TimelineScheduler({
    store,
    clock,
    logger: silentLogger,
    metrics,
    transitions: { start: async (id, actor) => void (await service.start(id, actor)) },
    delivery,
    instanceId: name,
    batchSize: 16,
    touchGraceMs: 0,
  });
}

const sentBy = async (metrics: Metrics): Promise<number> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'mg_notifications_total');
  return (metric?.values ?? []).filter((v) => v.labels.outcome === 'sent').reduce((sum, v) => sum + v.value, 0);
};

let smtp: SmtpReceiver;
beforeEach(async () => {
  smtp = await startSmtpReceiver();
});
afterEach(async () => {
  await smtp.close();
});

it('an idle pass over thousands of accounts, none migrating, reads no account and lists none', async () => {
  const store = new MemoryStore();
  for (let i = 0; i < 2000; i += 1)
    await store.accounts.save(accountRecord(`a${i}`), 0, { at: 1, actor: 'op', action: 'create', detail: {} });
  const get = jest.spyOn(store.accounts, 'get');
  const list = jest.spyOn(store.accounts, 'list');
  const delivery = new Delivery({ smtpUrl: smtp.url, logger: silentLogger });
  const s = scheduler(store, new ManualClock(T0), delivery);
  await s.tick();
  await s.tick();
  expect(get).not.toHaveBeenCalled();
  expect(list).not.toHaveBeenCalled();
  expect(smtp.mails).toHaveLength(0);
  delivery.close();
});

it('settles a scheduled account at its next moment and creates each reminder exactly at it', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock(T0);
  const service = new MigrationService(store, clock, { migrationsPerDay: 10, unavailableDates: [] }, silentLogger);
  await service.putAccount('acc', settings(), 'op');
  await service.schedule('acc', 'u1', { start: START, target: 'eu' });
  const delivery = new Delivery({ smtpUrl: smtp.url, logger: silentLogger });
  const s = scheduler(store, clock, delivery);
  await s.tick();
  await s.settled();
  // No event listener here: the pass alone found the migration through the index.
  expect(smtp.mails.map((m) => m.subject).length).toBe(1);
  expect(await store.timeline.due.scoreOf('acc')).toBe(WEEK_OF);

  clock.set(WEEK_OF - 1);
  await s.tick();
  expect((await store.timeline.outbox.list('acc')).map((n) => n.kind)).toEqual(['scheduled']);
  clock.set(WEEK_OF);
  await s.tick();
  await s.settled();
  const weekOf = (await store.timeline.outbox.list('acc')).find((n) => n.kind === 'week_of');
  expect(weekOf).toMatchObject({ createdAt: WEEK_OF, status: 'sent' });
  expect(await store.timeline.due.scoreOf('acc')).toBe(DAY_BEFORE);
  delivery.close();
});

it('two schedulers on one Redis split 120 due accounts between them and send every notice exactly once', async () => {
  const prefix = uniquePrefix();
  const clock = new ManualClock(T0);
  const stores = [new RedisStore({ url: testRedisUrl(), prefix }), new RedisStore({ url: testRedisUrl(), prefix })] as const;
  const service = new MigrationService(stores[0], clock, { migrationsPerDay: 1000, unavailableDates: [] }, silentLogger);
  const ids = Array.from({ length: 120 }, (_, i) => `acc-${i}`);
  for (const id of ids) {
    await service.putAccount(id, settings(), 'op');
    await service.schedule(id, 'u1', { start: START, target: 'eu' });
  }
  const deliveries = stores.map(() => new Delivery({ smtpUrl: smtp.url, logger: silentLogger }));
  const metrics = [new Metrics(), new Metrics()];
  const schedulers = stores.map((store, i) => scheduler(store, clock, deliveries[i] as Delivery, metrics[i], `gw${i}`));
  try {
    const both = async () => {
      await Promise.all(schedulers.map((s) => s.tick()));
      await Promise.all(schedulers.map((s) => s.settled()));
    };
    await both();
    // Each moment once more: the week_of reminders of all 120, then the day_before ones.
    clock.set(WEEK_OF);
    await both();
    clock.set(DAY_BEFORE);
    await both();

    expect(smtp.mails).toHaveLength(3 * 120);
    const perNotification = new Map<string, number>();
    for (const mail of smtp.mails) perNotification.set(mail.notificationId, (perNotification.get(mail.notificationId) ?? 0) + 1);
    expect(perNotification.size).toBe(3 * 120);
    expect([...perNotification.values()].every((count) => count === 1)).toBe(true);
    for (const id of ids) {
      expect((await stores[0].timeline.outbox.list(id)).map((n) => `${n.kind}:${n.status}`)).toEqual([
        'scheduled:sent',
        'week_of:sent',
        'day_before:sent',
      ]);
    }
    const [first, second] = await Promise.all(metrics.map(sentBy));
    expect((first as number) + (second as number)).toBe(3 * 120);
    // Both took a share of the work (claims of 16 at a time, interleaved).
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
  } finally {
    await Promise.all(schedulers.map((s) => s.stop()));
    for (const d of deliveries) d.close();
    await Promise.all(stores.map((s) => s.close()));
  }
});

describe('a started scheduler (real time)', () => {
  const waitFor = async (check: () => boolean, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('looks at a stored change within a fraction of a tick: a migration scheduled with no event listener is notified at once', async () => {
    const store = new MemoryStore();
    const delivery = new Delivery({ smtpUrl: smtp.url, logger: silentLogger });
    const s = new TimelineScheduler({
      store,
      clock: systemClock,
      logger: silentLogger,
      metrics: new Metrics(),
      transitions: { start: async () => undefined },
      delivery,
    });
    s.start(60_000);
    try {
      const service = new MigrationService(store, systemClock, { migrationsPerDay: 10, unavailableDates: [] }, silentLogger);
      await service.putAccount('acc', settings(), 'op');
      const scheduledAt = Date.now();
      await service.schedule('acc', 'u1', { start: Date.now() + 30 * 86_400_000, target: 'eu' });
      // The tick is a minute: only the change announcement can make this pass come in time.
      await waitFor(() => smtp.mails.length === 1, 10_000);
      expect(Date.now() - scheduledAt).toBeLessThan(10_000);
      // The mail can arrive before the pass that sent it has recorded it: wait for that pass, not longer.
      await s.settled();
      expect((await store.timeline.outbox.list('acc')).map((n) => `${n.kind}:${n.status}`)).toEqual(['scheduled:sent']);
    } finally {
      await s.stop();
      delivery.close();
    }
  });

  it('wakes at a moment that falls before the next tick', async () => {
    const store = new MemoryStore();
    const delivery = new Delivery({ smtpUrl: smtp.url, logger: silentLogger });
    const dueAt = Date.now() + 1500;
    await store.timeline.outbox.create(
      newNotification({
        accountId: 'acc',
        migrationId: null,
        migrationStart: null,
        kind: 'integration_suspended',
        key: 'k1',
        recipients: ['ada@example.test'],
        subject: 'S',
        text: 'T',
        now: dueAt,
      }),
    );
    const s = new TimelineScheduler({
      store,
      clock: systemClock,
      logger: silentLogger,
      metrics: new Metrics(),
      transitions: { start: async () => undefined },
      delivery,
      touchGraceMs: 0,
    });
    s.start(60_000);
    try {
      await waitFor(() => smtp.mails.length === 1, 15_000);
      const arrived = Date.now();
      expect(arrived).toBeGreaterThanOrEqual(dueAt);
      expect(arrived - dueAt).toBeLessThan(10_000);
    } finally {
      await s.stop();
      delivery.close();
    }
  });
});

it('builds the index once from accounts stored before it existed, and a second instance does not walk again', async () => {
  const prefix = uniquePrefix();
  const store = new RedisStore({ url: testRedisUrl(), prefix });
  const service = new MigrationService(store, systemClock, { migrationsPerDay: 10, unavailableDates: [] }, silentLogger);
  await service.putAccount('old', settings(), 'op');
  await service.schedule('old', 'u1', { start: Date.now() + 30 * 86_400_000, target: 'eu' });
  await service.putAccount('plain', settings(), 'op');
  // As an older version left it: the record and the account list, no index entry.
  await store.client.del(`${prefix}{global}:due`, `${prefix}{global}:due:touched`);
  expect(await store.timeline.due.scoreOf('old')).toBeNull();

  const delivery = new Delivery({ smtpUrl: smtp.url, logger: silentLogger });
  const first = new TimelineScheduler({
    store,
    clock: systemClock,
    logger: silentLogger,
    metrics: new Metrics(),
    transitions: { start: async () => undefined },
    delivery,
    instanceId: 'gw1',
  });
  const get = jest.spyOn(store.accounts, 'get');
  first.start(60_000);
  try {
    const deadline = Date.now() + 15_000;
    while (smtp.mails.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await store.timeline.outbox.list('old')).map((n) => `${n.kind}:${n.status}`)).toEqual(['scheduled:sent']);
    await first.stop();
    expect(await store.timeline.due.scoreOf('plain')).toBeNull();

    get.mockClear();
    const second = new TimelineScheduler({
      store,
      clock: systemClock,
      logger: silentLogger,
      metrics: new Metrics(),
      transitions: { start: async () => undefined },
      delivery,
      instanceId: 'gw2',
    });
    second.start(60_000);
    await new Promise((r) => setTimeout(r, 500));
    await second.stop();
    // Built: the second start read no account ('old' is settled at its next moment, not due now).
    expect(get).not.toHaveBeenCalled();
  } finally {
    await first.stop();
    delivery.close();
    await store.close();
  }
});

it('an instance that claimed accounts and died leaves them to another once the claim lapses; each notice goes out once', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock(T0);
  const service = new MigrationService(store, clock, { migrationsPerDay: 10, unavailableDates: [] }, silentLogger);
  for (const id of ['a', 'b', 'c']) {
    await service.putAccount(id, settings(), 'op');
    await service.schedule(id, 'u1', { start: START, target: 'eu' });
  }
  // The dead instance's claim: the three accounts are held for its lease (60 s by default) and never settled.
  expect((await store.timeline.due.claim(T0, 10, 60_000)).claims).toHaveLength(3);
  const delivery = new Delivery({ smtpUrl: smtp.url, logger: silentLogger });
  const survivor = scheduler(store, clock, delivery);
  clock.set(T0 + 59_999);
  await survivor.tick();
  await survivor.settled();
  expect(smtp.mails).toHaveLength(0);
  clock.set(T0 + 60_000);
  await survivor.tick();
  await survivor.settled();
  await survivor.tick();
  await survivor.settled();
  expect(smtp.mails.map((m) => m.to).sort()).toEqual([['ada@example.test'], ['ada@example.test'], ['ada@example.test']]);
  for (const id of ['a', 'b', 'c'])
    expect((await store.timeline.outbox.list(id)).map((n) => `${n.kind}:${n.status}`)).toEqual(['scheduled:sent']);
  delivery.close();
});
