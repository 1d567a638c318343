// The notifications outbox in Redis: per-account hashes (one hash tag), Lua for the claim and compare-and-set.
import { releasedPending, type CreateResult, type Notification, type OutboxStore, type OutboxWriteOptions } from '../outbox-store';
import type { DueIndex } from '../timeline-store';
import { accountKey } from './keys';
import { defineScript, runScript, type RedisClient } from './scripts';

export class RedisOutboxStore implements OutboxStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly index: DueIndex,
  ) {
    defineScript(client, 'mgOutboxCreate', 'timeline-outbox-create', 4);
    defineScript(client, 'mgOutboxUpdate', 'timeline-outbox-update', 2);
  }

  private key(accountId: string, name: string): string {
    return accountKey(this.prefix, accountId, name);
  }

  async create(notification: Notification, options: OutboxWriteOptions = {}): Promise<CreateResult> {
    const a = notification.accountId;
    // The index is another hash slot: touched first, so a crash between the two leaves one extra look, not a miss.
    if (notification.status === 'pending' && !options.underClaim) await this.index.touch(a, notification.nextAttemptAt);
    const reply = (await runScript(
      this.client,
      'mgOutboxCreate',
      [this.key(a, 'outbox'), this.key(a, 'outbox:keys'), this.key(a, 'outbox:order'), this.key(a, 'outbox:due')],
      [
        notification.key,
        notification.id,
        JSON.stringify(notification),
        notification.status === 'pending' ? notification.nextAttemptAt : '',
      ],
    )) as [number, string];
    return { created: reply[0] === 1, notification: JSON.parse(reply[1]) as Notification };
  }

  async get(accountId: string, id: string): Promise<Notification | null> {
    const raw = await this.client.hget(this.key(accountId, 'outbox'), id);
    return raw ? (JSON.parse(raw) as Notification) : null;
  }

  private async many(accountId: string, ids: string[]): Promise<Notification[]> {
    if (ids.length === 0) return [];
    const raws = await this.client.hmget(this.key(accountId, 'outbox'), ...ids);
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Notification);
  }

  async list(accountId: string): Promise<Notification[]> {
    return this.many(accountId, await this.client.lrange(this.key(accountId, 'outbox:order'), 0, -1));
  }

  async due(accountId: string, now: number): Promise<Notification[]> {
    const ids = await this.client.zrangebyscore(this.key(accountId, 'outbox:due'), '-inf', now);
    return (await this.many(accountId, ids)).filter((n) => n.status === 'pending');
  }

  async update(next: Notification, expectedRev: number, options: OutboxWriteOptions = {}): Promise<boolean> {
    if (releasedPending(next) && !options.underClaim) await this.index.touch(next.accountId, next.nextAttemptAt);
    const stored: Notification = { ...next, rev: expectedRev + 1 };
    const written = await runScript(
      this.client,
      'mgOutboxUpdate',
      [this.key(next.accountId, 'outbox'), this.key(next.accountId, 'outbox:due')],
      [next.id, expectedRev, JSON.stringify(stored), next.status === 'pending' ? next.nextAttemptAt : ''],
    );
    return written === 1;
  }
}
