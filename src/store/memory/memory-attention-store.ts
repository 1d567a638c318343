// The attention index in this process: per state a sorted array (binary search) and a map of scores.
import type { AttentionEntry, AttentionRange, AttentionState, AttentionStore } from '../attention-store';

const compare = (a: AttentionEntry, b: AttentionEntry): number =>
  a.score - b.score || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0);

class SortedEntries {
  readonly scores = new Map<string, number>();
  readonly entries: AttentionEntry[] = [];

  /** Index of the first entry that sorts after `probe` (or at it, when `inclusive`). */
  position(probe: AttentionEntry, inclusive: boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(this.entries[mid] as AttentionEntry, probe);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  delete(accountId: string): void {
    const score = this.scores.get(accountId);
    if (score === undefined) return;
    this.entries.splice(this.position({ accountId, score }, true), 1);
    this.scores.delete(accountId);
  }

  set(accountId: string, score: number): void {
    this.delete(accountId);
    const entry = { accountId, score };
    this.entries.splice(this.position(entry, true), 0, entry);
    this.scores.set(accountId, score);
  }
}

export class MemoryAttentionStore implements AttentionStore {
  private readonly lists = new Map<AttentionState, SortedEntries>();

  private list(state: AttentionState): SortedEntries {
    let list = this.lists.get(state);
    if (!list) {
      list = new SortedEntries();
      this.lists.set(state, list);
    }
    return list;
  }

  async add(state: AttentionState, accountId: string, score: number): Promise<void> {
    this.list(state).set(accountId, score);
  }

  async remove(state: AttentionState, accountId: string, score?: number): Promise<boolean> {
    const list = this.list(state);
    const current = list.scores.get(accountId);
    if (current === undefined || (score !== undefined && current !== score)) return false;
    list.delete(accountId);
    return true;
  }

  async range(state: AttentionState, range: AttentionRange): Promise<AttentionEntry[]> {
    const list = this.list(state);
    let start = range.min === undefined ? 0 : list.position({ accountId: '', score: range.min }, true);
    if (range.after) start = Math.max(start, list.position(range.after, false));
    const out: AttentionEntry[] = [];
    for (let i = start; i < list.entries.length && out.length < range.limit; i++) {
      const entry = list.entries[i] as AttentionEntry;
      if (range.max !== undefined && entry.score > range.max) break;
      out.push({ ...entry });
    }
    return out;
  }
}
