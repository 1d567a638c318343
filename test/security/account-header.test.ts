// Header trust at the edge: the account header only from configured sources, hop-by-hop headers dropped, X-Forwarded-* set.
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = NOW + 8 * 24 * H;

let us: Upstream;
let eu: Upstream;
beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});
afterAll(async () => {
  await us.close();
  await eu.close();
});

interface Running {
  app: GatewayApp;
  clock: ManualClock;
  send(
    path: string,
    headers?: OutgoingHttpHeaders,
    method?: string,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

/** A gateway on a real port (listening on IPv4 127.0.0.1, as the server does with HOST=0.0.0.0), with an account in its window. */
async function running(trustedHeaderSources: string[], host = '127.0.0.1'): Promise<Running> {
  const clock = new ManualClock(NOW);
  const app = createGateway({
    upstreams: { us: us.url, eu: eu.url },
    store: new MemoryStore(),
    clock,
    adminTokens: [ADMIN_TOKEN],
    config: { account: { trustedHeaderSources } },
  });
  await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201);
  await request(app)
    .post('/admin/v1/accounts/acme/migration')
    .set(auth)
    .send({ start: new Date(START).toISOString() })
    .expect(201);
  clock.set(START + H);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: false });
  return {
    app,
    clock,
    send: (path, headers = {}, method = 'GET') =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end();
      }),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.gateway.close();
    },
  };
}

describe('account header trust', () => {
  it('from an untrusted source: ignored for the decision and stripped before proxying', async () => {
    const gw = await running(['10.1.2.3']);
    try {
      const res = await gw.send('/api/contacts', { 'X-Account-Id': 'acme' });
      // Not believed: the request is not the account's, so it is proxied (not answered 477)...
      expect(res.status).toBe(200);
      // ...and the upstream never sees the account the client claimed.
      expect(us.requests.at(-1)?.headers['x-account-id']).toBeUndefined();
      // The path segment and the query are not headers: they still name the account.
      expect((await gw.send('/api/contacts?portalId=acme')).status).toBe(477);
    } finally {
      await gw.close();
    }
  });

  it('from a trusted source: believed, and passed to the upstream', async () => {
    const gw = await running(['127.0.0.1']);
    try {
      expect((await gw.send('/api/contacts', { 'X-Account-Id': 'acme' })).status).toBe(477);
      const res = await gw.send('/kb/article', { 'X-Account-Id': 'acme' });
      expect(res.status).toBe(200);
      expect(us.requests.at(-1)?.headers['x-account-id']).toBe('acme');
    } finally {
      await gw.close();
    }
  });

  it('a trusted IPv4 source still matches when the gateway listens dual-stack (::ffff:127.0.0.1)', async () => {
    const gw = await running(['127.0.0.1'], '::');
    try {
      expect((await gw.send('/api/contacts', { 'X-Account-Id': 'acme' })).status).toBe(477);
    } finally {
      await gw.close();
    }
  });

  it('with no sources configured, every client is believed (the documented default)', async () => {
    const gw = await running([]);
    try {
      expect((await gw.send('/api/contacts', { 'X-Account-Id': 'acme' })).status).toBe(477);
      await gw.send('/kb/x', { 'X-Account-Id': 'acme' });
      expect(us.requests.at(-1)?.headers['x-account-id']).toBe('acme');
    } finally {
      await gw.close();
    }
  });
});

describe('forwarded headers', () => {
  it('drops hop-by-hop headers, including those named in Connection', async () => {
    const gw = await running([]);
    try {
      const res = await gw.send('/kb/article', {
        Connection: 'close, x-hop-secret',
        'Keep-Alive': 'timeout=5',
        'Proxy-Authorization': 'Basic c2VjcmV0OnNlY3JldA==',
        'Proxy-Connection': 'keep-alive',
        TE: 'trailers',
        'X-Hop-Secret': 'for the next hop only',
        'X-End-To-End': 'kept',
      });
      expect(res.status).toBe(200);
      const seen = us.requests.at(-1)?.headers ?? {};
      expect(seen['x-end-to-end']).toBe('kept');
      for (const name of ['keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'x-hop-secret', 'upgrade']) {
        expect([name, seen[name]]).toEqual([name, undefined]);
      }
      // The gateway's own connection to the upstream decides its persistence, not the client's header.
      expect(seen.connection ?? '').not.toMatch(/close|x-hop-secret/i);
    } finally {
      await gw.close();
    }
  });

  it('does not forward an Upgrade the gateway does not handle', async () => {
    const gw = await running([]);
    try {
      await gw.send('/kb/article', { Upgrade: 'h2c' });
      expect(us.requests.at(-1)?.headers.upgrade).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('sets X-Forwarded-For (appending the client), -Proto and -Host (the gateway’s own view)', async () => {
    const gw = await running([]);
    try {
      await gw.send('/kb/article', { Host: 'help.acme.example' });
      let seen = us.requests.at(-1)?.headers ?? {};
      expect(seen['x-forwarded-for']).toMatch(/(^|, ?)(::ffff:)?127\.0\.0\.1$/);
      expect(seen['x-forwarded-proto']).toBe('http');
      expect(seen['x-forwarded-host']).toBe('help.acme.example');
      // A client cannot pass itself off as another host or scheme; a chain it claims is kept but the real peer is last.
      await gw.send('/kb/article', {
        Host: 'help.acme.example',
        'X-Forwarded-For': '203.0.113.9',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'https',
      });
      seen = us.requests.at(-1)?.headers ?? {};
      expect(seen['x-forwarded-for']).toMatch(/^203\.0\.113\.9, ?(::ffff:)?127\.0\.0\.1$/);
      expect(seen['x-forwarded-host']).toBe('help.acme.example');
      expect(seen['x-forwarded-proto']).toBe('http');
    } finally {
      await gw.close();
    }
  });
});
