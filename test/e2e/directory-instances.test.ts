// Two gateway instances (two RedisStores, one private redis-server): a domain or token changed through one is obeyed by the other within 100 ms.
import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { AccountDirectory } from '../../src/state/account-directory';
import { RedisStore } from '../../src/store/redis/redis-store';
import { freePort, removeDir, startRedis, type RedisProcess } from '../support/redis-server';

const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** The median of the samples: one stall of a loaded test machine must not decide a latency claim. */
const median = (samples: number[]): number => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? Infinity;

/** Milliseconds until `check` holds, polling every 2 ms; fails past `limitMs`. */
async function msUntil(check: () => boolean, limitMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

describe('account directory across two instances on one Redis', () => {
  let redis: RedisProcess;
  const stores: RedisStore[] = [];
  const directories: AccountDirectory[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
    removeDir(redis.dir);
  });
  afterEach(async () => {
    for (const directory of directories.splice(0)) directory.close();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  async function instance(prefix: string): Promise<{ store: RedisStore; directory: AccountDirectory }> {
    const store = new RedisStore({ url: redis.url, prefix });
    const directory = new AccountDirectory(store, { maxEntries: 1000 }, silentLogger, new Metrics());
    stores.push(store);
    directories.push(directory);
    await directory.start();
    return { store, directory };
  }

  it('a token registered or deleted through one instance is obeyed by the other within 100 ms', async () => {
    const a = await instance('two-a:');
    const b = await instance('two-a:');
    const registered: number[] = [];
    const deleted: number[] = [];
    for (let i = 0; i < 9; i++) {
      const secret = `pat-na1-acme-0123456789-${i}`;
      expect(b.directory.accountForToken(secret)).toBeNull();
      await a.store.directory.registerToken({ digest: digestOf(secret), accountId: 'acme', label: null, createdAt: Date.now() });
      registered.push(await msUntil(() => b.directory.accountForToken(secret) === 'acme', 2000));
      await a.store.directory.deleteToken('acme', digestOf(secret).slice(0, 12));
      deleted.push(await msUntil(() => b.directory.accountForToken(secret) === null, 2000));
    }
    expect(median(registered)).toBeLessThan(100);
    expect(median(deleted)).toBeLessThan(100);
  });

  it('a domain claimed or released through one instance is obeyed by the other within 100 ms', async () => {
    const a = await instance('two-b:');
    const b = await instance('two-b:');
    const claimed: number[] = [];
    const released: number[] = [];
    for (let i = 0; i < 9; i++) {
      expect(b.directory.accountForHost(`kb.acme${i}.io`)).toBeNull();
      await a.store.directory.claimDomains('acme', [`*.acme${i}.io`]);
      claimed.push(await msUntil(() => b.directory.accountForHost(`KB.acme${i}.io:8443`) === 'acme', 2000));
      await a.store.directory.syncDomains('acme', i + 1, []);
      released.push(await msUntil(() => b.directory.accountForHost(`kb.acme${i}.io`) === null, 2000));
    }
    expect(median(claimed)).toBeLessThan(100);
    expect(median(released)).toBeLessThan(100);
  });

  it('an instance started later knows every registered key at once, without a store call per lookup', async () => {
    const a = await instance('two-c:');
    await a.store.directory.claimDomains('acme', ['help.acme.com']);
    await a.store.directory.registerToken({
      digest: digestOf('pat-na1-acme-0123456789'),
      accountId: 'acme',
      label: null,
      createdAt: Date.now(),
    });
    const b = await instance('two-c:');
    expect(b.directory.accountForHost('help.acme.com')).toBe('acme');
    expect(b.directory.accountForToken('pat-na1-acme-0123456789')).toBe('acme');
    expect(b.directory.accountForToken('pat-na1-unknown-0123456789')).toBeNull();
  });

  it('an instance started while Redis is down subscribes once it is up, rebuilds, and then follows changes', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix: 'late:', commandTimeoutMs: 300 });
    stores.push(store);
    const directory = new AccountDirectory(store, { maxEntries: 1000 }, silentLogger, new Metrics());
    directories.push(directory);
    await expect(directory.start()).rejects.toThrow();
    await expect(directory.accountForToken('pat-na1-early-0123456789')).rejects.toThrow('the account directory could not be read');
    const late = await startRedis({ port });
    try {
      const writer = new RedisStore({ url: late.url, prefix: 'late:' });
      stores.push(writer);
      await writer.directory.registerToken({
        digest: digestOf('pat-na1-early-0123456789'),
        accountId: 'acme',
        label: null,
        createdAt: Date.now(),
      });
      const deadline = Date.now() + 10_000;
      // Subscribed and rebuilt: the token registered before is known, and an unknown one is answered from memory.
      const answer = (token: string) => Promise.resolve(directory.accountForToken(token)).catch(() => 'unavailable');
      while ((await answer('pat-na1-early-0123456789')) !== 'acme' || directory.accountForToken('pat-na1-unknown-0123456789') !== null) {
        if (Date.now() > deadline) throw new Error('the instance did not recover within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(directory.accountForToken('pat-na1-early-0123456789')).toBe('acme');
      await writer.directory.registerToken({
        digest: digestOf('pat-na1-later-0123456789'),
        accountId: 'globex',
        label: null,
        createdAt: Date.now(),
      });
      expect(await msUntil(() => directory.accountForToken('pat-na1-later-0123456789') === 'globex', 2000)).toBeLessThan(2000);
    } finally {
      for (const directory of directories.splice(0)) directory.close();
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await late.stop();
      removeDir(late.dir);
    }
  });

  it('a token registered while the other instance’s subscription was cut is recognised after it reconnects', async () => {
    const a = await instance('two-d:');
    const b = await instance('two-d:');
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
      await a.store.directory.registerToken({
        digest: digestOf('pat-na1-missed-0123456789'),
        accountId: 'globex',
        label: null,
        createdAt: Date.now(),
      });
      const deadline = Date.now() + 5000;
      while ((await b.directory.accountForToken('pat-na1-missed-0123456789')) !== 'globex') {
        if (Date.now() > deadline) throw new Error('the instance did not catch up within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      admin.disconnect();
    }
  });
});
