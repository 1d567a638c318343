// In-process cache of account records: no store round trip on the hot path, invalidated through the store's pub/sub.
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
export class StateCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<AccountRecord | null>>();
  /** Bumped on every invalidation, so a load that raced with a change does not cache the old record. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxEntries?: number },
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  async start(): Promise<void> {
    this.store.onResync(() => this.clear());
    await this.store.onInvalidate((accountId) => {
      this.generations.set(accountId, (this.generations.get(accountId) ?? 0) + 1);
      const entry = this.entries.get(accountId);
      if (entry) entry.stale = true;
    });
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
    const generation = this.generations.get(accountId);
    const promise = this.store.accounts
      .get(accountId)
      .then((record) => {
        if (this.generations.get(accountId) === generation) this.remember(accountId, record);
        this.metrics.decisionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        return record;
      })
      .catch((error: unknown) => {
        const cached = this.entries.get(accountId);
        this.logger.warn({ err: error, accountId }, 'account state load failed');
        if (cached) return cached.record;
        throw error;
      })
      .finally(() => this.loading.delete(accountId));
    this.loading.set(accountId, promise);
    return promise;
  }

  /** Puts a record just written by this instance, so its own next request sees it without a load. */
  remember(accountId: string, record: AccountRecord | null): void {
    const max = this.options.maxEntries ?? 100_000;
    if (!this.entries.has(accountId) && this.entries.size >= max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(accountId, { record, loadedAt: this.clock.now(), stale: false });
    this.metrics.cachedAccounts.set(this.entries.size);
  }
}
