// Fault: Redis unreachable in the middle of traffic and at start-up. The gateway stays up, decides from its cache,
// refuses buffered writes with 503 + Retry-After (never 202), reports not ready, and recovers by itself.
import { RedisStore } from '../../src/store/redis/redis-store';
import { ADMIN_TOKEN } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { freePort, removeDir, startRedis, type RedisProcess } from '../support/redis-server';
import { uniquePrefix } from '../support/stores';
import { startUpstream, type Upstream } from '../support/upstream';
import { admin, call, configFile, createAccount, openFds, openWindow, postForm, sleep, until } from './fault-helpers';

jest.setTimeout(40_000);

let us: Upstream;
let eu: Upstream;
const gateways: GatewayProcess[] = [];
const redises: RedisProcess[] = [];
const stores: RedisStore[] = [];

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});

afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.stop('SIGKILL')));
  await Promise.all(stores.map((s) => s.close()));
  for (const redis of redises) {
    await redis.stop('SIGKILL');
    removeDir(redis.dir);
  }
  await us.close();
  await eu.close();
});

async function gateway(redisUrl: string, prefix: string, stateCacheTtlMs: number): Promise<GatewayProcess> {
  const gw = await startGatewayProcess({
    env: {
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      UPSTREAM_US: us.url,
      UPSTREAM_EU: eu.url,
      ADMIN_TOKENS: ADMIN_TOKEN,
      GATEWAY_CONFIG: configFile({ limits: { stateCacheTtlMs } }),
    },
  });
  gateways.push(gw);
  return gw;
}

const readyz = async (gw: GatewayProcess): Promise<number> => (await call(gw, '/readyz')).status;
const upstreamOf = async (gw: GatewayProcess, accountId: string): Promise<unknown> => {
  const answer = await call(gw, `/api/contacts?portalId=${accountId}`);
  return answer.status === 200 ? answer.json().upstream : answer.status;
};

/** Moves an account to another region behind the gateway's back (another instance, as far as it knows). */
async function moveAccount(store: RedisStore, accountId: string, region: 'us' | 'eu'): Promise<void> {
  const record = await store.accounts.get(accountId);
  if (!record) throw new Error(`${accountId} is not stored`);
  const saved = await store.accounts.save(
    { ...record, settings: { ...record.settings, dataLocation: region }, updatedAt: Date.now() },
    record.version,
    { at: Date.now(), actor: 'fault-test', action: 'account.updated', detail: { dataLocation: region } },
  );
  expect(saved).toBe('ok');
}

it('keeps deciding from its cache while Redis is down mid-traffic, refuses buffered writes with 503, and recovers by itself', async () => {
  const redis = await startRedis({ appendonly: true });
  redises.push(redis);
  const prefix = uniquePrefix();
  // A short TTL: during the outage every cached entry goes stale and its refresh fails, which must not lose it.
  const ttl = 1500;
  const gw = await gateway(redis.url, prefix, ttl);
  await openWindow(gw, 'out-win');
  await createAccount(gw, 'out-free');
  expect(await upstreamOf(gw, 'out-win')).toBe(477);
  expect(await upstreamOf(gw, 'out-free')).toBe('us');
  expect((await postForm(gw, 'out-win')).status).toBe(202);
  expect(await readyz(gw)).toBe(200);
  const fdsBefore = openFds(gw.pid);

  await redis.stop('SIGKILL');
  await until('readyz turns 503', async () => (await readyz(gw)) === 503, 5000);
  const outageStarted = Date.now();
  // Past the cache TTL, so the answers below come from entries whose refresh failed.
  while (Date.now() - outageStarted < ttl + 300) {
    expect((await call(gw, '/healthz')).status).toBe(200);
    expect(await upstreamOf(gw, 'out-win')).toBe(477);
    expect(await upstreamOf(gw, 'out-free')).toBe('us');
    await sleep(100);
  }
  // Each of these waits for the store to fail (ioredis' reconnect cycle): asked together, they wait once.
  const [form, meeting, unknown, adminAccount, adminBuffer] = await Promise.all([
    postForm(gw, 'out-win'),
    call(gw, '/meetings/out-win/ada/book', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Bo"}' }),
    // An account never loaded cannot be decided: a buffered surface is refused, never acknowledged.
    postForm(gw, 'out-never-seen'),
    // The admin API cannot read anything: it says so, it does not pretend.
    admin(gw, 'GET', '/accounts/out-win'),
    admin(gw, 'GET', '/accounts/out-win/buffer'),
  ]);
  for (const refused of [form, meeting, unknown]) {
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  }
  for (const answer of [adminAccount, adminBuffer]) {
    expect(answer.status).toBe(503);
    expect(answer.json()).toMatchObject({ error: expect.anything() });
  }
  expect(await readyz(gw)).toBe(503);

  await redis.restart();
  await until('readyz back to 200', async () => (await readyz(gw)) === 200, 10_000);
  await until('buffered writes answered 202 again', async () => (await postForm(gw, 'out-win')).status === 202, 10_000);
  const buffered = await admin(gw, 'GET', '/accounts/out-win/buffer');
  // The one accepted before the outage (AOF kept it) and the one after: nothing from the outage.
  expect(buffered.json()).toMatchObject({ depth: 2 });

  // Another instance's change reaches this one through the invalidation channel again, well inside the TTL.
  const store = new RedisStore({ url: redis.url, prefix });
  stores.push(store);
  expect(await upstreamOf(gw, 'out-free')).toBe('us');
  await moveAccount(store, 'out-free', 'eu');
  const took = await until('the move propagates', async () => (await upstreamOf(gw, 'out-free')) === 'eu', ttl);
  expect(took).toBeLessThan(ttl);
  expect(gw.process.exitCode).toBeNull();
  // Reconnecting through the outage left no sockets behind.
  expect(openFds(gw.pid)).toBeLessThanOrEqual(fdsBefore + 5);
});

it('starts without Redis (healthz 200, readyz 503, buffered writes 503) and recovers when Redis comes up on its port', async () => {
  const port = await freePort();
  const prefix = uniquePrefix();
  // A TTL far longer than the test: only the invalidation channel can make the gateway see a change.
  const ttl = 60_000;
  const gw = await gateway(`redis://127.0.0.1:${port}`, prefix, ttl);
  expect((await call(gw, '/healthz')).status).toBe(200);
  expect(await readyz(gw)).toBe(503);
  const [form, other] = await Promise.all([postForm(gw, 'start-win'), upstreamOf(gw, 'start-free')]);
  expect(form.status).toBe(503);
  expect(form.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  // Unknown state and the default onStoreUnavailable ("pass"): other traffic goes to the default region.
  expect(other).toBe('us');

  const redis = await startRedis({ port });
  redises.push(redis);
  await until('readyz turns 200', async () => (await readyz(gw)) === 200, 10_000);
  await openWindow(gw, 'start-win');
  await until('buffered writes answered 202', async () => (await postForm(gw, 'start-win')).status === 202, 10_000);
  expect(await upstreamOf(gw, 'start-win')).toBe(477);

  await createAccount(gw, 'start-free');
  expect(await upstreamOf(gw, 'start-free')).toBe('us');
  const store = new RedisStore({ url: redis.url, prefix });
  stores.push(store);
  await moveAccount(store, 'start-free', 'eu');
  await until('the move propagates through the invalidation channel', async () => (await upstreamOf(gw, 'start-free')) === 'eu', 2000);
  expect(gw.process.exitCode).toBeNull();
});
