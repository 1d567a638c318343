// Outbox operations on top of the store's atomic create and compare-and-set: claim with a lease, settle, void.
import { randomUUID } from 'node:crypto';
import { backoffDelayMs } from '../domain/backoff';
import type { DeliveryChannel, Notification, OutboxStore, OutboxWriteOptions } from '../store/outbox-store';
import type { NotificationKind } from '../domain/notification-kinds';

/** How many times a lost compare-and-set is retried before giving up (another instance kept writing). */
const CAS_TRIES = 5;

export interface NewNotification {
  accountId: string;
  migrationId: string | null;
  migrationStart: number | null;
  kind: NotificationKind;
  key: string;
  recipients: string[];
  subject: string;
  text: string;
  now: number;
}

export function newNotification(input: NewNotification): Notification {
  return {
    id: randomUUID(),
    accountId: input.accountId,
    migrationId: input.migrationId,
    migrationStart: input.migrationStart,
    kind: input.kind,
    key: input.key,
    recipients: input.recipients,
    subject: input.subject,
    text: input.text,
    status: 'pending',
    attempts: 0,
    lastError: null,
    createdAt: input.now,
    nextAttemptAt: input.now,
    sentAt: null,
    delivered: [],
    leaseOwner: null,
    leaseUntil: 0,
    rev: 1,
  };
}

export interface ClaimTimes {
  /** The timeline's clock: is the notification due? */
  now: number;
  /** Real elapsed time for the lease (see TimelineSchedulerOptions.leaseClock). */
  leaseNow: number;
  leaseMs: number;
}

/**
 * Takes a due pending notification for delivery until leaseNow + leaseMs. Null when it is not due, someone
 * else holds a live lease, or another instance won the compare-and-set: two instances never send it at once.
 */
export async function claimForDelivery(
  outbox: OutboxStore,
  n: Notification,
  owner: string,
  times: ClaimTimes,
): Promise<Notification | null> {
  if (n.status !== 'pending' || n.nextAttemptAt > times.now) return null;
  if (n.leaseOwner !== null && n.leaseUntil > times.leaseNow) return null;
  const claimed: Notification = { ...n, leaseOwner: owner, leaseUntil: times.leaseNow + times.leaseMs };
  if (!(await outbox.update(claimed, n.rev))) return null;
  return { ...claimed, rev: n.rev + 1 };
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 30_000, maxDelayMs: 3600_000 };

export interface AttemptOutcome {
  /** Channels that accepted it in this attempt. */
  delivered: DeliveryChannel[];
  /** Every channel now holds it. */
  complete: boolean;
  error: string | null;
}

/** The record after one delivery attempt: sent, pending again after a backoff, or failed for good. */
export function afterAttempt(current: Notification, outcome: AttemptOutcome, policy: RetryPolicy, now: number): Notification {
  const delivered = [...new Set([...current.delivered, ...outcome.delivered])];
  const attempts = current.attempts + 1;
  const base = { ...current, delivered, attempts, leaseOwner: null, leaseUntil: 0 };
  // Voided or finished by someone else meanwhile (our lease had lapsed): keep their verdict, add what we did.
  if (current.status !== 'pending') return { ...base, lastError: outcome.error ?? current.lastError };
  if (outcome.complete) return { ...base, status: 'sent', sentAt: now, lastError: outcome.error };
  if (attempts >= policy.maxAttempts) return { ...base, status: 'failed', lastError: outcome.error };
  return {
    ...base,
    lastError: outcome.error,
    nextAttemptAt: now + backoffDelayMs({ baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, attempts),
  };
}

/**
 * Re-reads and rewrites until the compare-and-set holds; null when the notification is gone. `guess`, when given, is
 * tried first instead of a read (the caller just wrote it): a wrong guess only costs the lost compare-and-set.
 */
export async function rewrite(
  outbox: OutboxStore,
  accountId: string,
  id: string,
  change: (current: Notification) => Notification | null,
  options: OutboxWriteOptions = {},
  guess?: Notification,
): Promise<Notification | null> {
  for (let i = 0; i < CAS_TRIES; i += 1) {
    const current = i === 0 && guess ? guess : await outbox.get(accountId, id);
    if (!current) return null;
    const next = change(current);
    if (!next) return current;
    if (await outbox.update(next, current.rev, options)) return { ...next, rev: current.rev + 1 };
  }
  throw new Error(`notification ${id} kept changing under us (${CAS_TRIES} compare-and-set attempts lost)`);
}

/** Voids every pending notification of a migration (a reschedule or cancel made them wrong); returns those voided. */
export async function voidPending(outbox: OutboxStore, accountId: string, migrationId: string, reason: string): Promise<Notification[]> {
  const voided: Notification[] = [];
  for (const n of await outbox.list(accountId)) {
    if (n.migrationId !== migrationId || n.status !== 'pending') continue;
    let changed = false;
    const after = await rewrite(outbox, accountId, n.id, (current) => {
      changed = current.status === 'pending';
      return changed ? { ...current, status: 'void', lastError: reason } : null;
    });
    if (changed && after) voided.push(after);
  }
  return voided;
}
