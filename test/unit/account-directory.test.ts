// The in-process account directory: answers without store calls for known and unknown keys, bounded, fresh, and honest when the store is down.
import { createHash } from 'node:crypto';
import { parseConfig } from '../../src/config/load';
import { createLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { AccountDirectory, hostCandidates } from '../../src/state/account-directory';
import type { DirectoryListener, DirectoryStore } from '../../src/store/directory-store';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { StoreUnavailableError, type Store } from '../../src/store/types';

const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const T0 = Date.UTC(2026, 10, 1, 12);
const logger = createLogger({ level: 'silent' });

interface Harness {
  inner: MemoryStore;
  store: Store;
  /** Store round trips the directory made for lookups (tokenOwner + domainOwners). */
  lookups(): number;
  setDown(down: boolean): void;
  /** Drops announcements (as a lost pub/sub connection would) while true. */
  setDeaf(deaf: boolean): void;
  resync(): void;
}

/** A MemoryStore seen through a wrapper that counts the directory's store calls and can fail them. */
function harness(): Harness {
  const inner = new MemoryStore();
  let down = false;
  let deaf = false;
  let lookups = 0;
  const resyncListeners: (() => void)[] = [];
  const directory = new Proxy(inner.directory, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'tokenOwner' || prop === 'domainOwners') lookups++;
        if (down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as DirectoryStore;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'directory') return directory;
      if (prop === 'onResync') return (listener: () => void) => resyncListeners.push(listener);
      if (prop === 'onDirectoryChange') {
        return (listener: DirectoryListener) => target.onDirectoryChange((changes) => (deaf ? undefined : listener(changes)));
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Store;
  return {
    inner,
    store,
    lookups: () => lookups,
    setDown: (value) => (down = value),
    setDeaf: (value) => (deaf = value),
    resync: () => resyncListeners.forEach((listener) => listener()),
  };
}

async function register(store: Store, secret: string, accountId: string): Promise<void> {
  await store.directory.registerToken({ digest: digestOf(secret), accountId, label: null, createdAt: T0 });
}

async function started(h: Harness, maxEntries = 100_000): Promise<AccountDirectory> {
  const directory = new AccountDirectory(h.store, { maxEntries }, logger, new Metrics());
  await directory.start();
  return directory;
}

describe('limits.directoryCacheEntries', () => {
  const base = {
    upstreams: { us: 'http://us.test', eu: 'http://eu.test' },
    routes: [{ path: '/a', surface: 'api' }] as [{ path: string; surface: 'api' }],
  };
  it('defaults to 100,000 and refuses a size that is not a positive integer, naming the key', () => {
    expect(parseConfig(base).limits.directoryCacheEntries).toBe(100_000);
    expect(parseConfig({ ...base, limits: { directoryCacheEntries: 5000 } }).limits.directoryCacheEntries).toBe(5000);
    expect(() => parseConfig({ ...base, limits: { directoryCacheEntries: 0 } })).toThrow('limits.directoryCacheEntries');
  });
});

describe('hostCandidates', () => {
  it.each([
    ['help.acme.com', ['help.acme.com', '*.acme.com']],
    ['Help.ACME.com:8443', ['help.acme.com', '*.acme.com']],
    ['help.acme.com.', ['help.acme.com', '*.acme.com']],
    ['acme.com', ['acme.com']],
    ['a.b.acme.com', ['a.b.acme.com', '*.b.acme.com']],
    ['[::1]:8080', []],
    ['', []],
    ['bad host.com', []],
    ['a..b.com', []],
  ])('%j → %j', (host, expected) => {
    expect(hostCandidates(host)).toEqual(expected);
  });
});

describe('AccountDirectory', () => {
  let h: Harness;
  let directory: AccountDirectory;
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    directory?.close();
    await h.inner.close();
  });

  it('answers tokens registered before start synchronously, with no store call', async () => {
    await register(h.store, 'pat-na1-acme-secret-0001', 'acme');
    directory = await started(h);
    expect(directory.accountForToken('pat-na1-acme-secret-0001')).toBe('acme');
    expect(directory.accountForToken('pat-na1-acme-secret-0001')).toBe('acme');
    expect(h.lookups()).toBe(0);
  });

  it('answers an unknown token null synchronously (the filter says no), with no store call', async () => {
    await register(h.store, 'pat-na1-acme-secret-0001', 'acme');
    directory = await started(h);
    expect(directory.accountForToken('never-registered-token')).toBeNull();
    expect(directory.accountForToken('')).toBeNull();
    expect(h.lookups()).toBe(0);
  });

  it('obeys registrations and deletions announced after start, synchronously', async () => {
    directory = await started(h);
    expect(directory.accountForToken('pat-na1-late-secret-01')).toBeNull();
    await register(h.store, 'pat-na1-late-secret-01', 'acme');
    expect(directory.accountForToken('pat-na1-late-secret-01')).toBe('acme');
    await h.store.directory.deleteToken('acme', digestOf('pat-na1-late-secret-01').slice(0, 12));
    expect(directory.accountForToken('pat-na1-late-secret-01')).toBeNull();
    expect(h.lookups()).toBe(0);
  });

  it('matches hosts: exact first, then the *. parent (one label only), port and case ignored', async () => {
    await h.store.directory.claimDomains('acme', ['help.acme.com', '*.acme.io']);
    await h.store.directory.claimDomains('globex', ['docs.acme.io']);
    directory = await started(h);
    expect(directory.accountForHost('HELP.acme.com:443')).toBe('acme');
    expect(directory.accountForHost('kb.acme.io')).toBe('acme');
    expect(directory.accountForHost('docs.acme.io')).toBe('globex');
    expect(directory.accountForHost('acme.io')).toBeNull();
    expect(directory.accountForHost('a.kb.acme.io')).toBeNull();
    expect(directory.accountForHost('www.acme.com')).toBeNull();
    expect(directory.accountForHost('[::1]:80')).toBeNull();
    expect(h.lookups()).toBe(0);
  });

  it('asks the store for an exact domain it does not hold even when the wildcard parent is known: exact wins', async () => {
    await h.store.directory.claimDomains('acme', ['*.acme.io']);
    await h.store.directory.claimDomains('globex', ['docs.acme.io']);
    directory = await started(h, 1);
    expect(directory.accountForHost('kb.acme.io')).toBe('acme');
    expect(h.lookups()).toBe(0);
    const docs = directory.accountForHost('docs.acme.io');
    expect(docs).toBeInstanceOf(Promise);
    expect(await docs).toBe('globex');
    expect(h.lookups()).toBe(1);
  });

  it('follows domain claims and releases announced after start', async () => {
    directory = await started(h);
    await h.store.directory.claimDomains('acme', ['*.acme.io']);
    expect(directory.accountForHost('kb.acme.io')).toBe('acme');
    await h.store.directory.syncDomains('acme', 1, []);
    expect(directory.accountForHost('kb.acme.io')).toBeNull();
  });

  it('remembers a Host that names no account until a domain changes, then sees the new owner at once', async () => {
    directory = await started(h);
    expect(directory.accountForHost('help.acme.io')).toBeNull();
    expect(directory.accountForHost('help.acme.io')).toBeNull();
    await h.store.directory.claimDomains('acme', ['help.acme.io']);
    expect(directory.accountForHost('help.acme.io')).toBe('acme');
    expect(h.lookups()).toBe(0);
  });

  it('never takes an IP address for a domain', () => {
    expect(hostCandidates('127.0.0.1:8080')).toEqual([]);
    expect(hostCandidates('10.0.0.5')).toEqual([]);
  });

  it('asks the store once for a key the LRU evicted, then answers from memory again', async () => {
    for (let i = 0; i < 5; i++) await register(h.store, `pat-na1-secret-number-${i}`, `acct-${i}`);
    directory = await started(h, 2);
    const answers = await Promise.all([0, 1, 2, 3, 4].map((i) => directory.accountForToken(`pat-na1-secret-number-${i}`)));
    expect(answers).toEqual(['acct-0', 'acct-1', 'acct-2', 'acct-3', 'acct-4']);
    const asked = h.lookups();
    expect(asked).toBe(3);
    expect(directory.accountForToken('pat-na1-secret-number-4')).toBe('acct-4');
    expect(h.lookups()).toBe(asked);
  });

  it('keeps at most maxEntries keys in memory', async () => {
    for (let i = 0; i < 50; i++) await register(h.store, `pat-na1-secret-number-${i}`, `acct-${i}`);
    const metrics = new Metrics();
    directory = new AccountDirectory(h.store, { maxEntries: 10 }, logger, metrics);
    await directory.start();
    for (let i = 0; i < 50; i++) await directory.accountForToken(`pat-na1-secret-number-${i}`);
    const gauge = await metrics.registry.getSingleMetric('mg_directory_cache_entries')?.get();
    expect(gauge?.values[0]?.value).toBe(10);
  });

  it('many concurrent requests with one evicted token make one store call', async () => {
    for (let i = 0; i < 3; i++) await register(h.store, `pat-na1-secret-number-${i}`, `acct-${i}`);
    directory = await started(h, 1);
    const before = h.lookups();
    const answers = await Promise.all(Array.from({ length: 50 }, () => directory.accountForToken('pat-na1-secret-number-2')));
    expect(new Set(answers)).toEqual(new Set(['acct-2']));
    expect(h.lookups() - before).toBe(1);
  });

  it('a flood of 10,000 distinct unknown tokens makes at most 100 store calls (10,000 tokens registered)', async () => {
    for (let i = 0; i < 10_000; i++) await register(h.store, `registered-token-${i}`, `acct-${i % 500}`);
    directory = await started(h, 1000);
    for (let i = 0; i < 10_000; i++) {
      const answer = await directory.accountForToken(`flood-${i}-${'x'.repeat(20)}`);
      expect(answer).toBeNull();
    }
    expect(h.lookups()).toBeLessThanOrEqual(100);
  });

  it('rebuilds its filter, larger, once more keys were registered than it was sized for', async () => {
    const metrics = new Metrics();
    directory = new AccountDirectory(h.store, { maxEntries: 100 }, logger, metrics);
    await directory.start();
    const filterKeys = async () => (await metrics.registry.getSingleMetric('mg_directory_filter_keys')?.get())?.values[0]?.value;
    expect(await filterKeys()).toBe(0);
    // The smallest filter is sized for 65,536 keys: one more starts a rebuild from the store.
    for (let i = 0; i <= 65_536; i++) {
      await h.store.directory.registerToken({ digest: digestOf(`bulk-${i}`), accountId: 'acme', label: null, createdAt: T0 });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await filterKeys()).toBe(65_537);
    let asked = 0;
    for (let i = 0; i < 10_000; i++) if (directory.accountForToken(`still-unknown-${i}-xxxxxxxx`) !== null) asked++;
    expect(asked).toBeLessThanOrEqual(100);
  });

  it('a lookup that needs the store rejects with StoreUnavailableError while it is down', async () => {
    for (let i = 0; i < 3; i++) await register(h.store, `pat-na1-secret-number-${i}`, `acct-${i}`);
    directory = await started(h, 1);
    h.setDown(true);
    // Only the first scanned key fits in the LRU; the last is "maybe" in the filter and must be asked for.
    const answer = directory.accountForToken('pat-na1-secret-number-2');
    await expect(answer).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(directory.accountForToken('not-registered-at-all')).toBeNull();
    h.setDown(false);
    expect(await directory.accountForToken('pat-na1-secret-number-2')).toBe('acct-2');
  });

  it('after a resync (announcements lost) it forgets its cache and rebuilds the filter', async () => {
    await register(h.store, 'pat-na1-acme-secret-0001', 'acme');
    directory = await started(h);
    h.setDeaf(true);
    await register(h.store, 'pat-na1-missed-secret-01', 'globex');
    await h.store.directory.deleteToken('acme', digestOf('pat-na1-acme-secret-0001').slice(0, 12));
    expect(directory.accountForToken('pat-na1-missed-secret-01')).toBeNull();
    expect(directory.accountForToken('pat-na1-acme-secret-0001')).toBe('acme');
    h.setDeaf(false);
    h.resync();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await directory.accountForToken('pat-na1-missed-secret-01')).toBe('globex');
    expect(await directory.accountForToken('pat-na1-acme-secret-0001')).toBeNull();
  });

  it('starts with the store down, answers from the store once it is back, and builds its filter by retrying', async () => {
    await register(h.store, 'pat-na1-acme-secret-0001', 'acme');
    h.setDown(true);
    directory = await started(h);
    await expect(directory.accountForToken('pat-na1-acme-secret-0001')).rejects.toBeInstanceOf(StoreUnavailableError);
    h.setDown(false);
    expect(await directory.accountForToken('pat-na1-acme-secret-0001')).toBe('acme');
    // Until the filter is built an unknown token needs the store (a Promise); the retry (after 1 s) builds it.
    expect(directory.accountForToken('not-registered-at-all')).toBeInstanceOf(Promise);
    const deadline = Date.now() + 5000;
    while (directory.accountForToken(`unknown-${Date.now()}`) !== null) {
      if (Date.now() > deadline) throw new Error('the filter was not rebuilt within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
