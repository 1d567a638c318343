// In-process cache of account records: no store round trip on the hot path, invalidated through the store's pub/sub.
import { LRUCache } from 'lru-cache';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Store } from '../store/types';

interface Entry {
  record: AccountRecord | null;
  loadedAt: number;
  /** Announced as changed (or possibly missed a change): never served while the store answers. */
  stale: boolean;
}

/**
 * Staleness is bounded twice: a change announced on the invalidation channel marks the entry stale at once
 * (the next request loads it), and an entry older than `ttlMs` is refreshed in the background (served
 * meanwhile), which bounds staleness even if an announcement is lost. A stale entry is kept only as the
 * last known state: when the store cannot be reached it is served rather than nothing.
 */
/** The schema's default for limits.stateCacheEntries, for callers that do not pass one. */
export const DEFAULT_STATE_CACHE_ENTRIES = 100_000;

export class StateCache {
  /** Bounded: the least recently used account leaves first (one that is asked for again is simply loaded again). */
  private readonly entries: LRUCache<string, Entry>;
  private readonly loading = new Map<string, Promise<AccountRecord | null>>();
  /** Accounts announced as changed while their load was in flight: that load must not cache the old record. */
  private readonly changedWhileLoading = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxEntries?: number },
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.entries = new LRUCache<string, Entry>({ max: options.maxEntries ?? DEFAULT_STATE_CACHE_ENTRIES });
  }

  async start(): Promise<void> {
    this.store.onResync(() => this.clear());
    await this.store.onInvalidate((accountId) => {
      if (this.loading.has(accountId)) this.changedWhileLoading.add(accountId);
      // peek: an announcement is not a use, it must not keep the entry from leaving.
      const entry = this.entries.peek(accountId);
      if (entry) entry.stale = true;
    });
  }

  /** How many accounts are held now (at most maxEntries). */
  get size(): number {
    return this.entries.size;
  }

  /** Every entry must be loaded again (a reconnect may have missed announcements); they stay as fallback. */
  clear(): void {
    for (const entry of this.entries.values()) entry.stale = true;
  }

  /** The cached record (null = known not to exist), or undefined when the account was never loaded. */
  peek(accountId: string): AccountRecord | null | undefined {
    const entry = this.entries.get(accountId);
    if (!entry || entry.stale) return undefined;
    if (this.clock.now() - entry.loadedAt > this.options.ttlMs) {
      this.load(accountId).catch(() => undefined);
    }
    return entry.record;
  }

  /** Loads from the store (one load in flight per account). Throws when the store is down and nothing is cached. */
  load(accountId: string): Promise<AccountRecord | null> {
    const inFlight = this.loading.get(accountId);
    if (inFlight) return inFlight;
    const started = process.hrtime.bigint();
    const promise = this.store.accounts
      .get(accountId)
      .then((record) => {
        if (!this.changedWhileLoading.has(accountId)) this.remember(accountId, record);
        this.metrics.decisionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        return record;
      })
      .catch((error: unknown) => {
        const cached = this.entries.peek(accountId);
        this.logger.warn({ err: error, accountId }, 'account state load failed');
        if (cached) return cached.record;
        throw error;
      })
      .finally(() => {
        this.loading.delete(accountId);
        this.changedWhileLoading.delete(accountId);
      });
    this.loading.set(accountId, promise);
    return promise;
  }

  /** Puts a record just written by this instance, so its own next request sees it without a load. */
  remember(accountId: string, record: AccountRecord | null): void {
    this.entries.set(accountId, { record, loadedAt: this.clock.now(), stale: false });
    this.metrics.cachedAccounts.set(this.entries.size);
  }
}
