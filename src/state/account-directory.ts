// The in-process account directory the hot path asks: which account a Host or a bearer token names, mostly without I/O.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from '../observability/logger';
import { boundIncrement, registeredOnce, type Metrics } from '../observability/metrics';
import type { DirectoryChange } from '../store/directory-store';
import { StoreUnavailableError, type Store } from '../store/types';
import { BloomFilter, hashPair } from './bloom-filter';
import { backoffDelayMs, type BackoffPolicy } from '../domain/backoff';

export interface AccountDirectoryOptions {
  maxEntries: number;
}

/** Cached "nobody owns this key" (the LRU holds no null). */
const NONE = '';
/** Smallest filter built: below this many keys its memory (~120 KB) does not matter. */
const MIN_FILTER_CAPACITY = 65_536;
const SCAN_BATCH = 1000;
/** Rebuilding the filter while the store is down: 1 s, 2 s, 4 s … 30 s between tries. */
const REBUILD_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 30_000 };
const MAX_HOST_LENGTH = 253;
/** Distinct Host values remembered as naming no account (see AccountDirectory.freeHosts). */
const FREE_HOSTS = 10_000;
/** An IPv4 literal: never a domain of an account (the admin API refuses IP addresses as domains). */
const IPV4 = /^[0-9.]+$/;

type Kind = DirectoryChange['kind'];
type Answer = string | null;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** A digest is 64 hex digits without a dot and a domain key has at least one dot: the two never clash, so the key is
 * used as it is (a prefixed copy would cost ~100 bytes per entry). */
const cacheKey = (_kind: Kind, key: string): string => key;
/** Token digests are uniform already; domains are hashed so both share one filter without colliding. */
const filterHash = (kind: Kind, key: string): [number, number] => hashPair(kind === 'token' ? key : sha256(`domain:${key}`));

/** The directory keys a Host header value can match, most specific first: the host, then its `*.` parent. */
export function hostCandidates(hostHeader: string): string[] {
  let host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return [];
  const colon = host.indexOf(':');
  if (colon !== -1) {
    if (host.indexOf(':', colon + 1) !== -1) return [];
    host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '' || host.length > MAX_HOST_LENGTH || IPV4.test(host) || !/^[a-z0-9.-]+$/.test(host)) return [];
  const labels = host.split('.');
  if (labels.some((label) => label === '')) return [];
  // `*.example.com` matches one more label, so only a host of at least three labels has a wildcard parent.
  return labels.length >= 3 ? [host, `*.${labels.slice(1).join('.')}`] : [host];
}

function unavailable(error: unknown): StoreUnavailableError {
  return error instanceof StoreUnavailableError
    ? error
    : new StoreUnavailableError('the account directory could not be read', { cause: error });
}

/**
 * Answers come from three places, cheapest first: the LRU of keys seen (owner or "none"), then a Bloom filter of
 * every registered domain and digest (a "no" is final), then the store, asked once per key and remembered.
 * Changes announced by any instance update the LRU and the filter; a resync (lost announcements) empties the LRU
 * and rebuilds the filter from a batched scan of the directory.
 */
