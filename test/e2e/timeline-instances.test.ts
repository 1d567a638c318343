// Three gateway instances on one Redis, one restarted midway, walk four migrations across DST changes:
// every notification reaches a real SMTP server and a webhook receiver exactly once; a failing one ends failed.
import express from 'express';
import request from 'supertest';
import type { AccountSettings } from '../../src/domain/account';
import { ManualClock, type Clock } from '../../src/domain/clock';
import { MigrationService } from '../../src/migration/service';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import type { Notification } from '../../src/store/outbox-store';
import { RedisStore } from '../../src/store/redis/redis-store';
import { timelineAdminRouter } from '../../src/timeline/admin-routes';
import { Delivery } from '../../src/timeline/delivery';
import { claimForDelivery, newNotification } from '../../src/timeline/outbox';
import { dayBeforeAt, weekOfAt } from '../../src/timeline/schedule';
import { TimelineScheduler } from '../../src/timeline/scheduler';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../timeline/receivers';

const S = 1000;
const HOUR = 3600_000;
const at = (iso: string): number => Date.parse(iso);

interface Instance {
  name: string;
  store: RedisStore;
  service: MigrationService;
  scheduler: TimelineScheduler;
  delivery: Delivery;
}

interface Cluster {
  clock: ManualClock;
  instances: Instance[];
  restart(index: number): Promise<void>;
  stepTo(ms: number): Promise<void>;
  settled(): Promise<void>;
  close(): Promise<void>;
}

function cluster(
  start: number,
  smtp: SmtpReceiver,
  webhook: WebhookReceiver,
  retry: { maxAttempts: number; baseDelayMs: number },
  leaseClock?: Clock,
): Cluster {
  const clock = new ManualClock(start);
  const prefix = uniquePrefix();
  let generation = 0;
  const launch = (index: number): Instance => {
    generation += 1;
    const name = `gw${index}-g${generation}`;
    const store = new RedisStore({ url: testRedisUrl(), prefix });
    const service = new MigrationService(store, clock, { migrationsPerDay: 10, unavailableDates: [] }, silentLogger);
    const delivery = new Delivery({ smtpUrl: smtp.url, webhookUrl: webhook.url, from: 'gateway@example.test', logger: silentLogger });
    const scheduler = new TimelineScheduler({
      store,
      clock,
      logger: silentLogger,
      metrics: new Metrics(),
      transitions: { start: async (id, actor) => void (await service.start(id, actor)) },
      delivery,
      retry,
      leaseClock,
      instanceId: name,
    });
    service.addListener((event) => scheduler.onMigrationEvent(event));
    return { name, store, service, scheduler, delivery };
  };
  const stopInstance = async (instance: Instance): Promise<void> => {
    await instance.scheduler.stop();
    instance.delivery.close();
    await instance.store.close();
  };
  const instances = [launch(0), launch(1), launch(2)];
  const settled = async () => {
    await Promise.all(instances.map((i) => i.scheduler.settled()));
  };
  return {
    clock,
    instances,
    async restart(index) {
      await stopInstance(instances[index] as Instance);
      instances[index] = launch(index);
    },
    async stepTo(ms) {
      clock.set(ms);
      await Promise.all(instances.map((i) => i.scheduler.tick()));
      await settled();
    },
    settled,
    close: async () => {
      await Promise.all(instances.map(stopInstance));
    },
  };
}

function settings(timezone: string, meetingLinks: AccountSettings['meetingLinks'] = {}): AccountSettings {
  return {
    dataLocation: 'us',
    timezone,
    contactName: 'Ada',
    superAdmins: [
      { id: 'u1', name: 'Ada', email: 'ada@example.test' },
      { id: 'u2', name: 'Bo', email: 'bo@example.test' },
    ],
    paymentsEnabled: false,
    ssoEnabled: false,
    hasSandbox: false,
    integrations: {},
    meetingLinks,
  };
}

let smtp: SmtpReceiver;
let webhook: WebhookReceiver;
let c: Cluster | null = null;

beforeEach(async () => {
  smtp = await startSmtpReceiver();
  webhook = await startWebhookReceiver();
});

afterEach(async () => {
  await c?.close();
  c = null;
  await smtp.close();
  await webhook.close();
});

const T0 = at('2026-02-25T12:00:00Z');
const NYC_START = at('2026-03-09T13:00:00Z'); // Monday 09:00 EDT, the day after the US spring change
const STHLM_START = at('2026-03-30T08:00:00Z'); // Monday 10:00 CEST, the day after the EU spring change
const RESCHED_START = at('2026-03-12T09:00:00Z'); // Thursday 10:00 CET …
const RESCHED_NEW_START = at('2026-03-19T09:00:00Z'); // … moved a week on, after its first week_of went out
const CANCEL_START = at('2026-03-20T15:00:00Z');
const END = at('2026-04-02T00:00:00Z');

