// Fault: SIGTERM. The server stops accepting, finishes what is in flight, releases replay leases and exits 0 within
// SHUTDOWN_GRACE_MS; a request (or a replay) hanging past the grace period does not keep the process alive.
import http from 'node:http';
import { RedisStore } from '../../src/store/redis/redis-store';
import { ADMIN_TOKEN } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { removeDir, startRedis } from '../support/redis-server';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { handlers, startUpstream, type Upstream, type UpstreamHandler } from '../support/upstream';
import { call, closeWindow, openWindow, postForm, until } from './fault-helpers';

jest.setTimeout(40_000);

let us: Upstream;
let eu: Upstream;
const gateways: GatewayProcess[] = [];
const stores: RedisStore[] = [];

beforeEach(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gw) => gw.stop('SIGKILL')));
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await us.close();
  await eu.close();
});

async function gateway(prefix: string, graceMs: number, extra: Record<string, string> = {}): Promise<GatewayProcess> {
  const gw = await startGatewayProcess({
    env: {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: prefix,
      UPSTREAM_US: us.url,
      UPSTREAM_EU: eu.url,
      ADMIN_TOKENS: ADMIN_TOKEN,
      SHUTDOWN_GRACE_MS: String(graceMs),
      REPLAY_POLL_INTERVAL_MS: '50',
      REPLAY_RECHECK_MS: '100',
      REPLAY_LEASE_TTL_MS: '60000',
      ...extra,
    },
  });
  gateways.push(gw);
  return gw;
}

interface Finished {
  status: number | null;
  body: string;
  error: string | null;
}

/** A request on its own connection; resolves with its answer or the error that ended it. */
function slowRequest(url: string): Promise<Finished> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? null, body, error: res.complete ? null : 'incomplete' }));
      res.on('error', (error) => resolve({ status: res.statusCode ?? null, body, error: error.message }));
    });
    req.on('error', (error) => resolve({ status: null, body: '', error: error.message }));
  });
}

/** Only replayed forms answer slowly (the account's traffic elsewhere stays quick). */
function slowReplays(then: UpstreamHandler): UpstreamHandler {
  const quick = handlers.reply(200, { upstream: 'eu' });
  return (request, res, req) => (request.headers['idempotency-key'] ? then(request, res, req) : quick(request, res, req));
}

it('finishes the request in flight, refuses new connections, releases replay leases and exits 0 within the grace period', async () => {
  const prefix = uniquePrefix();
  const graceMs = 6000;
  const gw = await gateway(prefix, graceMs);
  await openWindow(gw, 'term-a');
  for (let i = 0; i < 10; i++) expect((await postForm(gw, 'term-a', `n=${i}`)).status).toBe(202);

  // A replay under way: every replayed item takes 600 ms at the EU upstream.
  eu.setHandler(slowReplays(handlers.delay(600, handlers.reply(200, 'ok'))));
  await closeWindow(gw, 'term-a');
  await until('replay under way', () => eu.requests.some((r) => r.headers['idempotency-key'] !== undefined), 5000);

  // A keep-alive connection idle at SIGTERM must not hold the server open.
  const idleAgent = new http.Agent({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    http.get(`${gw.url}/healthz`, { agent: idleAgent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });

  // A slow request in flight at SIGTERM.
  us.setHandler(handlers.delay(1000, handlers.reply(200, { upstream: 'us', slow: true })));
  const inFlight = slowRequest(`${gw.url}/documents/slow`);
  await until('slow request reached the upstream', () => us.requests.some((r) => r.path === '/documents/slow'), 5000);

  const signalled = Date.now();
  gw.kill('SIGTERM');
  await gw.waitForLog((l) => l.json?.msg?.toString().startsWith('shutting down') === true, 2000);
  await expect(call(gw, '/healthz')).rejects.toThrow();

  const finished = await inFlight;
  expect(finished).toMatchObject({ status: 200, error: null });
  expect(JSON.parse(finished.body)).toEqual({ upstream: 'us', slow: true });

  const code = await gw.exited;
  const took = Date.now() - signalled;
  expect(code).toBe(0);
  expect(took).toBeLessThan(graceMs);
  idleAgent.destroy();

  // The lease is released, not left to expire (its TTL is a minute): the next instance goes on at once.
  const store = new RedisStore({ url: testRedisUrl(), prefix });
  stores.push(store);
  const stats = await store.buffer.stats('term-a');
  expect(stats.lease).toBeNull();
  expect(stats.depth + stats.replayed).toBe(10);
  expect(gw.logs.some((l) => l.json?.msg === 'stopped')).toBe(true);
});

it('does not stay alive for a request or a replay hanging past the grace period', async () => {
  const prefix = uniquePrefix();
  const graceMs = 1000;
  const gw = await gateway(prefix, graceMs);
  await openWindow(gw, 'term-hang');
  expect((await postForm(gw, 'term-hang')).status).toBe(202);
  eu.setHandler(slowReplays(handlers.hang()));
  await closeWindow(gw, 'term-hang');
  await until('replay under way', () => eu.requests.some((r) => r.headers['idempotency-key'] !== undefined), 5000);

  us.setHandler(handlers.hang());
  const hanging = slowRequest(`${gw.url}/documents/hang`);
  await until('hanging request reached the upstream', () => us.requests.some((r) => r.path === '/documents/hang'), 5000);

  const signalled = Date.now();
  gw.kill('SIGTERM');
  const code = await gw.exited;
  const took = Date.now() - signalled;
  expect(code).toBe(0);
  expect(took).toBeGreaterThanOrEqual(graceMs - 50);
  // Soon after the grace: not after the replayer's own stop grace (5 s) or the upstream timeout (30 s).
  expect(took).toBeLessThan(graceMs + 2500);
  // The client is told, by a closed connection, that its request did not complete.
  expect((await hanging).error).not.toBeNull();
  // The hanging replay was cut off and its lease released: the item waits for the next instance.
  const store = new RedisStore({ url: testRedisUrl(), prefix });
  stores.push(store);
  expect(await store.buffer.stats('term-hang')).toMatchObject({ lease: null, depth: 1 });
});

it('exits 0 within the grace period while Redis is down', async () => {
  const redis = await startRedis();
  try {
    const graceMs = 5000;
    const gw = await gateway(uniquePrefix(), graceMs, { REDIS_URL: redis.url });
    await openWindow(gw, 'term-down');
    expect((await postForm(gw, 'term-down')).status).toBe(202);
    await redis.stop('SIGKILL');
    await until('the gateway noticed', async () => (await call(gw, '/readyz')).status === 503, 5000);
    const signalled = Date.now();
    gw.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(graceMs);
  } finally {
    await redis.stop('SIGKILL');
    removeDir(redis.dir);
  }
});
