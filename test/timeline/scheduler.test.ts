// The scheduler over a whole migration timeline: what is created, delivered, voided, retried, and when.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { AccountSettings } from '../../src/domain/account';
import { ManualClock } from '../../src/domain/clock';
import { MigrationService } from '../../src/migration/service';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { MemoryStore } from '../../src/store/memory/memory-store';
import type { Notification } from '../../src/store/outbox-store';
import { Delivery } from '../../src/timeline/delivery';
import { TimelineScheduler } from '../../src/timeline/scheduler';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './receivers';

const S = 1000;
const HOUR = 3600_000;
const T0 = Date.parse('2026-06-01T10:00:00Z');
// Thursday 11 June 2026, 10:00 in Stockholm (GMT+2).
const START = Date.parse('2026-06-11T08:00:00Z');
const WEEK_OF = Date.parse('2026-06-07T22:00:00Z');
const DAY_BEFORE = Date.parse('2026-06-09T22:00:00Z');

function settings(overrides: Partial<AccountSettings> = {}): AccountSettings {
  return {
    dataLocation: 'us',
    timezone: 'Europe/Stockholm',
    contactName: 'Ada',
    superAdmins: [
      { id: 'u1', name: 'Ada', email: 'ada@example.test' },
      { id: 'u2', name: 'Bo', email: 'bo@example.test' },
    ],
    paymentsEnabled: false,
    ssoEnabled: false,
    hasSandbox: false,
    integrations: {
      crm: { baseUrl: 'http://crm.invalid', dailyCallAllocation: 100, fieldMappings: [], notifyOnSuspension: true },
      quiet: { baseUrl: 'http://crm.invalid', dailyCallAllocation: 100, fieldMappings: [], notifyOnSuspension: false },
    },
    meetingLinks: { 'demo-call': { ownerName: 'Cy Owner', ownerEmail: 'cy@example.test' } },
    ...overrides,
  };
}

interface Rig {
  clock: ManualClock;
  store: MemoryStore;
  service: MigrationService;
  scheduler: TimelineScheduler;
  delivery: Delivery;
  tickAt(ms: number): Promise<void>;
  outbox(): Promise<Notification[]>;
}

function rig(delivery: Delivery, retry = { maxAttempts: 3, baseDelayMs: 60_000 }): Rig {
  const clock = new ManualClock(T0);
  const store = new MemoryStore();
  const service = new MigrationService(store, clock, { migrationsPerDay: 10, unavailableDates: [] }, silentLogger);
  const scheduler = new TimelineScheduler({
    store,
    clock,
    logger: silentLogger,
    metrics: new Metrics(),
    transitions: { start: async (id, actor) => void (await service.start(id, actor)) },
    delivery,
    retry,
  });
  service.addListener((event) => scheduler.onMigrationEvent(event));
  return {
    clock,
    store,
    service,
    scheduler,
    delivery,
    async tickAt(ms) {
      clock.set(ms);
      await scheduler.tick();
      await scheduler.settled();
    },
    outbox: () => store.timeline.outbox.list('acc1'),
  };
}

let webhook: WebhookReceiver;
let smtp: SmtpReceiver;
let r: Rig;

beforeEach(async () => {
  webhook = await startWebhookReceiver();
  smtp = await startSmtpReceiver();
});

afterEach(async () => {
  await r?.scheduler.stop();
  r?.delivery.close();
  await webhook.close();
  await smtp.close();
});

const kinds = (): string[] => webhook.hooks.map((h) => h.body.kind);

async function scheduled(rg: Rig, start = START): Promise<void> {
  await rg.service.putAccount('acc1', settings(), 'op');
  await rg.service.schedule('acc1', 'u1', { start, target: 'eu' });
  await rg.scheduler.settled();
}

