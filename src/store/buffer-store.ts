// The durable buffer of requests accepted during a maintenance window: append, ordered replay under a fenced lease, dead letters.

export const BUFFER_SURFACES = ['form', 'meeting', 'analytics', 'inbound'] as const;
export type BufferSurface = (typeof BUFFER_SURFACES)[number];

/** What the acceptor stores: enough to replay the request as it arrived. */
export interface BufferRequest {
  accountId: string;
  surface: BufferSurface;
  method: string;
  /** Path without the query string, as the client sent it. */
  path: string;
  /** Raw query string without the leading '?', '' when there was none. */
  query: string;
  /** Allow-listed headers only, lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
  contentType: string | null;
  /** Epoch ms at which the gateway received the request. */
  receivedAt: number;
}

/** A stored request. `id` is assigned by the store and orders the items of one account. */
export interface BufferedItem extends BufferRequest {
  id: string;
}

/** An item without its body: what the admin API lists. */
export type BufferedItemSummary = Omit<BufferedItem, 'body' | 'headers'> & { bytes: number };

/** The upstream's answer that made the replayer give up on an item. */
export interface DeadLetterAnswer {
  /** HTTP status of the last answer; null when the last attempt failed on the network. */
  status: number | null;
  /** The first bytes of the answer body (text, truncated). */
  bodyExcerpt: string;
  /** Network error code or reason when there was no HTTP answer (or attempts were exhausted). */
  error: string | null;
  attempts: number;
  at: number;
}

export interface DeadLetter {
  item: BufferedItemSummary;
  answer: DeadLetterAnswer;
}

/**
 * The right to replay one account. `token` is a fencing token: it grows with every acquisition,
 * and every ack or dead letter names it so a holder whose lease expired (and was taken over) is refused.
 */
export interface BufferLease {
  accountId: string;
  owner: string;
  token: number;
}

export type FencedResult = 'ok' | 'fenced';

export type SurfaceCounts = Record<BufferSurface, number>;

export interface BufferStats {
  /** Items waiting for replay (not acknowledged, not dead). */
  depth: number;
  pendingBySurface: SurfaceCounts;
  deadBySurface: SurfaceCounts;
  /** Items kept without replay (meeting requests, SPEC §9): the owner is emailed instead. */
  keptBySurface: SurfaceCounts;
  /** receivedAt of the oldest waiting item, null when none waits. */
  oldestReceivedAt: number | null;
  /** Counters since the account's first buffered item. */
  accepted: number;
  replayed: number;
  deadLettered: number;
  redriven: number;
  /** Who replays the account right now, if anyone. */
  lease: { owner: string; token: number; expiresInMs: number } | null;
}

export interface BufferStore {
  /** Stores one request durably and returns it with its id; resolves only once the store confirmed the write. */
  append(request: BufferRequest): Promise<BufferedItem>;
  /**
   * Waiting items in arrival order, after `after` (an item id) when given. Dead letters are not waiting.
   * With `maxBytes`, the page stops before the item whose body would pass it (the first item always comes):
   * 25 form uploads of 10 MiB must not be read into the process at once.
   */
  pending(accountId: string, options: { limit: number; after?: string; maxBytes?: number }): Promise<BufferedItem[]>;
  /** Like `pending` without the bodies (their length instead): for listings, whatever the body sizes. */
  pendingSummaries(accountId: string, options: { limit: number; after?: string }): Promise<BufferedItemSummary[]>;
  stats(accountId: string): Promise<BufferStats>;
  /** Dead letters in arrival order. */
  deadLetters(accountId: string, limit: number): Promise<DeadLetter[]>;

  /** Takes the account's replay lease for `ttlMs`; null while another holder's lease is live. */
  acquireLease(accountId: string, owner: string, ttlMs: number): Promise<BufferLease | null>;
  /** Extends a lease still held; false when it expired or was taken over (stop working). */
  renewLease(lease: BufferLease, ttlMs: number): Promise<boolean>;
  releaseLease(lease: BufferLease): Promise<void>;
  /**
   * Removes a delivered item (as read from `pending`: its surface keeps the counts right without reading the body
   * again). Refused when the lease is no longer the live one.
   */
  ack(lease: BufferLease, item: Pick<BufferedItem, 'id' | 'surface'>): Promise<FencedResult>;
  /**
   * Moves an item to the dead letters with the upstream's answer. Refused when the lease is no longer the live one.
   * With `notifyOperator`, the same atomic write marks the item as owing one operator notification (see
   * `rejectedDue`); an item is marked at most once in its life, so a re-driven item rejected again is not re-announced.
   */
  deadLetter(lease: BufferLease, itemId: string, answer: DeadLetterAnswer, notifyOperator?: boolean): Promise<FencedResult>;
  /** Dead letters whose operator notification is owed and not yet confirmed sent, in arrival order. */
  rejectedDue(accountId: string): Promise<DeadLetter[]>;
  /** Records that an owed operator notification was sent. Refused when the lease is no longer the live one. */
  rejectedNotified(lease: BufferLease, itemId: string): Promise<FencedResult>;
  /**
   * Takes a waiting item out of the replay order without sending it and keeps its summary (meeting requests:
   * SPEC §9, the owner is emailed instead). Refused when the lease is no longer the live one.
   */
  keep(lease: BufferLease, item: BufferedItem): Promise<FencedResult>;
  /** Kept items, oldest first. */
  kept(accountId: string, limit: number): Promise<BufferedItemSummary[]>;
  /**
   * Makes every dead letter wait for replay again, keeping its id (so its Idempotency-Key) and its place in the order.
   * Revokes the current lease so a replay under way restarts from the oldest re-driven item. Returns how many.
   */
  redrive(accountId: string): Promise<number>;

  /** Accounts that may have waiting items (a superset: an account leaves it only through `settle`). */
  pendingAccounts(): Promise<string[]>;
  /**
   * Drops the account from `pendingAccounts` when nothing waits and nothing was appended in the last `graceMs`
   * (by the store's own time): the index is written before the item, so the grace keeps an append still in
   * flight from being stranded. True when dropped.
   */
  settle(accountId: string, graceMs: number): Promise<boolean>;
}

export function emptySurfaceCounts(): SurfaceCounts {
  return { form: 0, meeting: 0, analytics: 0, inbound: 0 };
}

export function isBufferSurface(value: string): value is BufferSurface {
  return (BUFFER_SURFACES as readonly string[]).includes(value);
}
