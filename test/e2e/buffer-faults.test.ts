// Done-when of issue 3 with real processes: Redis (AOF) killed between accept and replay, upstream down, a rejecting
// upstream filling the dead letters and re-drive, two gateway instances replaying at once.
import { startRedis, removeDir, type RedisProcess } from '../support/redis-server';
import { handlers, startUpstream, type Upstream } from '../support/upstream';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import type { GatewayProcess } from '../support/gateway-process';
import {
  admin,
  checkAtLeastOnceInOrder,
  closeWindow,
  deliveries,
  distinctDelivered,
  openWindow,
  startBufferGateway,
  storeOrder,
  submitAll,
  until,
  type Submission,
} from './buffer-helpers';

jest.setTimeout(60_000);

function spread(accounts: string[], count: number): Submission[] {
  return Array.from({ length: count }, (_, i) => ({ accountId: accounts[i % accounts.length], n: Math.floor(i / accounts.length) }));
}

describe('buffer e2e: faults', () => {
  let us: Upstream;
  let eu: Upstream;
  let gateways: GatewayProcess[];

  beforeEach(async () => {
    us = await startUpstream({ name: 'us' });
    eu = await startUpstream({ name: 'eu' });
    gateways = [];
  });
  afterEach(async () => {
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
    await us.close();
    await eu.close();
  });

  async function gateway(redisUrl: string, prefix: string, extra: Record<string, string> = {}): Promise<GatewayProcess> {
    const gw = await startBufferGateway({ redisUrl, prefix, upstreamUs: us.url, upstreamEu: eu.url, extra });
    gateways.push(gw);
    return gw;
  }

  it('loses nothing acknowledged when Redis (AOF) is killed between accept and replay, and answers 503 while it is down', async () => {
    const redis: RedisProcess = await startRedis({ appendonly: true });
    try {
      const gw = await gateway(redis.url, uniquePrefix());
      const accounts = ['aof-a', 'aof-b'];
      for (const id of accounts) await openWindow(gw, id);
      const submissions = spread(accounts, 1000);
      const ids = await submitAll(gw.url, submissions);

      await redis.stop('SIGKILL');
      const refused = await fetch(`${gw.url}/forms/aof-a/f1`, {
        method: 'POST',
        body: 'acc=aof-a&n=9999',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      await refused.arrayBuffer();
      await redis.restart();

      await until('gateway reconnected to Redis', async () => (await fetch(`${gw.url}/readyz`)).status === 200, 15_000, 100);
      for (const id of accounts) await closeWindow(gw, id);
      await until('every item delivered', () => distinctDelivered(eu) === 1000, 30_000, 100);
      const { duplicates } = checkAtLeastOnceInOrder(deliveries(eu.requests), storeOrder(submissions, ids));
      expect(duplicates).toBe(0);
      expect(deliveries(eu.requests).some((d) => d.n === 9999)).toBe(false);
    } finally {
      await redis.stop('SIGKILL');
      removeDir(redis.dir);
    }
  });

  it('lets items wait while the upstream is down and delivers them all, in order, once it is back', async () => {
    const gw = await gateway(testRedisUrl(), uniquePrefix());
    const accounts = ['down-a', 'down-b'];
    for (const id of accounts) await openWindow(gw, id);
    const submissions = spread(accounts, 200);
    const ids = await submitAll(gw.url, submissions);

    await eu.pause();
    for (const id of accounts) await closeWindow(gw, id);
    await new Promise((r) => setTimeout(r, 1200));
    const waiting = await admin(gw, 'GET', '/accounts/down-a/buffer');
    expect(waiting.json).toMatchObject({ depth: 100, deadLetterCount: 0, replay: { replayed: 0 } });

    await eu.resume();
    await until('every item delivered', () => distinctDelivered(eu) === 200, 30_000, 100);
    const { duplicates } = checkAtLeastOnceInOrder(deliveries(eu.requests), storeOrder(submissions, ids));
    expect(duplicates).toBe(0);
    for (const id of accounts) {
      await until(`${id} drained`, async () => (await admin(gw, 'GET', `/accounts/${id}/buffer`)).json.depth === 0, 5000, 100);
      expect((await admin(gw, 'GET', `/accounts/${id}/buffer`)).json.deadLetterCount).toBe(0);
    }
  });

  it('fills the dead letters from a rejecting upstream, shows the answers in the admin API, and re-drives them', async () => {
    const gw = await gateway(testRedisUrl(), uniquePrefix());
    await openWindow(gw, 'dead-a');
    const submissions = spread(['dead-a'], 30);
    const ids = await submitAll(gw.url, submissions, 4);
    eu.setHandler(handlers.reply(422, { error: 'unknown form field "x"' }));
    await closeWindow(gw, 'dead-a');

    await until('all dead', async () => (await admin(gw, 'GET', '/accounts/dead-a/buffer')).json.deadLetterCount === 30, 15_000, 100);
    const view = await admin(gw, 'GET', '/accounts/dead-a/buffer?limit=5');
    expect(view.json).toMatchObject({ depth: 0, counts: { dead: { form: 30 } }, replay: { deadLettered: 30, replayed: 0 } });
    const dead = view.json.deadLetters as { id: string; answer: { status: number; body: string; attempts: number } }[];
    expect(dead).toHaveLength(5);
    expect(dead[0].answer).toMatchObject({ status: 422, body: '{"error":"unknown form field \\"x\\""}', attempts: 1 });
    const rejected = deliveries(eu.requests);
    expect(rejected).toHaveLength(30);

    eu.setHandler(undefined);
    eu.requests.length = 0;
    const redrive = await admin(gw, 'POST', '/accounts/dead-a/buffer/redrive');
    expect(redrive.json).toEqual({ accountId: 'dead-a', redriven: 30 });
    await until('re-driven items delivered', () => distinctDelivered(eu) === 30, 15_000, 100);
    const redelivered = deliveries(eu.requests);
    checkAtLeastOnceInOrder(redelivered, storeOrder(submissions, ids));
    // The same items, the same keys as on their rejected attempts.
    expect(redelivered.map((d) => d.key)).toEqual(rejected.map((d) => d.key));
    await until('drained', async () => (await admin(gw, 'GET', '/accounts/dead-a/buffer')).json.depth === 0, 5000, 100);
    expect((await admin(gw, 'GET', '/accounts/dead-a/buffer')).json).toMatchObject({
      deadLetterCount: 0,
      replay: { replayed: 30, redriven: 30 },
    });
  });

  it('never delivers an item from two instances replaying at once', async () => {
    const prefix = uniquePrefix();
    const extra = { REPLAY_CONCURRENCY: '2' };
    const [a, b] = await Promise.all([gateway(testRedisUrl(), prefix, extra), gateway(testRedisUrl(), prefix, extra)]);
    const accounts = ['two-a', 'two-b', 'two-c', 'two-d'];
    for (const id of accounts) await openWindow(a, id);
    const submissions = spread(accounts, 1200);
    const half = submissions.length / 2;
    const ids = [...(await submitAll(a.url, submissions.slice(0, half))), ...(await submitAll(b.url, submissions.slice(half)))];

    // Slow enough that both instances are busy at the same time.
    eu.setHandler(handlers.delay(2, handlers.reply(200, 'ok')));
    for (const id of accounts) await closeWindow(a, id);
    await until('every item delivered', () => distinctDelivered(eu) === 1200, 45_000, 100);

    const { duplicates } = checkAtLeastOnceInOrder(deliveries(eu.requests), storeOrder(submissions, ids));
    expect(duplicates).toBe(0);
    const replayedBy = (gw: GatewayProcess) =>
      gw.logs.filter((l) => l.json?.msg === 'replay pass ended').reduce((sum, l) => sum + Number(l.json?.replayed ?? 0), 0);
    await until('both instances logged their passes', () => replayedBy(a) + replayedBy(b) === 1200, 5000, 50);
    expect(replayedBy(a)).toBeGreaterThan(0);
    expect(replayedBy(b)).toBeGreaterThan(0);
  });
});
