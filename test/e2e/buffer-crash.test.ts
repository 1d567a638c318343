// Done-when of issue 3: 10,000 acknowledged submissions over several accounts survive a SIGKILL of the gateway mid-replay.
import { startUpstream, type Upstream } from '../support/upstream';
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

jest.setTimeout(90_000);

describe('buffer e2e: gateway killed in the middle of replay', () => {
  let us: Upstream;
  let eu: Upstream;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    us = await startUpstream({ name: 'us' });
    eu = await startUpstream({ name: 'eu' });
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
    await us.close();
    await eu.close();
  });

  it('delivers every one of 10,000 acknowledged submissions at least once, in order per account, duplicates with the same Idempotency-Key', async () => {
    const env = {
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix(),
      upstreamUs: us.url,
      upstreamEu: eu.url,
      extra: { REPLAY_BATCH_SIZE: '100' },
    };
    const first = await startBufferGateway(env);
    gateways.push(first);
    const accounts = ['crash-a', 'crash-b', 'crash-c', 'crash-d', 'crash-e'];
    for (const id of accounts) await openWindow(first, id);

    const submissions: Submission[] = Array.from({ length: 10_000 }, (_, i) => ({
      accountId: accounts[i % accounts.length],
      n: Math.floor(i / accounts.length),
    }));
    const ids = await submitAll(first.url, submissions, 48);
    // Ids order the items of one account; the same id may exist in another account's stream.
    expect(new Set(ids.map((id, i) => `${submissions[i].accountId}/${id}`)).size).toBe(10_000);
    // Nothing reaches an upstream while the window is open.
    expect(deliveries(eu.requests).length + deliveries(us.requests).length).toBe(0);

    for (const id of accounts) await closeWindow(first, id);
    // Counting requests is cheap enough to poll often (the upstream shares this process).
    await until('part of the replay done', () => eu.requests.length >= 3000, 30_000, 5);
    first.kill('SIGKILL');
    await first.exited;
    const atKill = distinctDelivered(eu);
    expect(atKill).toBeLessThan(10_000);

    // A fresh instance picks the accounts up once the dead instance's leases expire.
    const second = await startBufferGateway(env);
    gateways.push(second);
    await until('every item delivered', () => eu.requests.length >= 10_000 && distinctDelivered(eu) === 10_000, 60_000, 200);
    for (const id of accounts) {
      await until(
        `${id} drained`,
        async () => ((await admin(second, 'GET', `/accounts/${id}/buffer`)).json.depth as number) === 0,
        10_000,
        100,
      );
    }

    const { duplicates } = checkAtLeastOnceInOrder(deliveries(eu.requests), storeOrder(submissions, ids));
    // At most the one in-flight item per account was delivered but not acknowledged when the process died.
    expect(duplicates).toBeLessThanOrEqual(accounts.length);
    expect(deliveries(us.requests)).toHaveLength(0);
    const view = await admin(second, 'GET', `/accounts/${accounts[0]}/buffer`);
    expect(view.json).toMatchObject({ depth: 0, deadLetterCount: 0, replay: { accepted: 2000 } });
  });

  it('hands the replay over at once on SIGTERM: leases released, the request in flight finished, no duplicate', async () => {
    // A lease that would outlive the test: only an explicit release lets the next instance in.
    const env = {
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix(),
      upstreamUs: us.url,
      upstreamEu: eu.url,
      extra: { REPLAY_LEASE_TTL_MS: '60000' },
    };
    eu.requests.length = 0;
    const first = await startBufferGateway(env);
    gateways.push(first);
    const accounts = ['term-a', 'term-b'];
    for (const id of accounts) await openWindow(first, id);
    const submissions: Submission[] = Array.from({ length: 2000 }, (_, i) => ({ accountId: accounts[i % 2], n: Math.floor(i / 2) }));
    const ids = await submitAll(first.url, submissions, 32);

    for (const id of accounts) await closeWindow(first, id);
    await until('part of the replay done', () => eu.requests.length >= 300, 30_000, 5);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(distinctDelivered(eu)).toBeLessThan(2000);

    const second = await startBufferGateway(env);
    gateways.push(second);
    await until('every item delivered', () => eu.requests.length >= 2000 && distinctDelivered(eu) === 2000, 30_000, 100);
    const { duplicates } = checkAtLeastOnceInOrder(deliveries(eu.requests), storeOrder(submissions, ids));
    expect(duplicates).toBe(0);
  });
});
