// The embedded buffer: the same model as the Redis stream (items stay until acked, a cursor passes dead letters), in one process.
import { systemClock, type Clock } from '../../domain/clock';
import {
  emptySurfaceCounts,
  type BufferedItem,
  type BufferLease,
  type BufferRequest,
  type BufferStats,
  type BufferStore,
  type DeadLetter,
  type DeadLetterAnswer,
  type FencedResult,
  type SurfaceCounts,
} from '../buffer-store';

interface AccountBuffer {
  nextSeq: number;
  /** Sequence numbers of stored items (waiting and dead), ascending. */
  order: number[];
  items: Map<number, BufferedItem>;
  dead: Map<number, DeadLetterAnswer>;
  /** Dead letters that owe an operator notification: false until it is sent (an item is marked once in its life). */
  rejected: Map<number, boolean>;
  /** Items taken out of the replay order without sending (meeting requests), oldest first. */
  kept: DeadLetter['item'][];
  keptCounts: SurfaceCounts;
  /** Items at or below the cursor are dead letters; above it they wait. */
  cursor: number;
  pending: SurfaceCounts;
  deadCounts: SurfaceCounts;
  accepted: number;
  replayed: number;
  deadLettered: number;
  redriven: number;
  fence: number;
  lease: { token: number; owner: string; expiresAt: number } | null;
}

/** First index in the ascending array whose value is greater than `value`. */
function upperBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function seqOf(itemId: string): number {
  const seq = Number(itemId);
  return Number.isSafeInteger(seq) ? seq : -1;
}

function summary(item: BufferedItem): DeadLetter['item'] {
  const { body, headers: _headers, ...rest } = item;
  return { ...rest, bytes: body.length };
}

export class MemoryBufferStore implements BufferStore {
  private readonly accounts = new Map<string, AccountBuffer>();
  /** Account → time of its last append, like the Redis index. */
  private readonly index = new Map<string, number>();

  constructor(private readonly clock: Clock = systemClock) {}

  private buffer(accountId: string): AccountBuffer {
    let b = this.accounts.get(accountId);
    if (!b) {
      b = {
        nextSeq: 1,
        order: [],
        items: new Map(),
        dead: new Map(),
        rejected: new Map(),
        kept: [],
        keptCounts: emptySurfaceCounts(),
        cursor: 0,
        pending: emptySurfaceCounts(),
        deadCounts: emptySurfaceCounts(),
        accepted: 0,
        replayed: 0,
        deadLettered: 0,
        redriven: 0,
        fence: 0,
        lease: null,
      };
      this.accounts.set(accountId, b);
    }
    return b;
  }

  private liveLease(b: AccountBuffer): AccountBuffer['lease'] {
    if (b.lease && b.lease.expiresAt <= this.clock.now()) b.lease = null;
    return b.lease;
  }

  private holds(b: AccountBuffer, lease: BufferLease): boolean {
    return this.liveLease(b)?.token === lease.token;
  }

  async append(request: BufferRequest): Promise<BufferedItem> {
    const b = this.buffer(request.accountId);
    const seq = b.nextSeq++;
    // A copy, so a caller reusing its buffer cannot change what was acknowledged.
    const item: BufferedItem = { ...request, headers: { ...request.headers }, body: Buffer.from(request.body), id: String(seq) };
    b.order.push(seq);
    b.items.set(seq, item);
    b.pending[item.surface] += 1;
    b.accepted += 1;
    this.index.set(request.accountId, this.clock.now());
    return item;
  }

  async pending(accountId: string, options: { limit: number; after?: string; maxBytes?: number }): Promise<BufferedItem[]> {
    const b = this.accounts.get(accountId);
    if (!b) return [];
    const from = Math.max(b.cursor, options.after === undefined ? 0 : seqOf(options.after));
    const start = upperBound(b.order, from);
    const page = b.order.slice(start, start + options.limit).map((seq) => b.items.get(seq) as BufferedItem);
    if (options.maxBytes === undefined) return page;
    let bytes = 0;
    const within = page.findIndex((item, i) => (bytes += item.body.length) > (options.maxBytes as number) && i > 0);
    return within === -1 ? page : page.slice(0, within);
  }

  async pendingSummaries(accountId: string, options: { limit: number; after?: string }): Promise<DeadLetter['item'][]> {
    return (await this.pending(accountId, options)).map(summary);
  }

  async stats(accountId: string): Promise<BufferStats> {
    const b = this.accounts.get(accountId);
    if (!b) {
      return {
        depth: 0,
        pendingBySurface: emptySurfaceCounts(),
        deadBySurface: emptySurfaceCounts(),
        keptBySurface: emptySurfaceCounts(),
        oldestReceivedAt: null,
        accepted: 0,
        replayed: 0,
        deadLettered: 0,
        redriven: 0,
        lease: null,
      };
    }
    const oldestSeq = b.order[upperBound(b.order, b.cursor)];
    const lease = this.liveLease(b);
    return {
      depth: Object.values(b.pending).reduce((a, n) => a + n, 0),
      pendingBySurface: { ...b.pending },
      deadBySurface: { ...b.deadCounts },
      keptBySurface: { ...b.keptCounts },
      oldestReceivedAt: oldestSeq === undefined ? null : (b.items.get(oldestSeq) as BufferedItem).receivedAt,
      accepted: b.accepted,
      replayed: b.replayed,
      deadLettered: b.deadLettered,
      redriven: b.redriven,
      lease: lease ? { owner: lease.owner, token: lease.token, expiresInMs: lease.expiresAt - this.clock.now() } : null,
    };
  }

