// One canonical path: dot segments, repeated slashes and absolute-form targets cannot slip past the route table.
import net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { normalizeTarget } from '../../src/security/request-target';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = NOW + 8 * 24 * H;

describe('normalizeTarget', () => {
  it.each([
    ['/api/contacts?portalId=acme', '/api/contacts?portalId=acme'],
    ['/kb/../api/contacts?x=../y', '/api/contacts?x=../y'],
    ['/kb/%2e%2e/api/contacts', '/api/contacts'],
    ['/kb/.%2E/api', '/api'],
    ['//api/contacts', '/api/contacts'],
    ['/./api//contacts', '/api/contacts'],
    ['/kb\\..\\api\\contacts', '/api/contacts'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a..b/c...', '/a..b/c...'],
    ['/a%2fb', '/a%2fb'],
    ['/files/a%2Fb.txt', '/files/a%2Fb.txt'],
    ['/kb/..%2Fapi/contacts', null],
    ['/kb/..%2fapi', null],
    ['/kb/%2e%2e%5capi', null],
    ['/%2Fapi/contacts', null],
    ['http://evil.example/api/contacts?portalId=acme', null],
    ['HTTPS://evil.example/admin/v1/accounts/acme', null],
    ['*', null],
    ['ftp://x/y', null],
    ['api/contacts', null],
  ])('%s → %s', (target, expected) => {
    expect(normalizeTarget(target)).toBe(expected);
  });
});

describe('through the gateway, in the window', () => {
  let us: Upstream;
  let app: GatewayApp;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    us = await startUpstream({ name: 'us' });
    const clock = new ManualClock(NOW);
    app = createGateway({ upstreams: { us: us.url, eu: us.url }, store: new MemoryStore(), clock, adminTokens: [ADMIN_TOKEN] });
    await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201);
    await request(app)
      .post('/admin/v1/accounts/acme/migration')
      .set(auth)
      .send({ start: new Date(START).toISOString() })
      .expect(201);
    clock.set(START + H);
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.gateway.close();
    await us.close();
  });

  /** Raw bytes: HTTP clients normalize or refuse these targets themselves. */
  function raw(target: string, headers = ''): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        const text = Buffer.concat(chunks).toString();
        const head = text.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(text)?.[1];
        if (head >= 0 && length !== undefined && text.length >= head + 4 + Number(length)) socket.end();
      });
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
      });
      socket.write(`GET ${target} HTTP/1.1\r\nHost: gw.example\r\nConnection: close\r\n${headers}\r\n`);
    });
  }

  it.each([
    '/kb/../api/contacts?portalId=acme',
    '/kb/%2e%2e/api/contacts?portalId=acme',
    '//api/contacts?portalId=acme',
    '/./api/contacts?portalId=acme',
  ])('%s is the API: 477, and the upstream never sees it', async (target) => {
    const before = us.requests.length;
    const res = await raw(target);
    expect(res.status).toBe(477);
    expect(res.text).toContain('ACCOUNT_MIGRATION_IN_PROGRESS');
    expect(us.requests.length).toBe(before);
  });

  it.each([
    'http://evil.example/api/contacts?portalId=acme',
    'http://evil.example/admin/v1/accounts/acme',
    'http://evil.example/forms/acme/f1',
  ])(
    'refuses the absolute form %s (400): it is neither proxied past the window nor to the upstream with an admin token',
    async (target) => {
      const before = us.requests.length;
      const res = await raw(target, `Authorization: Bearer ${ADMIN_TOKEN}\r\n`);
      expect(res.status).toBe(400);
      expect(res.text).toContain('BAD_REQUEST_TARGET');
      expect(us.requests.length).toBe(before);
    },
  );

  it('forwards the path it decided on', async () => {
    const res = await raw('/kb/./guides//setup?portalId=acme');
    expect(res.status).toBe(200);
    expect(us.requests.at(-1)?.url).toBe('/kb/guides/setup?portalId=acme');
  });

  it('refuses a target that is not a path (400)', async () => {
    const res = await raw('*');
    expect(res.status).toBe(400);
  });
});
