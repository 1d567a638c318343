// The attention index in Redis: one sorted set per state under its own {attention} hash tag.
import type { AttentionEntry, AttentionRange, AttentionState, AttentionStore } from '../attention-store';
import { defineScript, runScript, type RedisClient } from './scripts';

export class RedisAttentionStore implements AttentionStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {
    defineScript(client, 'mgAttentionRange', 'attention-range', 1);
    defineScript(client, 'mgAttentionRemove', 'attention-remove', 1);
  }

  /** Every list shares one tag: the lists are small (what needs an operator), and one slot keeps them together. */
  private key(state: AttentionState): string {
    return `${this.prefix}{attention}:${state}`;
  }

  async add(state: AttentionState, accountId: string, score: number): Promise<void> {
    await this.client.zadd(this.key(state), score, accountId);
  }

  async remove(state: AttentionState, accountId: string, score?: number): Promise<boolean> {
    const removed = await runScript(this.client, 'mgAttentionRemove', [this.key(state)], [accountId, score === undefined ? '' : score]);
    return removed === 1;
  }

  async range(state: AttentionState, range: AttentionRange): Promise<AttentionEntry[]> {
    const rows = (await runScript(
      this.client,
      'mgAttentionRange',
      [this.key(state)],
      [
        range.min === undefined ? '-inf' : range.min,
        range.max === undefined ? '+inf' : range.max,
        range.limit,
        range.after ? range.after.score : '',
        range.after ? range.after.accountId : '',
      ],
    )) as string[];
    const out: AttentionEntry[] = [];
    for (let i = 0; i + 1 < rows.length; i += 2) out.push({ accountId: rows[i] as string, score: Number(rows[i + 1]) });
    return out;
  }
}
