// A migration walked end to end with real processes: two gateways, two upstreams, a redis-server.
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { startUpstream, type Upstream } from '../support/upstream';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

jest.setTimeout(60_000);

let us: Upstream;
let eu: Upstream;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
  const env = {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: uniquePrefix(),
    UPSTREAM_US: us.url,
    UPSTREAM_EU: eu.url,
    ADMIN_TOKENS: ADMIN_TOKEN,
  };
  [a, b] = await Promise.all([startGatewayProcess({ env }), startGatewayProcess({ env })]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await us.close();
  await eu.close();
});

async function call(
  gw: GatewayProcess,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const res = await fetch(gw.url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const admin = (gw: GatewayProcess, method: string, path: string, body?: unknown) =>
  call(gw, `/admin/v1${path}`, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Polls until the check passes; returns the milliseconds it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

it('walks a migration: every surface as SPEC §4 says in the window, then the EU upstream', async () => {
  expect((await admin(a, 'PUT', '/accounts/walk', accountSettings({ contactName: 'Grace <Hopper>' }))).status).toBe(201);
  const start = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
  const scheduled = await admin(a, 'POST', '/accounts/walk/migration', { start, target: 'eu' });
  expect(scheduled.status).toBe(201);

  // Before the window both instances proxy to the US upstream.
  expect((await call(b, '/api/contacts?portalId=walk')).json()).toMatchObject({ upstream: 'us' });

  // The engine starts early (an emergency window) through instance A; instance B obeys within 100 ms.
  expect((await admin(a, 'POST', '/accounts/walk/migration/start')).status).toBe(200);
  const propagation = await within(100, async () => (await call(b, '/api/contacts?portalId=walk')).status === 477);
  expect(propagation).toBeLessThanOrEqual(100);

  const api = await call(b, '/api/contacts', { headers: { 'x-account-id': 'walk' } });
  expect(api.status).toBe(477);
  expect(api.json()).toMatchObject({ status: 'error', category: 'ACCOUNT_MIGRATION_IN_PROGRESS' });
  // Started 8 days early: the expected end is 36 h away, so Retry-After is the 900 s cap (SPEC §10).
  expect(api.headers.get('retry-after')).toBe('900');

  const doc = await call(b, '/documents/q1?portalId=walk', { headers: { accept: 'text/html' } });
  expect(doc.status).toBe(503);
  expect(doc.text).toContain('This document is temporarily unavailable due to scheduled system updates.');

  const appPage = await call(b, '/app/home?portalId=walk', { headers: { accept: 'text/html' } });
  expect(appPage.status).toBe(503);
  expect(appPage.text).toContain('Data migration in progress');
  expect(appPage.text).toContain('Grace &lt;Hopper&gt;');

  expect((await call(b, '/kb/how-to?portalId=walk')).status).toBe(200);
  expect((await call(b, '/pages/home?portalId=walk')).status).toBe(200);
  const edit = await call(b, '/pages/home?portalId=walk', { method: 'PUT', body: '{}' });
  expect(edit.status).toBe(503);
  expect(edit.text).toContain('Changes cannot be saved until the data migration is done');

  expect((await call(b, '/portal/tickets?portalId=walk')).status).toBe(200);
  const reply = await call(b, '/portal/tickets/7/messages?portalId=walk', { method: 'POST', body: '{}' });
  expect(reply.status).toBe(503);
  expect(reply.text).toContain('scheduled maintenance');

  expect((await call(b, '/chat/widget.js?portalId=walk')).status).toBe(204);
  const imports = await call(b, '/imports/contacts?portalId=walk', { method: 'POST', body: '{}' });
  expect(imports.status).toBe(503);
  expect(imports.text).toContain('Imports are unavailable until the data migration is done');

  const form = await call(b, '/forms/walk/f1', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: 'email=a%40b.test',
  });
  expect(form.status).toBe(202);
  expect(form.text).toContain(
    'Your response has been submitted. Due to system maintenance, it may take up to a day to complete processing.',
  );
  const meeting = await call(a, '/meetings/walk/ada/book', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"Bo","email":"bo@example.test"}',
  });
  expect(meeting.status).toBe(202);
  expect(meeting.json().id).toEqual(expect.any(String));
  expect(
    (
      await call(b, '/webhooks/payments?portalId=walk', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"event":"paid"}',
      })
    ).status,
  ).toBe(202);
  expect(
    (
      await call(a, '/analytics/collect?portalId=walk', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"view":"/pages/home"}',
      })
    ).status,
  ).toBe(202);
  const buffered = eu.requests.length + us.requests.filter((r) => r.path.startsWith('/forms/walk')).length;
  expect(buffered).toBe(0);

  // Completion through instance B: instance A sends the account to the EU upstream.
  expect((await admin(b, 'POST', '/accounts/walk/migration/complete')).status).toBe(200);
  await within(100, async () => {
    const res = await call(a, '/api/contacts?portalId=walk');
    return res.status === 200 && res.json().upstream === 'eu';
  });
  // Everything buffered in the window is replayed to the EU upstream, in arrival order, with an Idempotency-Key.
  await within(10_000, async () => eu.requests.filter((r) => r.headers['idempotency-key']).length >= 3);
  const replayed = eu.requests.filter((r) => r.headers['idempotency-key']);
  // SPEC §9: the meeting request is emailed to its owner, never replayed to the booking endpoint.
  expect(replayed.map((r) => r.path)).toEqual(['/forms/walk/f1', '/webhooks/payments', '/analytics/collect']);
  expect(replayed[0]?.body.toString()).toBe('email=a%40b.test');
  expect(replayed[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  const shown = (await admin(a, 'GET', '/accounts/walk')).json();
  expect(shown).toMatchObject({ dataLocation: 'eu', migration: { status: 'completed' } });
  expect((shown.audit as { action: string }[]).map((entry) => entry.action)).toEqual(
    expect.arrayContaining(['account.created', 'migration.scheduled', 'migration.started', 'migration.completed']),
  );
});

it('propagates a state change to the other instance cache within 100 ms (median of 20), never by waiting for the TTL', async () => {
  expect((await admin(a, 'PUT', '/accounts/flip', accountSettings())).status).toBe(201);
  await admin(a, 'POST', '/accounts/flip/migration', { start: new Date(Date.now() + 8 * 24 * 3600_000).toISOString() });
  expect((await admin(a, 'POST', '/accounts/flip/migration/start')).status).toBe(200);
  const contactOnB = async (): Promise<unknown> => (await call(b, '/app/home?portalId=flip')).json().contactName;
  // Warm instance B's cache: from here on B answers from memory and only the invalidation can change its mind.
  await within(2_000, async () => (await contactOnB()) === 'Ada Lovelace');
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const contactName = `Contact ${i}`;
    expect((await admin(a, 'PUT', '/accounts/flip', accountSettings({ contactName }))).status).toBe(200);
    samples.push(await within(2_000, async () => (await contactOnB()) === contactName));
  }
  samples.sort((x, y) => x - y);
  // Each sample includes the polling requests' own round trips on a shared 2-core machine; the median is
  // the propagation, and even the slowest stays far below the 5 s cache TTL (so the message did the work).
  console.log(`propagation ms: median ${samples[10]}, max ${samples[19]}`);
  expect(samples[10]).toBeLessThanOrEqual(100);
  expect(samples[19]).toBeLessThan(1_000);
});
