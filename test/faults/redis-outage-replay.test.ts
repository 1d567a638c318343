// Fault: Redis (AOF) dies in the middle of a replay. The replay stalls without crashing or losing anything, and
// once Redis is back it goes on by itself: every acknowledged item delivered, in order, duplicates with the same key.
import { ADMIN_TOKEN } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { removeDir, startRedis, type RedisProcess } from '../support/redis-server';
import { uniquePrefix } from '../support/stores';
import { handlers, startUpstream, type Upstream } from '../support/upstream';
import { checkAtLeastOnceInOrder, deliveries, distinctDelivered, storeOrder, submitAll, type Submission } from '../e2e/buffer-helpers';
import { admin, call, closeWindow, openWindow, sleep, until } from './fault-helpers';

jest.setTimeout(40_000);

let us: Upstream;
let eu: Upstream;
let redis: RedisProcess;
let gw: GatewayProcess | undefined;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
  redis = await startRedis({ appendonly: true });
});

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await redis.stop('SIGKILL');
  removeDir(redis.dir);
  await us.close();
  await eu.close();
});

it('goes on with a replay interrupted by a Redis outage, losing nothing', async () => {
  gw = await startGatewayProcess({
    env: {
      REDIS_URL: redis.url,
      REDIS_PREFIX: uniquePrefix(),
      UPSTREAM_US: us.url,
      UPSTREAM_EU: eu.url,
      ADMIN_TOKENS: ADMIN_TOKEN,
      REPLAY_POLL_INTERVAL_MS: '100',
      REPLAY_RECHECK_MS: '100',
      REPLAY_LEASE_TTL_MS: '1500',
      REPLAY_BACKOFF_BASE_MS: '20',
      REPLAY_BACKOFF_MAX_MS: '200',
      REPLAY_MAX_ATTEMPTS: '1000',
    },
  });
  const gateway = gw;
  const accounts = ['rr-a', 'rr-b'];
  for (const id of accounts) await openWindow(gateway, id);
  const submissions: Submission[] = Array.from({ length: 300 }, (_, i) => ({ accountId: accounts[i % 2], n: Math.floor(i / 2) }));
  const ids = await submitAll(gateway.url, submissions, 16);

  eu.setHandler(handlers.delay(5, handlers.reply(200, 'ok')));
  for (const id of accounts) await closeWindow(gateway, id);
  await until('part of the replay done', () => distinctDelivered(eu) >= 60, 15_000, 5);
  await redis.stop('SIGKILL');
  const atOutage = distinctDelivered(eu);
  expect(atOutage).toBeLessThan(300);
  await sleep(1000);
  expect((await call(gateway, '/healthz')).status).toBe(200);

  await redis.restart();
  await until('every item delivered', () => distinctDelivered(eu) === 300, 25_000, 50);
  const { duplicates } = checkAtLeastOnceInOrder(deliveries(eu.requests), storeOrder(submissions, ids));
  // At most the items in flight when Redis died (delivered, not yet acknowledged) come twice.
  expect(duplicates).toBeLessThanOrEqual(10);
  for (const id of accounts) {
    await until(`${id} drained`, async () => (await admin(gateway, 'GET', `/accounts/${id}/buffer`)).json().depth === 0, 5000, 100);
  }
  expect(gateway.process.exitCode).toBeNull();
});
