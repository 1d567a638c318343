// Forwarding fidelity (SPEC §8): route rewrite, preserveHost, upstream links and cookies pointed back at the gateway.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { defaultRoutes } from '../../src/config/load';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountWithMigration } from '../support/accounts';

const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

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
beforeEach(() => {
  us.requests.length = 0;
  us.setHandler(undefined);
});

function gateway(config: Parameters<typeof createGateway>[0] = {}): GatewayApp {
  return createGateway({
    upstreams: { us: us.url, eu: eu.url },
    store: new MemoryStore(),
    clock: new ManualClock(NOW),
    adminTokens: [ADMIN_TOKEN],
    parts: {},
    ...config,
  });
}

describe('route rewrite', () => {
  it('forwards /api/:accountId/** as /api/** with the query byte for byte', async () => {
    const app = gateway({ config: { routes: [{ path: '/api/:accountId/**', rewrite: '/api/**', surface: 'api' }, ...defaultRoutes()] } });
    await request(app).get('/api/acme/contacts/v1/42?properties=a%2Cb&x=1').expect(200);
    expect(us.requests.map((r) => r.url)).toEqual(['/api/contacts/v1/42?properties=a%2Cb&x=1']);
  });

  it('still decides on the account the path named: in its window the call gets 477 and never reaches the upstream', async () => {
    const clock = new ManualClock(NOW);
    const app = createGateway({
      upstreams: { us: us.url, eu: eu.url },
      store: new MemoryStore(),
      clock,
      adminTokens: [ADMIN_TOKEN],
      parts: {},
      config: { routes: [{ path: '/api/:accountId/**', rewrite: '/api/**', surface: 'api' }] },
    });
    await accountWithMigration(app, 'acme', NOW + 8 * 24 * H);
    clock.set(NOW + 8 * 24 * H + H);
    await request(app).get('/api/acme/contacts').expect(477);
    expect(us.requests).toEqual([]);
  });

  it('refuses a rewrite naming a parameter the path does not have, at start-up', () => {
    expect(() => gateway({ config: { routes: [{ path: '/api/**', rewrite: '/v2/:accountId/**', surface: 'api' }] } })).toThrow(
      "routes.0.rewrite: names :accountId, which the route's path does not have",
    );
  });
});

describe('Host at the upstream', () => {
  it("gives the upstream its own host by default and the client's with preserveHost", async () => {
    await request(gateway()).get('/kb/a').set('Host', 'help.acme.com').expect(200);
    expect(us.requests[0]?.headers.host).toBe(`127.0.0.1:${us.port}`);
    us.requests.length = 0;
    await request(gateway({ upstreams: undefined, config: { upstreams: { us: { url: us.url, preserveHost: true }, eu: eu.url } } }))
      .get('/kb/a')
      .set('Host', 'help.acme.com')
      .expect(200);
    expect(us.requests[0]?.headers.host).toBe('help.acme.com');
  });
});

describe('links and cookies naming the upstream', () => {
  async function listen(app: GatewayApp): Promise<{ port: number; close(): Promise<void> }> {
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it("rewrites Location and Content-Location on the upstream's origin to the origin the client used", async () => {
    us.setHandler((_r, res) => {
      res.writeHead(201, { location: `${us.url}/posts/2?x=1`, 'content-location': `${us.url}/posts/2`, 'content-length': 0 });
      res.end();
    });
    const server = await listen(gateway());
    try {
      const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: server.port, path: '/pages/posts', method: 'POST', headers: { host: 'www.acme.com' } },
          (res) => {
            expect(res.statusCode).toBe(201);
            res.resume();
            resolve(res.headers);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(headers.location).toBe('http://www.acme.com/posts/2?x=1');
      expect(headers['content-location']).toBe('http://www.acme.com/posts/2');
    } finally {
      await server.close();
    }
  });

  it('leaves relative links and links to other sites alone', async () => {
    us.setHandler((_r, res) => {
      res.writeHead(302, { location: 'https://login.example.com/sso', 'content-location': '/posts/2', 'content-length': 0 });
      res.end();
    });
    const res = await request(gateway()).get('/pages/a').set('Host', 'www.acme.com').expect(302);
    expect(res.headers.location).toBe('https://login.example.com/sso');
    expect(res.headers['content-location']).toBe('/posts/2');
  });

  it("drops a Set-Cookie Domain naming the upstream's host and keeps other cookies as they are", async () => {
    us.setHandler((_r, res) => {
      res.writeHead(200, {
        'set-cookie': [
          'sid=1; Domain=127.0.0.1; Path=/; HttpOnly',
          'pref=2; Domain=.127.0.0.1; Path=/',
          'other=3; Domain=acme.com; Path=/',
        ],
        'content-length': 0,
      });
      res.end();
    });
    const res = await request(gateway()).get('/app/home').set('Host', 'app.acme.com').expect(200);
    expect(res.headers['set-cookie']).toEqual(['sid=1; Path=/; HttpOnly', 'pref=2; Path=/', 'other=3; Domain=acme.com; Path=/']);
  });
});

describe('the resolveAccount hook', () => {
  it('decides for the account the hook names when no source names one', async () => {
    const clock = new ManualClock(NOW);
    const app = createGateway({
      upstreams: { us: us.url, eu: eu.url },
      store: new MemoryStore(),
      clock,
      adminTokens: [ADMIN_TOKEN],
      parts: {},
      resolveAccount: (req) => (req.headers['x-introspected'] === 'yes' ? 'acme' : null),
    });
    await accountWithMigration(app, 'acme', NOW + 8 * 24 * H);
    clock.set(NOW + 8 * 24 * H + H);
    await request(app).get('/api/contacts').set('x-introspected', 'yes').expect(477);
    await request(app).get('/api/contacts').expect(200);
    expect(us.requests.map((r) => r.path)).toEqual(['/api/contacts']);
  });
});
