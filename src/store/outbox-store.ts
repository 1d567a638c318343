// The notifications outbox: one record per (account, claim key), created atomically, updated by compare-and-set.
import type { NotificationKind } from '../domain/notification-kinds';

export type NotificationStatus = 'pending' | 'sent' | 'failed' | 'void';

/** Where a notification went: a transport, or `log` when none is configured (it was written to the log). */
export type DeliveryChannel = 'smtp' | 'webhook' | 'log';

export interface Notification {
  id: string;
  accountId: string;
  /** Null for notifications that are not about a migration (integration suspensions). */
  migrationId: string | null;
  /** The start the notification speaks about: a reminder for an old start is void after a reschedule. */
  migrationStart: number | null;
  kind: NotificationKind;
  /** Exactly-once claim key within the account (see timeline/schedule.ts notificationKey). */
  key: string;
  recipients: string[];
  subject: string;
  text: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  nextAttemptAt: number;
  sentAt: number | null;
  /** Channels that have accepted it; a retry only goes to the others, so none receives it twice. */
  delivered: DeliveryChannel[];
  /** The instance delivering it and until when; another instance may take it over after that. */
  leaseOwner: string | null;
  leaseUntil: number;
  /** Bumped by every write: updates are compare-and-set on it. */
  rev: number;
}

export interface CreateResult {
  created: boolean;
  /** The stored notification: the new one, or the one that already held the key. */
  notification: Notification;
}

/** Options of a write to the outbox. */
export interface OutboxWriteOptions {
  /**
   * The caller holds the account's due claim (timeline-store.ts DueIndex) and settles it after reading the outbox
   * again: the write need not touch the due index. Default false: every pending write touches it first.
   */
  underClaim?: boolean;
}

export interface OutboxStore {
  /** Stores the notification unless the account already has one with the same key (atomic across instances). */
  create(notification: Notification, options?: OutboxWriteOptions): Promise<CreateResult>;
  get(accountId: string, id: string): Promise<Notification | null>;
  /** Every notification of the account, oldest first. */
  list(accountId: string): Promise<Notification[]>;
  /** Pending notifications whose next attempt is due at `now`, earliest first. */
  due(accountId: string, now: number): Promise<Notification[]>;
  /**
   * Writes `next` (with rev = expectedRev + 1) only if the stored rev is still expectedRev. A pending notification
   * released for a later attempt (no lease owner) touches the due index at its next attempt first.
   */
  update(next: Notification, expectedRev: number, options?: OutboxWriteOptions): Promise<boolean>;
}

/** A pending notification nobody holds: its next attempt must be in the due index (a claim update is not one). */
export function releasedPending(n: Notification): boolean {
  return n.status === 'pending' && n.leaseOwner === null;
}