describe('TimelineScheduler', () => {
  it('walks a whole migration: each notification at its moment, once, to every super admin', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    await scheduled(r);
    expect(kinds()).toEqual(['scheduled']);
    expect(webhook.hooks[0]?.body.recipients).toEqual(['ada@example.test', 'bo@example.test']);

    await r.tickAt(WEEK_OF - S);
    expect(kinds()).toEqual(['scheduled']);
    await r.tickAt(WEEK_OF);
    await r.tickAt(WEEK_OF + S);
    expect(kinds()).toEqual(['scheduled', 'week_of']);

    await r.tickAt(DAY_BEFORE - S);
    expect(kinds()).toEqual(['scheduled', 'week_of']);
    await r.tickAt(DAY_BEFORE);
    await r.tickAt(DAY_BEFORE + S);
    expect(kinds()).toEqual(['scheduled', 'week_of', 'day_before']);

    await r.tickAt(START - S);
    expect((await r.store.accounts.get('acc1'))?.migration?.status).toBe('scheduled');
    await r.tickAt(START);
    expect((await r.store.accounts.get('acc1'))?.migration?.status).toBe('in_progress');

    r.clock.advance(20 * HOUR);
    await r.service.complete('acc1', 'engine');
    await r.scheduler.settled();
    await r.tickAt(r.clock.now() + HOUR);
    expect(kinds()).toEqual(['scheduled', 'week_of', 'day_before', 'completed']);
    expect(webhook.hooks[3]?.body.text).toContain('Connect the dedicated IP for email sending');
    expect((await r.store.timeline.checklists.get('acc1'))?.migrationId).toBe((await r.store.accounts.get('acc1'))?.migration?.id);

    const outbox = await r.outbox();
    expect(outbox.map((n) => [n.kind, n.status, n.attempts, n.delivered])).toEqual([
      ['scheduled', 'sent', 1, ['webhook']],
      ['week_of', 'sent', 1, ['webhook']],
      ['day_before', 'sent', 1, ['webhook']],
      ['completed', 'sent', 1, ['webhook']],
    ]);
    expect(new Set(webhook.hooks.map((h) => h.idempotencyKey))).toEqual(new Set(outbox.map((n) => n.id)));
  });

  it('says when, what users notice, and the change deadline, in the account time zone', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    await scheduled(r);
    const text = webhook.hooks[0]?.body.text ?? '';
    expect(webhook.hooks[0]?.body.subject).toBe('Data migration scheduled for Thursday, 11 June 2026');
    expect(text).toContain('unavailable from Thursday, 11 June 2026 at 10:00 GMT+2 (Europe/Stockholm)');
    expect(text).toContain('status 477');
    expect(text).toContain('From Wednesday, 10 June 2026 at 10:00 GMT+2 (Europe/Stockholm): CRM imports are unavailable');
    expect(text).toContain('From Thursday, 11 June 2026 at 09:00 GMT+2 (Europe/Stockholm): live chat and chatbots are hidden');
    expect(text).toContain('reschedule or cancel the migration until Tuesday, 9 June 2026 at 22:00 GMT+2 (Europe/Stockholm)');
  });

  it('voids what a reschedule made wrong, announces it, and reminds for the new start', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }), { maxAttempts: 5, baseDelayMs: HOUR });
    await scheduled(r);
    webhook.status = 500;
    await r.tickAt(WEEK_OF);
    expect((await r.outbox()).find((n) => n.kind === 'week_of')?.status).toBe('pending');
    webhook.status = 200;

    const newStart = START + 7 * 24 * HOUR;
    await r.service.reschedule('acc1', 'u1', { start: newStart });
    await r.scheduler.settled();
    expect(kinds()).toEqual(['scheduled', 'rescheduled']);
    expect(webhook.hooks[1]?.body.text).toContain(
      'was moved from Thursday, 11 June 2026 at 10:00 GMT+2 (Europe/Stockholm) to Thursday, 18 June 2026 at 10:00 GMT+2',
    );
    const voided = (await r.outbox()).find((n) => n.kind === 'week_of');
    expect(voided).toMatchObject({ status: 'void', lastError: 'void: the migration was rescheduled' });

    await r.tickAt(DAY_BEFORE);
    await r.tickAt(START);
    expect(kinds()).toEqual(['scheduled', 'rescheduled']);
    await r.tickAt(WEEK_OF + 7 * 24 * HOUR - S);
    expect(kinds()).toEqual(['scheduled', 'rescheduled']);
    await r.tickAt(WEEK_OF + 7 * 24 * HOUR);
    await r.tickAt(DAY_BEFORE + 7 * 24 * HOUR);
    expect(kinds()).toEqual(['scheduled', 'rescheduled', 'week_of', 'day_before']);
  });

  it('announces a cancellation and sends nothing more for that migration', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    await scheduled(r);
    await r.service.cancel('acc1', 'u2');
    await r.scheduler.settled();
    for (const t of [WEEK_OF, DAY_BEFORE, START, START + 2 * 24 * HOUR]) await r.tickAt(t);
    expect(kinds()).toEqual(['scheduled', 'cancelled']);
    expect((await r.store.accounts.get('acc1'))?.migration?.status).toBe('cancelled');
  });

  it('voids a reminder whose migration moved without an event reaching this instance', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    await scheduled(r);
    webhook.status = 500;
    await r.tickAt(WEEK_OF);
    webhook.status = 200;
    const record = await r.store.accounts.get('acc1');
    if (!record?.migration) throw new Error('no migration');
    const moved = { ...record, migration: { ...record.migration, start: START + 7 * 24 * HOUR } };
    await r.store.accounts.save(moved, record.version, { at: r.clock.now(), actor: 'elsewhere', action: 'moved', detail: {} });
    await r.tickAt(WEEK_OF + HOUR);
    expect(kinds()).toEqual(['scheduled']);
    expect((await r.outbox()).find((n) => n.kind === 'week_of')).toMatchObject({
      status: 'void',
      lastError: 'void: the migration was rescheduled',
    });
  });

  it('tells the super admins when the migration fails, and opens no checklist', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    await scheduled(r);
    // Every instance was down from scheduling until after the start: reminders past the start are skipped.
    await r.tickAt(START + HOUR);
    await r.service.fail('acc1', 'engine');
    await r.scheduler.settled();
    expect(kinds()).toEqual(['scheduled', 'failed']);
    expect(webhook.hooks[1]?.body.text).toContain('stays in the United States');
    expect(await r.store.timeline.checklists.get('acc1')).toBeNull();
  });

  it('retries a failing channel with exponential backoff, never resends to the one that worked, then shows it failed', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, smtpUrl: smtp.url, logger: silentLogger }), { maxAttempts: 3, baseDelayMs: 60_000 });
    webhook.status = 500;
    await scheduled(r);
    let n = (await r.outbox())[0];
    expect(n).toMatchObject({ status: 'pending', attempts: 1, delivered: ['smtp'], nextAttemptAt: T0 + 60_000 });
    expect(n?.lastError).toBe('webhook: answered 500');

    await r.tickAt(T0 + 60_000 - S);
    expect((await r.outbox())[0]?.attempts).toBe(1);
    await r.tickAt(T0 + 60_000);
    n = (await r.outbox())[0];
    expect(n).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: T0 + 60_000 + 120_000 });

    await r.tickAt(T0 + 180_000 - S);
    expect((await r.outbox())[0]?.attempts).toBe(2);
    await r.tickAt(T0 + 180_000);
    n = (await r.outbox())[0];
    expect(n).toMatchObject({ status: 'failed', attempts: 3, lastError: 'webhook: answered 500', delivered: ['smtp'] });

    webhook.status = 200;
    await r.tickAt(T0 + 10 * HOUR);
    expect(webhook.hooks).toHaveLength(0);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]?.to.sort()).toEqual(['ada@example.test', 'bo@example.test']);
    expect(smtp.mails[0]?.messageId).toBe(`<${n?.id}@maintenance-gateway>`);
  });

  it('with no transport configured, logs the notification and records it as sent through the log', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
    r = rig(new Delivery({ logger }));
    await scheduled(r);
    expect((await r.outbox())[0]).toMatchObject({ kind: 'scheduled', status: 'sent', delivered: ['log'] });
    expect(lines.some((l) => l.includes('Data migration scheduled for Thursday, 11 June 2026'))).toBe(true);
  });

  it('lists the meetings requested in the window to each link owner, once, after the window', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    await scheduled(r);
    await r.tickAt(START + HOUR);
    const book = (id: string, slug: string, body: string, contentType: string) =>
      r.scheduler.recordMeetingRequest({
        id,
        accountId: 'acc1',
        path: `/meetings/acc1/${slug}/book`,
        body: Buffer.from(body),
        contentType,
        receivedAt: r.clock.now(),
      });
    await book('b1', 'demo-call', JSON.stringify({ name: 'Dee', email: 'dee@example.test', time: '2026-06-15T10:00' }), 'application/json');
    await book('b2', 'demo-call', 'name=Eve&email=eve%40example.test&notes=Hi%0Athere', 'application/x-www-form-urlencoded');
    await book('b3', 'no-owner', 'call me \u0007maybe', 'text/plain');
    await book('b3', 'no-owner', 'call me \u0007maybe', 'text/plain');
    await r.service.complete('acc1', 'engine');
    await r.scheduler.settled();
    await r.tickAt(r.clock.now() + HOUR);

    const digests = webhook.hooks.filter((h) => h.body.kind === 'meetings_requested');
    expect(digests.map((d) => d.body.recipients)).toEqual([['cy@example.test'], ['ada@example.test'], ['bo@example.test']]);
    const owner = digests[0]?.body.text ?? '';
    expect(owner).toContain('Hello Cy Owner,');
    expect(owner).toContain('demo-call');
    expect(owner).toContain('from Dee <dee@example.test>, for 2026-06-15T10:00');
    expect(owner).toContain('from Eve <eve@example.test>, message: "Hi there"');
    expect(owner).not.toContain('call me');
    expect(digests[1]?.body.text).toContain('request body: call me maybe');
    expect(digests[1]?.body.subject).toBe('1 meeting request received during the data migration');
  });

  it('notifies an integration suspension only when the account opted in, once per suspension', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    await r.service.putAccount('acc1', settings(), 'op');
    const detail = { reason: 'ORG_LOCKED', message: 'The CRM org is locked.', remedy: 'Unlock it, then Clear Suspension.', since: T0 };
    expect(await r.scheduler.notify('acc1', 'integration_suspended', { ...detail, integration: 'quiet' })).toBeNull();
    expect(await r.scheduler.notify('acc1', 'integration_suspended', { ...detail, integration: 'crm' })).toMatchObject({
      kind: 'integration_suspended',
    });
    await r.scheduler.notify('acc1', 'integration_suspended', { ...detail, integration: 'crm' });
    await r.scheduler.settled();
    expect(kinds()).toEqual(['integration_suspended']);
    expect(webhook.hooks[0]?.body.subject).toBe('Integration "crm" suspended: ORG_LOCKED');
    expect(webhook.hooks[0]?.body.text).toContain('What to do: Unlock it, then Clear Suspension.');
  });

  it('lets two schedulers on one store tick at once without sending anything twice', async () => {
    r = rig(new Delivery({ webhookUrl: webhook.url, logger: silentLogger }));
    const twin = new TimelineScheduler({
      store: r.store,
      clock: r.clock,
      logger: silentLogger,
      metrics: new Metrics(),
      transitions: { start: async (id, actor) => void (await r.service.start(id, actor)) },
      delivery: r.delivery,
    });
    await r.service.putAccount('acc1', settings(), 'op');
    await r.service.schedule('acc1', 'u1', { start: START, target: 'eu' });
    for (const t of [WEEK_OF, WEEK_OF + S, DAY_BEFORE, START]) {
      r.clock.set(t);
      await Promise.all([r.scheduler.tick(), twin.tick(), r.scheduler.tick(), twin.tick()]);
      await Promise.all([r.scheduler.settled(), twin.settled()]);
    }
    expect(kinds()).toEqual(['scheduled', 'week_of', 'day_before']);
    await twin.stop();
  });
});
