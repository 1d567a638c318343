// Sends one notification the scheduler has claimed: voids it if its migration moved, else delivers and records the outcome.
import type { AccountStore } from '../store/types';
import type { Logger } from '../observability/logger';
import type { Notification, OutboxStore, OutboxWriteOptions } from '../store/outbox-store';
import type { Clock } from '../domain/clock';
import type { Delivery } from './delivery';
import type { NotificationCounter } from './notification-counter';
import { afterAttempt, rewrite, type RetryPolicy } from './outbox';
import type { NotificationKind } from '../domain/notification-kinds';

/**
 * The scheduler's only way to send. It hands over a notification it holds the lease of; the sender answers with the
 * notification as stored afterwards (sent, pending again after a backoff, failed, void), or null when it is gone.
 */
export interface ClaimedSender {
  send(claimed: Notification, write: OutboxWriteOptions): Promise<Notification | null>;
}

export interface NotificationSenderOptions {
  outbox: OutboxStore;
  accounts: Pick<AccountStore, 'get'>;
  delivery: Pick<Delivery, 'deliver'>;
  retry: RetryPolicy;
  clock: Clock;
  logger: Logger;
  counter: NotificationCounter;
  /** The lease owner the scheduler claims with: a lease found in other hands after sending is not ours to settle. */
  owner: string;
}

/** Kinds whose text names a start: once the migration moved or ended they are void rather than sent. */
const START_BOUND: ReadonlySet<NotificationKind> = new Set(['scheduled', 'week_of', 'day_before', 'rescheduled']);

export class NotificationSender implements ClaimedSender {
  constructor(private readonly options: NotificationSenderOptions) {}

  /** Sends one claimed notification and records the outcome; returns it as stored afterwards (null when gone). */
  async send(claimed: Notification, write: OutboxWriteOptions): Promise<Notification | null> {
    const { outbox, counter, logger } = this.options;
    const log = { accountId: claimed.accountId, id: claimed.id, kind: claimed.kind };
    const stale = await this.staleReason(claimed);
    if (stale) {
      const voided = await rewrite(outbox, claimed.accountId, claimed.id, (current) =>
        current.status === 'pending' ? { ...current, status: 'void', lastError: stale, leaseOwner: null, leaseUntil: 0 } : null,
      );
      counter.inc({ kind: claimed.kind, outcome: 'void' });
      logger.info({ ...log, reason: stale }, 'notification voided before delivery');
      return voided;
    }
    const outcome = await this.options.delivery.deliver(claimed);
    const after = await rewrite(
      outbox,
      claimed.accountId,
      claimed.id,
      (current) => {
        if (current.status === 'pending' && current.leaseOwner !== this.options.owner) {
          // Our lease lapsed and another instance holds it now: record only what we delivered.
          return { ...current, delivered: [...new Set([...current.delivered, ...outcome.delivered])] };
        }
        return afterAttempt(current, outcome, this.options.retry, this.options.clock.now());
      },
      write,
      claimed,
    );
    const status = after?.status ?? 'gone';
    counter.inc({ kind: claimed.kind, outcome: status === 'pending' ? 'retry' : status });
    if (outcome.error) logger.warn({ ...log, status, attempts: after?.attempts, error: outcome.error }, 'notification delivery failed');
    else logger.info({ ...log, channels: after?.delivered }, 'notification delivered');
    return after;
  }

  /** Why a claimed notification must not go out any more (its migration moved or ended), or null. */
  private async staleReason(n: Notification): Promise<string | null> {
    if (!START_BOUND.has(n.kind)) return null;
    const m = (await this.options.accounts.get(n.accountId))?.migration;
    if (!m || m.id !== n.migrationId) return 'void: the migration no longer exists';
    if (m.status !== 'scheduled' && m.status !== 'in_progress') return `void: the migration is ${m.status}`;
    if (m.start !== n.migrationStart) return 'void: the migration was rescheduled';
    return null;
  }
}
