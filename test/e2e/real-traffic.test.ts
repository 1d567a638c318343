// Real traffic end to end (issue 10): accounts named by custom domains and API tokens, two gateway processes, real Redis.
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { startUpstream, type Upstream } from '../support/upstream';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

jest.setTimeout(60_000);

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const OTHER_TOKEN = 'pat-eu1-99999999-8888-7777-6666-555555555555';

let us: Upstream;
let eu: Upstream;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
  // The shipped route table, with both upstreams receiving the client's Host (they serve many customer domains).
  const config = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'config', 'default.json'), 'utf8')) as Record<string, unknown>;
  config.upstreams = { us: { url: us.url, preserveHost: true }, eu: { url: eu.url, preserveHost: true } };
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mg-traffic-')), 'gateway.json');
  writeFileSync(file, JSON.stringify(config));
  const env = {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: uniquePrefix(),
    ADMIN_TOKENS: ADMIN_TOKEN,
    GATEWAY_CONFIG: file,
    UPSTREAM_US: undefined,
    UPSTREAM_EU: undefined,
  };
  [a, b] = await Promise.all([startGatewayProcess({ env }), startGatewayProcess({ env })]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await us.close();
  await eu.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with headers fetch will not send as given (Host). */
function send(gw: GatewayProcess, method: string, target: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: gw.port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function admin(
  gw: GatewayProcess,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}/admin/v1${route}`, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

it('recognises an account by its domains and its token through the window and after, on both instances', async () => {
  expect((await admin(a, 'PUT', '/accounts/acme', accountSettings({ domains: ['help.acme.com', '*.acme-pages.com'] }))).status).toBe(201);
  const registered = await admin(a, 'POST', '/accounts/acme/api-tokens', { token: TOKEN, label: 'crm client' });
  expect(registered.status).toBe(201);
  expect(registered.json).toMatchObject({ label: 'crm client' });
  expect(registered.json.id).toMatch(/^[0-9a-f]{12}$/);

  const start = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
  expect((await admin(a, 'POST', '/accounts/acme/migration', { start, target: 'eu' })).status).toBe(201);
  expect((await admin(a, 'POST', '/accounts/acme/migration/start')).status).toBe(200);

  for (const gw of [a, b]) {
    for (const host of ['help.acme.com', 'Docs.ACME-pages.com:443']) {
      const doc = await send(gw, 'GET', '/documents/q1', { host, accept: 'text/html' });
      expect(doc.status).toBe(503);
      expect(doc.body).toContain('This document is temporarily unavailable due to scheduled system updates.');
      const kb = await send(gw, 'GET', '/kb/how-to', { host });
      expect(kb.status).toBe(200);
    }
    // A token-only API call, as the official CRM client sends it.
    const api = await send(gw, 'GET', '/api/crm/v3/objects/contacts', { authorization: `Bearer ${TOKEN}`, host: 'api.crm.test' });
    expect(api.status).toBe(477);
    expect(JSON.parse(api.body)).toMatchObject({ status: 'error', category: 'ACCOUNT_MIGRATION_IN_PROGRESS' });
  }
  // The knowledge base reached the US upstream with the client's Host; no API call or document reached it.
  const kbHosts = us.requests.filter((r) => r.path === '/kb/how-to').map((r) => r.headers.host);
  expect(kbHosts).toEqual(['help.acme.com', 'Docs.ACME-pages.com:443', 'help.acme.com', 'Docs.ACME-pages.com:443']);
  expect(us.requests.filter((r) => r.path.startsWith('/api/') || r.path.startsWith('/documents/'))).toEqual([]);

  // An unknown token names no account: proxied unchanged to the default region.
  const unknown = await send(b, 'GET', '/api/crm/v3/objects/contacts', { authorization: 'Bearer not-a-registered-token-000' });
  expect(unknown.status).toBe(200);
  expect(JSON.parse(unknown.body)).toMatchObject({ upstream: 'us' });

  // After completion the same token call and the same Host reach the EU upstream.
  expect((await admin(a, 'POST', '/accounts/acme/migration/complete')).status).toBe(200);
  await within(
    1000,
    async () => (await send(b, 'GET', '/api/crm/v3/objects/contacts', { authorization: `Bearer ${TOKEN}` })).status === 200,
  );
  for (const gw of [a, b]) {
    const api = await send(gw, 'GET', '/api/crm/v3/objects/contacts', { authorization: `Bearer ${TOKEN}` });
    expect(JSON.parse(api.body)).toMatchObject({ upstream: 'eu' });
    const doc = await send(gw, 'GET', '/documents/q1', { host: 'help.acme.com' });
    expect(JSON.parse(doc.body)).toMatchObject({ upstream: 'eu', path: '/documents/q1' });
  }
  expect(eu.requests.filter((r) => r.path === '/documents/q1').map((r) => r.headers.host)).toEqual(['help.acme.com', 'help.acme.com']);
});

it('obeys a token registered through one instance on the other within 100 ms', async () => {
  expect((await admin(a, 'PUT', '/accounts/globex', accountSettings())).status).toBe(201);
  expect(
    (await admin(a, 'POST', '/accounts/globex/migration', { start: new Date(Date.now() + 8 * 24 * 3600_000).toISOString(), target: 'eu' }))
      .status,
  ).toBe(201);
  expect((await admin(a, 'POST', '/accounts/globex/migration/start')).status).toBe(200);
  // Instance B has seen the token as unknown (proxied) before it is registered.
  expect((await send(b, 'GET', '/api/x', { authorization: `Bearer ${OTHER_TOKEN}` })).status).toBe(200);
  expect((await admin(a, 'POST', '/accounts/globex/api-tokens', { token: OTHER_TOKEN })).status).toBe(201);
  // From the moment the registration is acknowledged, B must answer for the account within 100 ms.
  const took = await within(100, async () => (await send(b, 'GET', '/api/x', { authorization: `Bearer ${OTHER_TOKEN}` })).status === 477);
  expect(took).toBeLessThanOrEqual(100);
});

it('refuses a Host and a token that name different accounts', async () => {
  const res = await send(a, 'GET', '/kb/a', { host: 'help.acme.com', authorization: `Bearer ${OTHER_TOKEN}` });
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toMatchObject({ category: 'AMBIGUOUS_ACCOUNT' });
});
