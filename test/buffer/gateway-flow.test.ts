// The buffer wired into createGateway: every buffered surface answers 202 in the window, nothing reaches an upstream,
// and after the window each request arrives at the right upstream as it was sent (account header and query included).
import request from 'supertest';
import { createBufferParts, type BufferParts } from '../../src/buffer/parts';
import { FORM_ACCEPTED_MESSAGE } from '../../src/buffer/buffer-answers';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';
import { startUpstream, type Upstream } from '../support/upstream';

let us: Upstream;
let eu: Upstream;
let parts: BufferParts | null;

beforeEach(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
  parts = null;
});
afterEach(async () => {
  await parts?.close();
  await us.close();
  await eu.close();
});

function gateway(): GatewayApp {
  return createGateway({
    upstreams: { us: us.url, eu: eu.url },
    store: new MemoryStore(),
    adminTokens: [ADMIN_TOKEN],
    parts: (core) => {
      parts = createBufferParts(core, { replayer: { backoffBaseMs: 5, backoffMaxMs: 20 } });
      return parts;
    },
  });
}

async function openWindow(app: GatewayApp, id: string): Promise<void> {
  await request(app).put(`/admin/v1/accounts/${id}`).set(auth).send(accountSettings()).expect(201);
  const start = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
  await request(app).post(`/admin/v1/accounts/${id}/migration`).set(auth).send({ start, target: 'eu' }).expect(201);
  await request(app).post(`/admin/v1/accounts/${id}/migration/start`).set(auth).expect(200);
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('buffers forms, meetings, analytics and webhooks in the window and replays them to the EU upstream after completion', async () => {
  const app = gateway();
  await openWindow(app, 'acme');

  const form = await request(app).post('/forms/acme/contact?utm=x').type('form').send('email=a%40b.test');
  expect(form.status).toBe(202);
  expect(form.body).toEqual({ status: 'accepted', id: expect.any(String), message: FORM_ACCEPTED_MESSAGE });
  const meeting = await request(app).post('/meetings/acme/intro/book').send({ when: '2026-12-09T10:00:00Z' });
  expect(meeting.status).toBe(202);
  const analytics = await request(app).post('/analytics/collect').set('x-account-id', 'acme').send({ event: 'view' });
  expect(analytics.status).toBe(202);
  const webhook = await request(app).post('/webhooks/stripe?portalId=acme').set('x-hubspot-signature', 'sig').send('raw');
  expect(webhook.status).toBe(202);
  const page = await request(app).post('/forms/acme/contact').set('accept', 'text/html').type('form').send('a=1');
  expect(page.status).toBe(202);
  expect(page.text).toContain(FORM_ACCEPTED_MESSAGE);
  expect(us.requests.length + eu.requests.length).toBe(0);

  const view = await request(app).get('/admin/v1/accounts/acme/buffer').set(auth).expect(200);
  expect(view.body).toMatchObject({ depth: 5, counts: { waiting: { form: 2, meeting: 1, analytics: 1, inbound: 1 } } });
  const account = await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200);
  expect(account.body.buffered).toMatchObject({ waiting: 5, deadLetters: 0 });

  await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200);
  await until(() => eu.requests.filter((r) => r.complete).length === 4);
  expect(us.requests).toHaveLength(0);
  // SPEC §9: the meeting request is kept for its owner's email, never replayed to the booking endpoint.
  expect(eu.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
    'POST /forms/acme/contact?utm=x',
    'POST /analytics/collect',
    'POST /webhooks/stripe?portalId=acme',
    'POST /forms/acme/contact',
  ]);
  expect(eu.requests[0].body.toString()).toBe('email=a%40b.test');
  expect(eu.requests[1].headers['x-account-id']).toBe('acme');
  expect(eu.requests[2].headers['x-hubspot-signature']).toBe('sig');
  expect(eu.requests.every((r) => r.headers['x-maintenance-replay'] === '1' && String(r.headers['idempotency-key']).length > 0)).toBe(true);

  // Once the window is closed, writes pass straight through again.
  await request(app).post('/forms/acme/contact').type('form').send('after=1').expect(200);
  expect(eu.requests).toHaveLength(5);
  const after = await request(app).get('/admin/v1/accounts/acme/buffer').set(auth).expect(200);
  expect(after.body.meetingRequests).toMatchObject({
    waiting: 0,
    kept: 1,
    items: [{ path: '/meetings/acme/intro/book', replayed: false }],
  });
});

it('replays to the US upstream when the migration failed', async () => {
  const app = gateway();
  await openWindow(app, 'beta');
  await request(app).post('/forms/beta/f').type('form').send('a=1').expect(202);
  await request(app).post('/admin/v1/accounts/beta/migration/fail').set(auth).expect(200);
  await until(() => us.requests.filter((r) => r.complete).length === 1);
  expect(eu.requests).toHaveLength(0);
  expect(us.requests[0].headers['x-maintenance-replay']).toBe('1');
});

it('refuses a body over the configured limit with 413 and buffers nothing', async () => {
  const app = createGateway({
    upstreams: { us: us.url, eu: eu.url },
    store: new MemoryStore(),
    adminTokens: [ADMIN_TOKEN],
    config: { limits: { maxBufferedBodyBytes: { form: 100 } } },
    parts: (core) => {
      parts = createBufferParts(core);
      return parts;
    },
  });
  await openWindow(app, 'gamma');
  const res = await request(app)
    .post('/forms/gamma/f')
    .type('form')
    .send(`a=${'x'.repeat(200)}`);
  expect(res.status).toBe(413);
  expect(res.body.limitBytes).toBe(100);
  expect(res.body.limit).toBe('limits.maxBufferedBodyBytes.form');
  expect(res.body.message).toContain('Nothing was stored');
  const view = await request(app).get('/admin/v1/accounts/gamma/buffer').set(auth).expect(200);
  expect(view.body.depth).toBe(0);
});
