// The timeline wired into createGateway with the buffer, driven through the admin API and the meeting surface.
import request from 'supertest';
import { createBufferParts } from '../../src/buffer/parts';
import type { SuspensionNotifier } from '../../src/integrations/handler';
import { ManualClock } from '../../src/domain/clock';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { silentLogger } from '../../src/observability/logger';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { Delivery } from '../../src/timeline/delivery';
import { createTimelineParts, type TimelineParts } from '../../src/timeline/parts';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';
import { startUpstream, type Upstream } from '../support/upstream';
import { startWebhookReceiver, type WebhookReceiver } from '../timeline/receivers';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = Date.parse('2026-12-07T09:00:00Z'); // Monday 10:00 CET

let us: Upstream;
let eu: Upstream;
let webhook: WebhookReceiver;
let timeline: TimelineParts | null = null;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});
afterAll(async () => {
  await us.close();
  await eu.close();
});
beforeEach(async () => {
  webhook = await startWebhookReceiver();
});
afterEach(async () => {
  await timeline?.close();
  timeline = null;
  await webhook.close();
});

function gateway(clock: ManualClock): { app: GatewayApp; parts: TimelineParts } {
  const app = createGateway({
    upstreams: { us: us.url, eu: eu.url },
    store: new MemoryStore(),
    clock,
    adminTokens: [ADMIN_TOKEN],
    parts: (core) => {
      timeline = createTimelineParts(core, { delivery: new Delivery({ webhookUrl: webhook.url, logger: silentLogger }) });
      const buffer = createBufferParts(core, { onAccepted: timeline.onAccepted });
      return {
        acceptBuffered: buffer.acceptBuffered,
        adminRouters: [...buffer.adminRouters, ...timeline.adminRouters],
        accountExtras: buffer.accountExtras,
        migrationListeners: [...buffer.migrationListeners, ...timeline.migrationListeners],
      };
    },
  });
  return { app, parts: timeline as unknown as TimelineParts };
}

it('notifies, opens the window, lists meeting requests to their owner and opens the checklist, all through the gateway', async () => {
  const clock = new ManualClock(NOW);
  const { app, parts } = gateway(clock);
  const settings = accountSettings({ meetingLinks: { intro: { ownerName: 'Cy Owner', ownerEmail: 'cy@example.test' } } });
  await request(app).put('/admin/v1/accounts/acme').set(auth).send(settings).expect(201);
  await request(app)
    .post('/admin/v1/accounts/acme/migration')
    .set(auth)
    .send({ start: new Date(START).toISOString(), target: 'eu' })
    .expect(201);
  await parts.scheduler.settled();

  let list = await request(app).get('/admin/v1/accounts/acme/notifications').set(auth).expect(200);
  expect(list.body.notifications).toEqual([
    expect.objectContaining({
      kind: 'scheduled',
      status: 'sent',
      attempts: 1,
      recipients: ['ada@example.test'],
      subject: 'Data migration scheduled for Monday, 7 December 2026',
    }),
  ]);
  await request(app).get('/admin/v1/accounts/acme/notifications').expect(401);

  for (const t of [START - 30 * H, START - 2 * H, START]) {
    clock.set(t);
    await parts.scheduler.tick();
  }
  expect((await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200)).body.migration.status).toBe('in_progress');

  await request(app)
    .post('/meetings/acme/intro/book')
    .type('form')
    .send('name=Dee&email=dee%40example.test&time=Tuesday+14%3A00')
    .expect(202);
  clock.advance(20 * H);
  await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200);
  await parts.scheduler.settled();

  list = await request(app).get('/admin/v1/accounts/acme/notifications').set(auth).expect(200);
  expect(list.body.notifications.map((n: { kind: string; status: string }) => `${n.kind}:${n.status}`)).toEqual([
    'scheduled:sent',
    'day_before:sent',
    'week_of:sent',
    'completed:sent',
    'meetings_requested:sent',
  ]);
  const digest = webhook.hooks.find((h) => h.body.kind === 'meetings_requested');
  expect(digest?.body.recipients).toEqual(['cy@example.test']);
  expect(digest?.body.text).toContain('from Dee <dee@example.test>, for Tuesday 14:00');

  const checklist = await request(app).get('/admin/v1/accounts/acme/checklist').set(auth).expect(200);
  expect(checklist.body.open).toBe(true);
  await request(app).patch('/admin/v1/accounts/acme/checklist/connect-dedicated-ip').set(auth).send({ done: true }).expect(200);
  const after = await request(app).get('/admin/v1/accounts/acme/checklist').set(auth).expect(200);
  expect(after.body.items[0]).toMatchObject({ id: 'connect-dedicated-ip', done: true, doneBy: 'sa-1' });
  await request(app).patch('/admin/v1/accounts/acme/checklist/connect-dedicated-ip').set(auth).send({ done: 'yes' }).expect(400);
  await request(app).get('/admin/v1/accounts/nobody/checklist').set(auth).expect(404);
});

it("fits the integration guard's notify hook: one notification per new suspension of an opted-in integration", async () => {
  const clock = new ManualClock(NOW);
  const { app, parts } = gateway(clock);
  const integration = {
    baseUrl: 'http://127.0.0.1:9',
    dailyCallAllocation: 100,
    fieldMappings: [{ property: 'email', field: 'Email' }],
    notifyOnSuspension: true,
  };
  await request(app)
    .put('/admin/v1/accounts/acme')
    .set(auth)
    .send(accountSettings({ integrations: { crm: integration } }))
    .expect(201);
  const notify: SuspensionNotifier = parts.notifySuspension;
  const detail = {
    integration: 'crm',
    title: 'org locked',
    message: 'The CRM org is locked.',
    remedy: 'Unlock the org, then Clear Suspension.',
    since: NOW,
    crmErrorCode: 'ORG_LOCKED',
  };
  await notify('acme', 'ORG_LOCKED', detail);
  await notify('acme', 'ORG_LOCKED', detail);
  await parts.scheduler.settled();
  const list = await request(app).get('/admin/v1/accounts/acme/notifications').set(auth).expect(200);
  expect(list.body.notifications).toEqual([
    expect.objectContaining({ kind: 'integration_suspended', status: 'sent', subject: 'Integration "crm" suspended: ORG_LOCKED' }),
  ]);
  expect(webhook.hooks[0]?.body.text).toContain('is suspended (org locked, ORG_LOCKED). The CRM org is locked.');
});