it('three instances, one restarted midway, deliver every notification exactly once by SMTP and by webhook', async () => {
  const cl = cluster(T0, smtp, webhook, { maxAttempts: 4, baseDelayMs: 10 * 60_000 });
  c = cl;
  const via = (n: number): Instance => cl.instances[n % 3] as Instance;

  const accounts: [string, string, number][] = [
    ['nyc', 'America/New_York', NYC_START],
    ['sthlm', 'Europe/Stockholm', STHLM_START],
    ['resched', 'Europe/Stockholm', RESCHED_START],
    ['cancel', 'America/New_York', CANCEL_START],
  ];
  for (const [i, [id, tz, start]] of accounts.entries()) {
    await via(i).service.putAccount(
      id,
      settings(tz, id === 'sthlm' ? { intro: { ownerName: 'Cy', ownerEmail: 'cy@example.test' } } : {}),
      'op',
    );
    await via(i + 1).service.schedule(id, 'u1', { start, target: 'eu' });
  }
  await cl.settled();

  // Every 6 hours, plus each reminder moment and start ±1 s, plus the moments something happens.
  const actions = new Map<number, () => Promise<void>>([
    [at('2026-03-05T10:00:00Z'), async () => void (await via(2).service.cancel('cancel', 'u2'))],
    [at('2026-03-09T12:00:00Z'), async () => void (await via(0).service.reschedule('resched', 'u1', { start: RESCHED_NEW_START }))],
    [at('2026-03-10T09:00:00Z'), async () => void (await via(1).service.fail('nyc', 'engine'))],
    [at('2026-03-10T12:00:00Z'), () => cl.restart(1)],
    [at('2026-03-20T06:00:00Z'), async () => void (await via(2).service.complete('resched', 'engine'))],
    [
      at('2026-03-30T12:00:00Z'),
      async () => {
        const book = (n: number, body: string, type: string) =>
          via(n).scheduler.recordMeetingRequest({
            id: `b${n}`,
            accountId: 'sthlm',
            path: '/meetings/sthlm/intro/book',
            body: Buffer.from(body),
            contentType: type,
            receivedAt: cl.clock.now(),
          });
        await book(1, JSON.stringify({ name: 'Dee', email: 'dee@example.test' }), 'application/json');
        await book(2, 'name=Eve&time=Friday+10%3A00', 'application/x-www-form-urlencoded');
      },
    ],
    [at('2026-03-31T02:00:00Z'), async () => void (await via(0).service.complete('sthlm', 'engine'))],
  ]);
  const moments = new Set<number>(actions.keys());
  for (const [, tz, start] of [...accounts, ['resched', 'Europe/Stockholm', RESCHED_NEW_START] as const]) {
    for (const m of [weekOfAt(start, tz), dayBeforeAt(start, tz), start]) for (const d of [-S, 0, S]) moments.add(m + d);
  }
  for (let t = T0; t <= END; t += 6 * HOUR) moments.add(t);
  for (const t of [...moments].sort((a, b) => a - b)) {
    await cl.stepTo(t);
    const action = actions.get(t);
    if (action) {
      await action();
      await cl.settled();
    }
  }

  const outbox = async (id: string): Promise<Notification[]> => via(0).store.timeline.outbox.list(id);
  const kindsOf = async (id: string) => (await outbox(id)).map((n) => `${n.kind}:${n.status}`);
  // A Monday start: the day before (Sunday 00:00) comes before the Monday 00:00 of the start's own week.
  expect(await kindsOf('nyc')).toEqual(['scheduled:sent', 'day_before:sent', 'week_of:sent', 'failed:sent']);
  expect(await kindsOf('sthlm')).toEqual([
    'scheduled:sent',
    'day_before:sent',
    'week_of:sent',
    'completed:sent',
    'meetings_requested:sent',
  ]);
  expect(await kindsOf('resched')).toEqual([
    'scheduled:sent',
    'week_of:sent',
    'rescheduled:sent',
    'week_of:sent',
    'day_before:sent',
    'completed:sent',
  ]);
  expect(await kindsOf('cancel')).toEqual(['scheduled:sent', 'cancelled:sent']);

  const all = (await Promise.all(accounts.map(([id]) => outbox(id)))).flat();
  const count = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
  const mailed = count(smtp.mails.map((m) => m.notificationId));
  const hooked = count(webhook.hooks.map((h) => h.idempotencyKey));
  for (const n of all) {
    expect([n.id, mailed.get(n.id)]).toEqual([n.id, 1]);
    expect([n.id, hooked.get(n.id)]).toEqual([n.id, 1]);
    expect(n.delivered.sort()).toEqual(['smtp', 'webhook']);
  }
  expect(smtp.mails).toHaveLength(all.length);
  expect(webhook.hooks).toHaveLength(all.length);

  // Reminders arrived at their local midnight: the clock at delivery is the moment itself (the step hit it exactly).
  const nyWeekOf = all.find((n) => n.accountId === 'nyc' && n.kind === 'week_of');
  expect(nyWeekOf?.createdAt).toBe(at('2026-03-09T04:00:00Z'));
  const sthlmDayBefore = all.find((n) => n.accountId === 'sthlm' && n.kind === 'day_before');
  expect(sthlmDayBefore?.createdAt).toBe(at('2026-03-28T23:00:00Z'));

  const digest = smtp.mails.find((m) => m.to.includes('cy@example.test'));
  expect(digest?.raw).toContain('Dee <dee@example.test>');
  expect(digest?.raw).toContain('for Friday 10:00');
  expect((await via(0).store.timeline.checklists.get('sthlm'))?.migrationId).toBeDefined();
  expect(await via(0).store.timeline.checklists.get('nyc')).toBeNull();
  expect((await via(0).store.accounts.get('sthlm'))?.settings.dataLocation).toBe('eu');
});

