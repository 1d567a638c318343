// Fault: a gateway on Redis Cluster (REDIS_CLUSTER=1) started before any node answers, and later losing every node.
// It stays up, refuses buffered writes with 503 in bounded time (never a hang), and recovers by itself.
import { RedisStore } from '../../src/store/redis/redis-store';
import { ADMIN_TOKEN } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { uniquePrefix } from '../support/stores';
import { startUpstream, type Upstream } from '../support/upstream';
import { call, createAccount, openWindow, postForm, until } from './fault-helpers';
import { clusterPorts, requireRedisCli, seedsOf, startLocalCluster, waitForClusterOk, type LocalCluster } from './local-cluster';

jest.setTimeout(40_000);

let us: Upstream;
let eu: Upstream;
let gw: GatewayProcess | undefined;
let cluster: LocalCluster | undefined;
let store: RedisStore | undefined;

beforeAll(async () => {
  requireRedisCli();
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await store?.close();
  await cluster?.stop();
  await us.close();
  await eu.close();
});

it('starts without its cluster, survives losing every node mid-traffic, and recovers by itself each time', async () => {
  const ports = await clusterPorts();
  const prefix = uniquePrefix();
  gw = await startGatewayProcess({
    env: {
      REDIS_URL: seedsOf(ports),
      REDIS_CLUSTER: '1',
      REDIS_PREFIX: prefix,
      UPSTREAM_US: us.url,
      UPSTREAM_EU: eu.url,
      ADMIN_TOKENS: ADMIN_TOKEN,
    },
  });
  const gateway = gw;
  expect((await call(gateway, '/healthz')).status).toBe(200);
  const started = Date.now();
  const [ready, form, other] = await Promise.all([
    call(gateway, '/readyz'),
    postForm(gateway, 'cold-win'),
    call(gateway, '/api/contacts?portalId=cold-free'),
  ]);
  expect(ready.status).toBe(503);
  expect(form.status).toBe(503);
  expect(form.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  // Unknown state and the default onStoreUnavailable ("pass"): other traffic goes to the default region.
  expect(other.json()).toMatchObject({ upstream: 'us' });
  expect(Date.now() - started).toBeLessThan(6000);

  cluster = await startLocalCluster(ports, { appendonly: true });
  await until('readyz turns 200', async () => (await call(gateway, '/readyz')).status === 200, 15_000);
  await openWindow(gateway, 'cold-win');
  await until('buffered writes answered 202', async () => (await postForm(gateway, 'cold-win')).status === 202, 10_000);
  expect((await call(gateway, '/api/contacts?portalId=cold-win')).status).toBe(477);

  // Another instance's change arrives through the invalidation channel (the cache TTL alone would take 5 s).
  await createAccount(gateway, 'cold-free');
  expect((await call(gateway, '/api/contacts?portalId=cold-free')).json()).toMatchObject({ upstream: 'us' });
  store = new RedisStore({ url: cluster.seeds, cluster: true, prefix });
  const record = await store.accounts.get('cold-free');
  if (!record) throw new Error('cold-free is not stored');
  const saved = await store.accounts.save(
    { ...record, settings: { ...record.settings, dataLocation: 'eu' }, updatedAt: Date.now() },
    record.version,
    { at: Date.now(), actor: 'fault-test', action: 'account.updated', detail: {} },
  );
  expect(saved).toBe('ok');
  await until('the move propagates', async () => (await call(gateway, '/api/contacts?portalId=cold-free')).json().upstream === 'eu', 2000);

  // Every node dies mid-traffic: cached decisions go on, buffered writes get 503 in bounded time, never a hang.
  const nodes = cluster.nodes;
  await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
  const downAt = Date.now();
  const [downForm, downApi, downReady] = await Promise.all([
    postForm(gateway, 'cold-win'),
    call(gateway, '/api/contacts?portalId=cold-win'),
    call(gateway, '/readyz'),
  ]);
  expect(downForm.status).toBe(503);
  expect(downApi.status).toBe(477);
  expect(downReady.status).toBe(503);
  expect(Date.now() - downAt).toBeLessThan(6000);

  // The nodes come back (AOF and their cluster config kept): everything works again by itself.
  for (const node of nodes) await node.restart();
  await waitForClusterOk(nodes);
  await until('readyz back to 200', async () => (await call(gateway, '/readyz')).status === 200, 15_000);
  await until('buffered writes answered 202 again', async () => (await postForm(gateway, 'cold-win')).status === 202, 15_000);
  expect((await call(gateway, '/api/contacts?portalId=cold-win')).status).toBe(477);
  expect(gateway.logs.filter((l) => l.line.includes('CROSSSLOT'))).toEqual([]);
});
