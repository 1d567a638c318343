// The attention index: per state an ordered set of account ids, so the operator's lists never walk every account.

export const ATTENTION_STATES = ['in_window', 'upcoming', 'suspended', 'dead_letters'] as const;
export type AttentionState = (typeof ATTENTION_STATES)[number];

export function isAttentionState(value: unknown): value is AttentionState {
  return typeof value === 'string' && (ATTENTION_STATES as readonly string[]).includes(value);
}

/** One listed account; entries are ordered by score, then by account id (byte order). */
export interface AttentionEntry {
  accountId: string;
  score: number;
}

export interface AttentionRange {
  /** Inclusive bounds on the score; absent = unbounded. */
  min?: number;
  max?: number;
  /** Continue strictly after this entry (a page's last one), even if it has since been removed. */
  after?: AttentionEntry;
  limit: number;
}

/**
 * A superset index: writers add an account before (or with) the change that puts it on a list, and readers
 * check each entry against the account's real state, removing the stale ones. Scores are epoch ms.
 */
export interface AttentionStore {
  /** Puts the account on the list with this score (moving it when already there). */
  add(state: AttentionState, accountId: string, score: number): Promise<void>;
  /**
   * Takes the account off the list. With `score`, only while its entry still has that score: an add that raced
   * with the reader's check (and so moved the entry) is kept. True when removed.
   */
  remove(state: AttentionState, accountId: string, score?: number): Promise<boolean>;
  /** Entries in order within [min, max], after `after`, at most `limit`; cost grows with the page, not the list. */
  range(state: AttentionState, range: AttentionRange): Promise<AttentionEntry[]>;
}
