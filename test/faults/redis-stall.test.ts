// Fault: Redis stops answering without closing its connections (SIGSTOP: a hung server or a black-holed network).
// No connection error ever tells the gateway: command timeouts must, so buffered writes get 503, never 202 or a hang.
import { ADMIN_TOKEN } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { removeDir, startRedis, type RedisProcess } from '../support/redis-server';
import { uniquePrefix } from '../support/stores';
import { startUpstream, type Upstream } from '../support/upstream';
import { admin, call, openWindow, postForm, until } from './fault-helpers';

jest.setTimeout(40_000);

let us: Upstream;
let eu: Upstream;
let redis: RedisProcess;
let gw: GatewayProcess | undefined;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
  redis = await startRedis();
});

afterAll(async () => {
  redis.process.kill('SIGCONT');
  await gw?.stop('SIGKILL');
  await redis.stop('SIGKILL');
  removeDir(redis.dir);
  await us.close();
  await eu.close();
});

it('answers 503 to buffered writes while Redis hangs, keeps deciding from its cache, and recovers when it answers again', async () => {
  gw = await startGatewayProcess({
    env: { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix(), UPSTREAM_US: us.url, UPSTREAM_EU: eu.url, ADMIN_TOKENS: ADMIN_TOKEN },
  });
  const gateway = gw;
  await openWindow(gateway, 'stall-win');
  expect((await call(gateway, '/api/x?portalId=stall-win')).status).toBe(477);
  expect((await postForm(gateway, 'stall-win', 'n=before')).status).toBe(202);

  redis.process.kill('SIGSTOP');
  try {
    const started = Date.now();
    const [form, ready, health, api] = await Promise.all([
      postForm(gateway, 'stall-win', 'n=during'),
      call(gateway, '/readyz'),
      call(gateway, '/healthz'),
      call(gateway, '/api/x?portalId=stall-win'),
    ]);
    expect(form.status).toBe(503);
    expect(form.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // Bounded by the store's command timeout, well inside any client's patience.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(ready.status).toBe(503);
    expect(health.status).toBe(200);
    expect(api.status).toBe(477);
  } finally {
    redis.process.kill('SIGCONT');
  }

  await until('readyz back to 200', async () => (await call(gateway, '/readyz')).status === 200, 10_000);
  expect((await postForm(gateway, 'stall-win', 'n=after')).status).toBe(202);
  // A write that timed out may still have landed once Redis woke up (the client was told 503 and may retry:
  // at least once, never lost); the acknowledged ones are certainly there.
  const depth = Number((await admin(gateway, 'GET', '/accounts/stall-win/buffer')).json().depth);
  expect(depth).toBeGreaterThanOrEqual(2);
  expect(depth).toBeLessThanOrEqual(3);
  expect(gateway.process.exitCode).toBeNull();
});