export class AccountDirectory {
  private readonly cache: LRUCache<string, string>;
  private filter: BloomFilter | null = null;
  /** While a scan runs: the hashes of every key seen, including changes announced meanwhile. */
  private collecting: [number, number][] | null = null;
  private rebuilding: Promise<void> | null = null;
  private rebuildAgain = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Failed rebuilds in a row (the backoff's attempt count). */
  private failedRebuilds = 0;
  private readonly inFlight = new Map<string, Promise<Answer>>();
  /** Bumped on every change and resync, so an answer read before it is not remembered after it. */
  private generation = 0;
  private closed = false;
  private readonly countLookup: (values: [Kind, string], by?: number) => void;
  /**
   * Host header values known to name no account until the next domain change: the gateway's own host names and
   * IP addresses arrive on most requests and would otherwise cost two filter hashes each. Bounded; cleared by any
   * domain change or resync, so it can never hide a domain registered later.
   */
  private readonly freeHosts = new LRUCache<string, true>({ max: FREE_HOSTS });
  private readonly entries: Gauge;
  private readonly filterKeys: Gauge;

  constructor(
    private readonly store: Store,
    options: AccountDirectoryOptions,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.cache = new LRUCache<string, string>({ max: options.maxEntries });
    const lookups = registeredOnce(
      metrics.registry,
      'mg_directory_lookups_total',
      () =>
        new Counter({
          name: 'mg_directory_lookups_total',
          help: 'Domain and token lookups by where the answer came from (cache, filter = certainly unknown, free-host = a Host known to name no account, store)',
          labelNames: ['kind', 'source'],
          registers: [metrics.registry],
        }),
    );
    this.countLookup = boundIncrement(lookups);
    this.entries = registeredOnce(
      metrics.registry,
      'mg_directory_cache_entries',
      () =>
        new Gauge({
          name: 'mg_directory_cache_entries',
          help: 'Domains and token digests held in the in-process directory LRU',
          registers: [metrics.registry],
        }),
    );
    this.filterKeys = registeredOnce(
      metrics.registry,
      'mg_directory_filter_keys',
      () =>
        new Gauge({
          name: 'mg_directory_filter_keys',
          help: 'Domains and token digests in the in-process Bloom filter',
          registers: [metrics.registry],
        }),
    );
  }

  /** Loads what it needs and subscribes to changes; resolves once change notifications are live. */
  async start(): Promise<void> {
    this.store.onResync(() => this.resync());
    await this.store.onDirectoryChange((changes) => this.apply(changes));
    // Without a filter every unknown key would ask the store: build it now, and keep trying if the store is down.
    await this.rebuild().catch(() => undefined);
  }

  /** The account owning this Host header value (port and case ignored; exact domain first, then the `*.` parent), null when none. A plain value when answerable in-process, a Promise only when the store must be asked. */
  accountForHost(hostHeader: string): string | null | Promise<string | null> {
    if (this.freeHosts.has(hostHeader)) {
      this.count('domain', 'free-host');
      return null;
    }
    const generation = this.generation;
    const keys: string[] = [];
    const known: (Answer | undefined)[] = [];
    // Most specific first, and no further than the first owner: a known exact domain costs one LRU lookup.
    for (const key of hostCandidates(hostHeader)) {
      const owner = this.known('domain', key);
      keys.push(key);
      known.push(owner);
      if (typeof owner === 'string') break;
    }
    const answer = AccountDirectory.firstOwner(known);
    if (answer === null && generation === this.generation) this.freeHosts.set(hostHeader, true);
    if (answer !== undefined) return answer;
    const missing = keys.filter((_key, i) => known[i] === undefined);
    return this.ask('domain', missing).then(
      (owners) => AccountDirectory.firstOwner(keys.map((key, i) => (owners.has(key) ? (owners.get(key) ?? null) : known[i]))) ?? null,
    );
  }

  /** The account of a raw bearer token (hashed here with SHA-256), null when not registered. Same sync/async rule. */
  accountForToken(token: string): string | null | Promise<string | null> {
    if (token === '') return null;
    const digest = sha256(token);
    const known = this.known('token', digest);
    if (known !== undefined) return known;
    return this.ask('token', [digest]).then((owners) => owners.get(digest) ?? null);
  }

  close(): void {
    this.closed = true;
    this.freeHosts.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.cache.clear();
    this.filter = null;
  }

  /** The first owner in order when every key before it is known to be free; undefined when a store answer is needed. */
  private static firstOwner(answers: (Answer | undefined)[]): Answer | undefined {
    for (const answer of answers) {
      if (answer === undefined) return undefined;
      if (answer !== null) return answer;
    }
    return null;
  }

  /** What memory says about a key: the owner, null (certainly nobody), or undefined (only the store knows). */
  private known(kind: Kind, key: string): Answer | undefined {
    const cached = this.cache.get(cacheKey(kind, key));
    if (cached !== undefined) {
      this.count(kind, 'cache');
      return cached === NONE ? null : cached;
    }
    if (this.filter && !this.filter.mayContain(filterHash(kind, key))) {
      this.count(kind, 'filter');
      return null;
    }
    return undefined;
  }

  /** One store round trip for the keys (a key already being asked for is waited on, not asked again); answers are remembered. */
  private async ask(kind: Kind, keys: string[]): Promise<Map<string, Answer>> {
    const toFetch = keys.filter((key) => !this.inFlight.has(cacheKey(kind, key)));
    if (toFetch.length > 0) {
      this.count(kind, 'store', toFetch.length);
      const generation = this.generation;
      const directory = this.store.directory;
      const read = (
        kind === 'token' ? directory.tokenOwner(toFetch[0] ?? '').then((owner) => [owner]) : directory.domainOwners(toFetch)
      ).catch((error: unknown) => {
        throw unavailable(error);
      });
      toFetch.forEach((key, i) => {
        const one = read.then((owners) => {
          const owner = owners[i] ?? null;
          if (generation === this.generation && !this.closed) this.remember(kind, key, owner);
          return owner;
        });
        this.inFlight.set(cacheKey(kind, key), one);
        one.then(
          () => this.inFlight.delete(cacheKey(kind, key)),
          () => this.inFlight.delete(cacheKey(kind, key)),
        );
      });
    }
    const owners = await Promise.all(keys.map((key) => this.inFlight.get(cacheKey(kind, key)) ?? Promise.resolve(null)));
    return new Map(keys.map((key, i) => [key, owners[i] ?? null]));
  }

  private remember(kind: Kind, key: string, owner: Answer): void {
    this.cache.set(cacheKey(kind, key), owner ?? NONE);
    this.entries.set(this.cache.size);
  }

  private count(kind: Kind, source: string, by = 1): void {
    this.countLookup([kind, source], by);
  }

  private apply(changes: DirectoryChange[]): void {
    if (this.closed) return;
    this.generation++;
    if (changes.some((change) => change.kind === 'domain')) this.freeHosts.clear();
    for (const change of changes) {
      if (change.accountId !== null) {
        const hash = filterHash(change.kind, change.key);
        this.filter?.add(hash);
        this.collecting?.push(hash);
      }
      this.remember(change.kind, change.key, change.accountId);
    }
    if (this.filter && this.filter.added > this.filter.capacity) void this.rebuild().catch(() => undefined);
  }

  /** Announcements may have been missed: forget what is cached and rebuild the filter (the old one serves meanwhile). */
  private resync(): void {
    if (this.closed) return;
    this.generation++;
    this.cache.clear();
    this.freeHosts.clear();
    this.entries.set(0);
    // A scan already running may have passed keys added while announcements were lost: scan again after it.
    if (this.rebuilding) this.rebuildAgain = true;
    else void this.rebuild().catch(() => undefined);
  }

  private rebuild(): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    const collected: [number, number][] = [];
    this.collecting = collected;
    const generation = this.generation;
    const started = Date.now();
    this.rebuilding = this.store.directory
      .scan(SCAN_BATCH, (kind, entries) => {
        for (const [key, owner] of entries) {
          collected.push(filterHash(kind, key));
          // Warm the LRU while it has room, so known keys are answered without a store call from the start.
          if (this.cache.size < this.cache.max && generation === this.generation) this.remember(kind, key, owner);
        }
      })
      .then(() => {
        if (this.closed) return;
        const filter = new BloomFilter(Math.max(MIN_FILTER_CAPACITY, 2 * collected.length));
        for (const hash of collected) filter.add(hash);
        this.filter = filter;
        this.filterKeys.set(collected.length);
        this.failedRebuilds = 0;
        this.logger.info({ keys: collected.length, filterBytes: filter.bytes, ms: Date.now() - started }, 'account directory filter built');
      })
      .catch((error: unknown) => {
        this.logger.warn({ err: error }, 'account directory filter could not be built; retrying');
        this.scheduleRetry();
        throw unavailable(error);
      })
      .finally(() => {
        this.collecting = null;
        this.rebuilding = null;
        if (this.rebuildAgain && !this.closed) {
          this.rebuildAgain = false;
          void this.rebuild().catch(() => undefined);
        }
      });
    return this.rebuilding;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        void this.rebuild().catch(() => undefined);
      },
      backoffDelayMs(REBUILD_BACKOFF, ++this.failedRebuilds),
    );
    this.retryTimer.unref();
  }
}