it('retries a webhook that answers 500 from every instance, then shows the notification failed', async () => {
  const cl = cluster(T0, smtp, webhook, { maxAttempts: 4, baseDelayMs: 60_000 });
  c = cl;
  webhook.status = 500;
  await cl.instances[0]?.service.putAccount('acc', settings('Europe/Stockholm'), 'op');
  await cl.instances[1]?.service.schedule('acc', 'u1', { start: NYC_START, target: 'eu' });
  await cl.settled();
  for (let t = T0; t <= T0 + 30 * 60_000; t += 30 * S) await cl.stepTo(t);

  const [n] = await (cl.instances[2] as Instance).store.timeline.outbox.list('acc');
  expect(n).toMatchObject({ kind: 'scheduled', status: 'failed', attempts: 4, lastError: 'webhook: answered 500', delivered: ['smtp'] });
  expect(smtp.mails).toHaveLength(1);
  expect(webhook.hooks).toHaveLength(0);

  const app = express().use('/admin/v1', timelineAdminRouter({ store: (cl.instances[2] as Instance).store, clock: cl.clock }));
  const res = await request(app).get('/admin/v1/accounts/acc/notifications').expect(200);
  expect(res.body.notifications).toEqual([
    expect.objectContaining({
      kind: 'scheduled',
      status: 'failed',
      attempts: 4,
      lastError: 'webhook: answered 500',
      recipients: ['ada@example.test', 'bo@example.test'],
    }),
  ]);
});

it('takes over a notification whose instance died holding its lease, once the lease lapsed, and sends it once', async () => {
  const leaseClock = new ManualClock(1_000_000);
  const cl = cluster(T0, smtp, webhook, { maxAttempts: 4, baseDelayMs: 60_000 }, leaseClock);
  c = cl;
  const store = (cl.instances[0] as Instance).store;
  await cl.instances[0]?.service.putAccount('acc', settings('America/New_York'), 'op');
  const { notification } = await store.timeline.outbox.create(
    newNotification({
      accountId: 'acc',
      migrationId: null,
      migrationStart: null,
      kind: 'integration_suspended',
      key: 'suspended:crm:1',
      recipients: ['ada@example.test'],
      subject: 'Suspended',
      text: 'Text',
      now: T0,
    }),
  );
  // An instance claimed it and died before sending (its default lease is 60 s of real time).
  expect(
    await claimForDelivery(store.timeline.outbox, notification, 'dead-instance', { now: T0, leaseNow: leaseClock.now(), leaseMs: 60_000 }),
  ).not.toBeNull();

  leaseClock.advance(60_000 - 1);
  await cl.stepTo(T0 + HOUR);
  expect(smtp.mails).toHaveLength(0);
  expect(webhook.hooks).toHaveLength(0);

  leaseClock.advance(1);
  await cl.stepTo(T0 + 2 * HOUR);
  await cl.stepTo(T0 + 3 * HOUR);
  expect(smtp.mails.map((m) => m.notificationId)).toEqual([notification.id]);
  expect(webhook.hooks.map((h) => h.idempotencyKey)).toEqual([notification.id]);
  expect(await store.timeline.outbox.get('acc', notification.id)).toMatchObject({ status: 'sent', attempts: 1, leaseOwner: null });
});
