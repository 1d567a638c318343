// What the migration timeline keeps per account: the outbox, the post-migration checklist, meeting requests.
import type { OutboxStore } from './outbox-store';

export interface ChecklistMark {
  done: boolean;
  at: number;
  by: string;
}

export interface ChecklistState {
  migrationId: string;
  openedAt: number;
  /** Only items someone has marked; the item list itself is code (timeline/checklist.ts). */
  marks: Record<string, ChecklistMark>;
}

export interface ChecklistStore {
  /** Opens the checklist for a completed migration; idempotent per migration id. True when newly opened. */
  open(accountId: string, migrationId: string, at: number): Promise<boolean>;
  get(accountId: string): Promise<ChecklistState | null>;
  /** Records a mark; false when no checklist is open for the account. */
  mark(accountId: string, itemId: string, mark: ChecklistMark): Promise<boolean>;
}

/** A meeting request accepted while the window was open (the calendar did not get it). */
export interface MeetingRequest {
  id: string;
  accountId: string;
  migrationId: string | null;
  slug: string;
  receivedAt: number;
  /** What could be read from the body: name, email, time, message… */
  fields: Record<string, string>;
  /** A short printable excerpt of the body when no fields could be read. */
  excerpt: string;
}

export interface MeetingRequestStore {
  /** Idempotent per request id. */
  add(request: MeetingRequest): Promise<void>;
  /** Requests of one migration, in arrival order. */
  list(accountId: string, migrationId: string): Promise<MeetingRequest[]>;
}

/** An account taken from the due index by one instance, until it settles it or the claim's lease lapses. */
export interface DueClaim {
  accountId: string;
  /** The score the claim gave the entry: settling succeeds only while it is still there (nothing touched it since). */
  lease: number;
}

export interface DueBatch {
  claims: DueClaim[];
  /** The earliest score still in the index after this claim (null when empty): when to look next. */
  nextAt: number | null;
}

export type SettleResult = 'settled' | 'touched' | 'deferred';

/**
 * Which accounts the timeline must look at, and from when (SPEC §11): a sorted set of account ids by the next
 * moment something of theirs may be due. Writers touch it before storing a change (over-inclusive: a touch without
 * the change costs one visit); readers claim a batch of due accounts, look at each and settle it to its next moment.
 */
export interface DueIndex {
  /** The account needs a look no later than `at` (the score only ever moves earlier here); stamps the touch time. */
  touch(accountId: string, at: number): Promise<void>;
  /** Claims up to `limit` accounts due at `now`: their scores move to now + leaseMs, so other instances skip them. */
  claim(now: number, limit: number, leaseMs: number): Promise<DueBatch>;
  /**
   * Puts the account at its next moment (null: nothing more, it leaves the index) unless it was touched since the
   * claim ('touched': the toucher's score stays). Within `graceMs` of its last touch (real time) a change may still be
   * on its way to the store: the entry is then kept at min(next, now + graceMs) and looked at again ('deferred').
   */
  settle(claim: DueClaim, next: number | null, now: number, graceMs: number): Promise<SettleResult>;
  /** The account's score, or null when it is not in the index (for tests and the admin view). */
  scoreOf(accountId: string): Promise<number | null>;
  /**
   * Whether the caller must build the index from the stored accounts (data from before the index): true once
   * per store until built() is called, and then only for one caller at a time (a lease of `leaseMs`).
   */
  needsBuild(owner: string, leaseMs: number): Promise<boolean>;
  /** The index now holds every stored account that needs one: needsBuild() answers false from now on. */
  built(): Promise<void>;
}

export interface TimelineStore {
  readonly outbox: OutboxStore;
  readonly due: DueIndex;
  readonly checklists: ChecklistStore;
  readonly meetings: MeetingRequestStore;
}