  async deadLetters(accountId: string, limit: number): Promise<DeadLetter[]> {
    const b = this.accounts.get(accountId);
    if (!b) return [];
    return [...b.dead.entries()]
      .sort(([x], [y]) => x - y)
      .slice(0, limit)
      .map(([seq, answer]) => ({ item: summary(b.items.get(seq) as BufferedItem), answer: { ...answer } }));
  }

  async acquireLease(accountId: string, owner: string, ttlMs: number): Promise<BufferLease | null> {
    const b = this.buffer(accountId);
    if (this.liveLease(b)) return null;
    b.fence += 1;
    b.lease = { token: b.fence, owner, expiresAt: this.clock.now() + ttlMs };
    return { accountId, owner, token: b.fence };
  }

  async renewLease(lease: BufferLease, ttlMs: number): Promise<boolean> {
    const b = this.buffer(lease.accountId);
    if (!this.holds(b, lease) || !b.lease) return false;
    b.lease.expiresAt = this.clock.now() + ttlMs;
    return true;
  }

  async releaseLease(lease: BufferLease): Promise<void> {
    const b = this.buffer(lease.accountId);
    if (this.holds(b, lease)) b.lease = null;
  }

  /** Removes a stored item from the order; undefined when it is gone already. */
  private take(b: AccountBuffer, itemId: string): BufferedItem | undefined {
    const seq = seqOf(itemId);
    const item = b.items.get(seq);
    if (!item) return undefined;
    b.items.delete(seq);
    b.order.splice(upperBound(b.order, seq) - 1, 1);
    return item;
  }

  async ack(lease: BufferLease, acked: Pick<BufferedItem, 'id' | 'surface'>): Promise<FencedResult> {
    const b = this.buffer(lease.accountId);
    if (!this.holds(b, lease)) return 'fenced';
    const seq = seqOf(acked.id);
    if (b.dead.has(seq)) return 'ok';
    const item = this.take(b, acked.id);
    if (item) {
      b.pending[item.surface] -= 1;
      b.replayed += 1;
    }
    return 'ok';
  }

  async deadLetter(lease: BufferLease, itemId: string, answer: DeadLetterAnswer, notifyOperator = false): Promise<FencedResult> {
    const b = this.buffer(lease.accountId);
    if (!this.holds(b, lease)) return 'fenced';
    const seq = seqOf(itemId);
    const item = b.items.get(seq);
    if (!item || b.dead.has(seq)) return 'ok';
    b.dead.set(seq, { ...answer });
    if (notifyOperator && !b.rejected.has(seq)) b.rejected.set(seq, false);
    b.cursor = Math.max(b.cursor, seq);
    b.pending[item.surface] -= 1;
    b.deadCounts[item.surface] += 1;
    b.deadLettered += 1;
    return 'ok';
  }

  async rejectedDue(accountId: string): Promise<DeadLetter[]> {
    const b = this.accounts.get(accountId);
    if (!b) return [];
    return [...b.rejected.entries()]
      .filter(([seq, sent]) => !sent && b.dead.has(seq))
      .sort(([x], [y]) => x - y)
      .map(([seq]) => ({ item: summary(b.items.get(seq) as BufferedItem), answer: { ...(b.dead.get(seq) as DeadLetterAnswer) } }));
  }

  async rejectedNotified(lease: BufferLease, itemId: string): Promise<FencedResult> {
    const b = this.buffer(lease.accountId);
    if (!this.holds(b, lease)) return 'fenced';
    const seq = seqOf(itemId);
    if (b.rejected.has(seq)) b.rejected.set(seq, true);
    return 'ok';
  }

  async keep(lease: BufferLease, kept: BufferedItem): Promise<FencedResult> {
    const b = this.buffer(lease.accountId);
    if (!this.holds(b, lease)) return 'fenced';
    if (b.dead.has(seqOf(kept.id))) return 'ok';
    const item = this.take(b, kept.id);
    if (item) {
      b.pending[item.surface] -= 1;
      b.keptCounts[item.surface] += 1;
      b.kept.push(summary(item));
    }
    return 'ok';
  }

  async kept(accountId: string, limit: number): Promise<DeadLetter['item'][]> {
    return (this.accounts.get(accountId)?.kept ?? []).slice(0, limit).map((k) => ({ ...k }));
  }

  async redrive(accountId: string): Promise<number> {
    const b = this.accounts.get(accountId);
    if (!b || b.dead.size === 0) return 0;
    const count = b.dead.size;
    for (const seq of b.dead.keys()) {
      const surface = (b.items.get(seq) as BufferedItem).surface;
      b.deadCounts[surface] -= 1;
      b.pending[surface] += 1;
    }
    b.dead.clear();
    b.cursor = 0;
    b.lease = null;
    b.redriven += count;
    this.index.set(accountId, this.clock.now());
    return count;
  }

  async pendingAccounts(): Promise<string[]> {
    return [...this.index.keys()];
  }

  async settle(accountId: string, graceMs: number): Promise<boolean> {
    const last = this.index.get(accountId);
    if (last === undefined || last > this.clock.now() - graceMs) return false;
    const b = this.accounts.get(accountId);
    if (b && b.order.length > b.dead.size) return false;
    // An operator notification still owed keeps the account polled, so a later pass sends it.
    if (b && [...b.rejected.values()].some((sent) => !sent)) return false;
    this.index.delete(accountId);
    return true;
  }
}
