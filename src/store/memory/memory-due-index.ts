// In-process due index of the timeline: the same claim and settle rules as the Redis one, for the embedded store.
import type { DueBatch, DueClaim, DueIndex, SettleResult } from '../timeline-store';

export class MemoryDueIndex implements DueIndex {
  private readonly scores = new Map<string, number>();
  /** accountId → real time (ms) of its last touch. */
  private readonly touched = new Map<string, number>();

  constructor(private readonly realNow: () => number = Date.now) {}

  /** Synchronous, so a memory store can touch and write in one step. */
  touchNow(accountId: string, at: number): void {
    const current = this.scores.get(accountId);
    if (current === undefined || at < current) this.scores.set(accountId, at);
    this.touched.set(accountId, this.realNow());
  }

  async touch(accountId: string, at: number): Promise<void> {
    this.touchNow(accountId, at);
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<DueBatch> {
    // Linear in the index, which holds only accounts with something ahead of them, never every account.
    const due = [...this.scores]
      .filter(([, score]) => score <= now)
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit);
    const lease = now + leaseMs;
    for (const [accountId] of due) this.scores.set(accountId, lease);
    let nextAt: number | null = null;
    for (const score of this.scores.values()) if (nextAt === null || score < nextAt) nextAt = score;
    return { claims: due.map(([accountId]) => ({ accountId, lease })), nextAt };
  }

  async settle(claim: DueClaim, next: number | null, now: number, graceMs: number): Promise<SettleResult> {
    if (this.scores.get(claim.accountId) !== claim.lease) return 'touched';
    const touchedAt = this.touched.get(claim.accountId);
    if (touchedAt !== undefined && this.realNow() - touchedAt < graceMs) {
      this.scores.set(claim.accountId, next === null ? now + graceMs : Math.min(next, now + graceMs));
      return 'deferred';
    }
    this.touched.delete(claim.accountId);
    if (next === null) this.scores.delete(claim.accountId);
    else this.scores.set(claim.accountId, next);
    return 'settled';
  }

  async scoreOf(accountId: string): Promise<number | null> {
    return this.scores.get(accountId) ?? null;
  }

  private build: { done: boolean; owner: string | null; until: number } = { done: false, owner: null, until: 0 };

  async needsBuild(owner: string, leaseMs: number): Promise<boolean> {
    const now = this.realNow();
    if (this.build.done || (this.build.owner !== null && this.build.until > now)) return false;
    this.build = { done: false, owner, until: now + leaseMs };
    return true;
  }

  async built(): Promise<void> {
    this.build = { done: true, owner: null, until: 0 };
  }
}
