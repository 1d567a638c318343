// The timeline's due index in Redis: one sorted set of account ids by next moment, shared by every instance.
import type { DueBatch, DueClaim, DueIndex, SettleResult } from '../timeline-store';
import { globalKey } from './keys';
import { defineScript, runScript, type RedisClient } from './scripts';

/**
 * Global keys (own hash tag), so no script can join them with an account's keys on a Cluster: writers touch the
 * index before they store a change, and settle() keeps an entry touched within the grace (README, "Timeline index").
 */
export class RedisDueIndex implements DueIndex {
  private readonly keys: [string, string];
  private readonly buildKeys: [string, string];

  constructor(
    private readonly client: RedisClient,
    prefix: string,
  ) {
    this.keys = [globalKey(prefix, 'due'), globalKey(prefix, 'due:touched')];
    this.buildKeys = [globalKey(prefix, 'due:built'), globalKey(prefix, 'due:building')];
    defineScript(client, 'mgDueTouch', 'due-touch', 2);
    defineScript(client, 'mgDueClaim', 'due-claim', 1);
    defineScript(client, 'mgDueSettle', 'due-settle', 2);
    defineScript(client, 'mgDueBuild', 'due-build', 2);
  }

  async touch(accountId: string, at: number): Promise<void> {
    await runScript(this.client, 'mgDueTouch', this.keys, [accountId, at]);
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<DueBatch> {
    const lease = now + leaseMs;
    const [ids, first] = (await runScript(this.client, 'mgDueClaim', [this.keys[0]], [now, limit, lease])) as [string[], string];
    return { claims: ids.map((accountId) => ({ accountId, lease })), nextAt: first === '' ? null : Number(first) };
  }

  async settle(claim: DueClaim, next: number | null, now: number, graceMs: number): Promise<SettleResult> {
    return (await runScript(this.client, 'mgDueSettle', this.keys, [
      claim.accountId,
      claim.lease,
      next ?? '',
      now,
      graceMs,
    ])) as SettleResult;
  }

  async scoreOf(accountId: string): Promise<number | null> {
    const score = await this.client.zscore(this.keys[0], accountId);
    return score === null ? null : Number(score);
  }

  async needsBuild(owner: string, leaseMs: number): Promise<boolean> {
    return (await runScript(this.client, 'mgDueBuild', this.buildKeys, [owner, leaseMs])) === 1;
  }

  async built(): Promise<void> {
    await this.client.multi().set(this.buildKeys[0], '1').del(this.buildKeys[1]).exec();
  }
}
