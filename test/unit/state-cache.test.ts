// The in-process state cache: changes are never served stale while the store answers; when it cannot, the last known state is.
import type { AccountRecord } from '../../src/domain/account';
import { ManualClock } from '../../src/domain/clock';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { StateCache } from '../../src/state/state-cache';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { accountRecord } from '../support/accounts';

const record = (contactName: string, version = 0): AccountRecord => ({
  ...accountRecord('acme', { timezone: 'UTC', contactName, superAdmins: [] }),
  version,
  updatedAt: 0,
});

async function setup(): Promise<{
  store: MemoryStore;
  cache: StateCache;
  clock: ManualClock;
  resync: () => void;
  storeDown: (down: boolean) => void;
}> {
  const store = new MemoryStore();
  const clock = new ManualClock(0);
  let resync: () => void = () => undefined;
  const onResync = store.onResync.bind(store);
  store.onResync = (listener) => {
    resync = listener;
    onResync(listener);
  };
  const get = store.accounts.get.bind(store.accounts);
  let down = false;
  store.accounts.get = (id) => (down ? Promise.reject(new Error('store unreachable')) : get(id));
  const cache = new StateCache(store, clock, { ttlMs: 5000 }, silentLogger, new Metrics());
  await cache.start();
  return { store, cache, clock, resync: () => resync(), storeDown: (d) => (down = d) };
}

const audit = { at: 0, actor: 't', action: 'x', detail: {} };

it('loads once, then answers from memory until a change is announced', async () => {
  const { store, cache } = await setup();
  await store.accounts.save(record('Ada'), 0, audit);
  expect(cache.peek('acme')).toBeUndefined();
  expect((await cache.load('acme'))?.settings.contactName).toBe('Ada');
  expect(cache.peek('acme')?.settings.contactName).toBe('Ada');
  await store.accounts.save(record('Bea'), 1, audit);
  expect(cache.peek('acme')).toBeUndefined();
  expect((await cache.load('acme'))?.settings.contactName).toBe('Bea');
});

it('serves the last known state when the store is down, for announced changes and after a resync', async () => {
  const { store, cache, resync, storeDown } = await setup();
  await store.accounts.save(record('Ada'), 0, audit);
  await cache.load('acme');
  resync();
  expect(cache.peek('acme')).toBeUndefined();
  storeDown(true);
  expect((await cache.load('acme'))?.settings.contactName).toBe('Ada');
  storeDown(false);
  expect((await cache.load('acme'))?.settings.contactName).toBe('Ada');
  expect(cache.peek('acme')?.settings.contactName).toBe('Ada');
});

it('refuses to invent a state it never had when the store is down', async () => {
  const { cache, storeDown } = await setup();
  storeDown(true);
  await expect(cache.load('acme')).rejects.toThrow('store unreachable');
});

it('refreshes an entry older than the TTL in the background while serving it', async () => {
  const { store, cache, clock } = await setup();
  await store.accounts.save(record('Ada'), 0, audit);
  await cache.load('acme');
  // A change the cache was not told about (a lost announcement): written behind its back.
  (store.accounts as unknown as { records: Map<string, AccountRecord> }).records.set('acme', record('Cy', 2));
  clock.advance(5001);
  expect(cache.peek('acme')?.settings.contactName).toBe('Ada');
  await new Promise((r) => setImmediate(r));
  expect(cache.peek('acme')?.settings.contactName).toBe('Cy');
});

it('holds at most maxEntries accounts and lets the least recently used one go first', async () => {
  const store = new MemoryStore();
  const metrics = new Metrics();
  const cache = new StateCache(store, new ManualClock(0), { ttlMs: 5000, maxEntries: 2 }, silentLogger, metrics);
  await cache.start();
  for (const id of ['a', 'b', 'c']) await store.accounts.save({ ...record(id), id }, 0, audit);
  await cache.load('a');
  await cache.load('b');
  // 'a' is used again, so 'b' is now the least recently used.
  expect(cache.peek('a')?.id).toBe('a');
  await cache.load('c');
  expect(cache.size).toBe(2);
  expect(cache.peek('b')).toBeUndefined();
  expect(cache.peek('a')?.id).toBe('a');
  expect(cache.peek('c')?.id).toBe('c');
  expect((await metrics.registry.getSingleMetricAsString('mg_cached_accounts')).trim().split('\n').pop()).toBe('mg_cached_accounts 2');
});

it('does not cache a record whose change was announced while it was being loaded', async () => {
  const { store, cache } = await setup();
  await store.accounts.save(record('Ada'), 0, audit);
  const loading = cache.load('acme');
  await store.accounts.save(record('Bea'), 1, audit);
  await loading;
  expect(cache.peek('acme')).toBeUndefined();
  expect((await cache.load('acme'))?.settings.contactName).toBe('Bea');
});
