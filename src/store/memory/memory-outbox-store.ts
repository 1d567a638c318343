// In-process notifications outbox: same semantics as the Redis one, for the embedded store and tests.
import { releasedPending, type CreateResult, type Notification, type OutboxStore, type OutboxWriteOptions } from '../outbox-store';
import { MemoryDueIndex } from './memory-due-index';

const clone = <T>(value: T): T => structuredClone(value);

export class MemoryOutboxStore implements OutboxStore {
  /** accountId → (id → notification), insertion order = creation order. */
  private readonly byAccount = new Map<string, Map<string, Notification>>();
  /** accountId → (key → id) */
  private readonly keys = new Map<string, Map<string, string>>();

  constructor(private readonly index: MemoryDueIndex = new MemoryDueIndex()) {}

  private records(accountId: string): Map<string, Notification> {
    let records = this.byAccount.get(accountId);
    if (!records) {
      records = new Map();
      this.byAccount.set(accountId, records);
    }
    return records;
  }

  async create(notification: Notification, options: OutboxWriteOptions = {}): Promise<CreateResult> {
    if (notification.status === 'pending' && !options.underClaim) this.index.touchNow(notification.accountId, notification.nextAttemptAt);
    const keys = this.keys.get(notification.accountId) ?? new Map<string, string>();
    this.keys.set(notification.accountId, keys);
    const existingId = keys.get(notification.key);
    const records = this.records(notification.accountId);
    if (existingId !== undefined) {
      return { created: false, notification: clone(records.get(existingId) as Notification) };
    }
    keys.set(notification.key, notification.id);
    records.set(notification.id, clone(notification));
    return { created: true, notification: clone(notification) };
  }

  async get(accountId: string, id: string): Promise<Notification | null> {
    const n = this.byAccount.get(accountId)?.get(id);
    return n ? clone(n) : null;
  }

  async list(accountId: string): Promise<Notification[]> {
    return [...(this.byAccount.get(accountId)?.values() ?? [])].map(clone);
  }

  async due(accountId: string, now: number): Promise<Notification[]> {
    return (await this.list(accountId))
      .filter((n) => n.status === 'pending' && n.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async update(next: Notification, expectedRev: number, options: OutboxWriteOptions = {}): Promise<boolean> {
    if (releasedPending(next) && !options.underClaim) this.index.touchNow(next.accountId, next.nextAttemptAt);
    const records = this.byAccount.get(next.accountId);
    const current = records?.get(next.id);
    if (!records || !current || current.rev !== expectedRev) return false;
    records.set(next.id, clone({ ...next, rev: expectedRev + 1 }));
    return true;
  }
}
