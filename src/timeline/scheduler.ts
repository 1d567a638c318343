// The time-driven side of a migration: creates due notifications exactly once, opens windows, delivers the outbox.
import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import type { AccountRecord, Migration } from '../domain/account';
import { systemClock, type Clock } from '../domain/clock';
import type { MigrationEvent } from '../migration/events';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { CreateResult, Notification } from '../store/outbox-store';
import type { Store } from '../store/types';
import type { Delivery } from './delivery';
import { meetingDigests, parseMeetingRequest, type AcceptedMeetingRequest } from './meetings';
import { composeMessage, type Message, type SuspensionDetail } from './messages';
import {
  afterAttempt,
  claimForDelivery,
  DEFAULT_RETRY,
  newNotification,
  rewrite,
  voidPending,
  type RetryPolicy,
} from './outbox';
import { dueNotifications, notificationKey, shouldOpenWindow, type NotificationKind } from './schedule';

/** What the migration service offers the scheduler: report that a scheduled migration reached its start. */
export interface MigrationTransitions {
  start(accountId: string, actor: string): Promise<void>;
}

export interface TimelineSchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  transitions: MigrationTransitions;
  delivery: Delivery;
  retry?: Partial<RetryPolicy>;
  /** How long a delivery claim holds before another instance may take the notification over. */
  leaseMs?: number;
  /**
   * Measures leases. Real time by default, not `clock`: a lease guards an attempt in flight, and a test that
   * moves the timeline's clock across days while an attempt is under way must not make the lease look expired.
   */
  leaseClock?: Clock;
  /** Names this instance in leases and logs. */
  instanceId?: string;
}

/** The actor recorded when the scheduler opens a window. */
export const SCHEDULER_ACTOR = 'timeline-scheduler';

const DEFAULT_LEASE_MS = 60_000;
const METRIC = 'mg_notifications_total';

/** Kinds whose text names a start: once the migration moved or ended they are void rather than sent. */
const START_BOUND: ReadonlySet<NotificationKind> = new Set(['scheduled', 'week_of', 'day_before', 'rescheduled']);

function notificationCounter(metrics: Metrics): Counter<'kind' | 'outcome'> {
  const existing = metrics.registry.getSingleMetric(METRIC);
  if (existing) return existing as Counter<'kind' | 'outcome'>;
  return new Counter({
    name: METRIC,
    help: 'Notifications by kind and what happened to them (created, sent, retry, failed, void)',
    labelNames: ['kind', 'outcome'],
    registers: [metrics.registry],
  });
}

function recipientsOf(account: AccountRecord): string[] {
  return [...new Set(account.settings.superAdmins.map((a) => a.email).filter(Boolean))];
}

export class TimelineScheduler {
  readonly instanceId: string;
  private readonly retry: RetryPolicy;
  private readonly leaseMs: number;
  private readonly counter: Counter<'kind' | 'outcome'>;
  /** Claim keys this instance has seen stored: a key, once claimed, is claimed forever, so this cache is never stale. */
  private readonly known = new Set<string>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: TimelineSchedulerOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.counter = notificationCounter(options.metrics);
  }

  private get outbox() {
    return this.options.store.timeline.outbox;
  }

  private now(): number {
    return this.options.clock.now();
  }

  /** One pass over every account: create what is due, open windows whose start came, deliver what is due. */
  tick(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.options.logger.warn({ err: error }, 'timeline tick failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops ticking and waits for the pass and deliveries under way, so no lease is left behind. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.settled();
  }

  /** Resolves when the current pass and the deliveries started by events are done. */
  async settled(): Promise<void> {
    while (this.running || this.inFlight.size > 0) await Promise.allSettled([this.running, ...this.inFlight]);
  }

  /** Called by the migration service after each stored change. */
  async onMigrationEvent(event: MigrationEvent): Promise<void> {
    const account: AccountRecord = { ...event.account, migration: event.migration };
    const m = event.migration;
    const now = this.now();
    if (event.kind === 'rescheduled' || event.kind === 'cancelled') {
      for (const voided of await voidPending(this.outbox, account.id, m.id, `void: the migration was ${event.kind}`)) {
        this.counter.inc({ kind: voided.kind, outcome: 'void' });
      }
    }
    if (event.kind === 'rescheduled') {
      const message = composeMessage({ kind: 'rescheduled', account, migration: m, previousStart: event.previousStart ?? null });
      await this.ensure(account, m, 'rescheduled', notificationKey.rescheduled(m), message, now);
    }
    await this.createDue(account, now);
    this.background(this.deliverAccount(account.id));
  }

  /** An integration of the account was suspended; notifies only when the account opted in for that integration. */
  async notify(accountId: string, kind: 'integration_suspended', detail: SuspensionDetail): Promise<Notification | null> {
    const account = await this.options.store.accounts.get(accountId);
    if (!account?.settings.integrations[detail.integration]?.notifyOnSuspension) return null;
    const message = composeMessage({ kind, account, detail });
    const key = `${kind}:${detail.integration}:${detail.since}`;
    const result = await this.ensure(account, null, kind, key, message, this.now());
    this.background(this.deliverAccount(accountId));
    return result?.notification ?? null;
  }

  /** The buffer's onAccepted hook for surface `meeting`: remember the request for its owner's digest. */
  async recordMeetingRequest(item: AcceptedMeetingRequest): Promise<void> {
    const account = await this.options.store.accounts.get(item.accountId);
    const request = parseMeetingRequest(item, account?.migration?.id ?? null, this.now());
    await this.options.store.timeline.meetings.add(request);
  }

  /** Delivers the account's due notifications; each is claimed first, so instances never send one at once. */
  async deliverAccount(accountId: string): Promise<void> {
    const now = this.now();
    const leaseClock = this.options.leaseClock ?? systemClock;
    for (const n of await this.outbox.due(accountId, now)) {
      const claimed = await claimForDelivery(this.outbox, n, this.instanceId, { now, leaseNow: leaseClock.now(), leaseMs: this.leaseMs });
      if (claimed) await this.deliverOne(claimed);
    }
  }

  private background(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'timeline background work failed'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async pass(): Promise<void> {
    for (const accountId of await this.options.store.accounts.list()) {
      try {
        await this.tickAccount(accountId);
      } catch (error) {
        // One account's trouble (or a store hiccup) must not starve the others; the next tick retries.
        this.options.logger.warn({ err: error, accountId }, 'timeline tick failed for an account');
      }
    }
  }

  private async tickAccount(accountId: string): Promise<void> {
    const account = await this.options.store.accounts.get(accountId);
    if (!account) return;
    const now = this.now();
    await this.createDue(account, now);
    if (shouldOpenWindow(account.migration, now)) await this.openWindow(accountId);
    await this.deliverAccount(accountId);
  }

  private async openWindow(accountId: string): Promise<void> {
    try {
      await this.options.transitions.start(accountId, SCHEDULER_ACTOR);
      this.options.logger.info({ accountId }, 'migration window opened at its scheduled start');
    } catch (error) {
      // Another instance usually won the race; the gateway treats a passed start as open anyway (policy/phase.ts).
      this.options.logger.debug({ err: error, accountId }, 'could not report the migration start');
    }
  }

  private async createDue(account: AccountRecord, now: number): Promise<void> {
    const m = account.migration;
    if (!m) return;
    for (const due of dueNotifications(m, account.settings.timezone, now)) {
      const message = composeMessage({ kind: due.kind, account, migration: m });
      await this.ensure(account, m, due.kind, due.key, message, now);
      if (due.kind === 'completed') await this.openChecklist(account, m, now);
      if (due.kind === 'completed' || due.kind === 'failed') await this.ensureMeetingDigests(account, m, now);
    }
  }

  private async openChecklist(account: AccountRecord, m: Migration, now: number): Promise<void> {
    const marker = `${account.id}\nchecklist:${m.id}`;
    if (this.known.has(marker)) return;
    if (await this.options.store.timeline.checklists.open(account.id, m.id, m.endedAt ?? now)) {
      this.options.logger.info({ accountId: account.id, migrationId: m.id }, 'post-migration checklist opened');
    }
    this.known.add(marker);
  }

  private async ensureMeetingDigests(account: AccountRecord, m: Migration, now: number): Promise<void> {
    const marker = `${account.id}\nmeetings:${m.id}`;
    if (this.known.has(marker)) return;
    const requests = await this.options.store.timeline.meetings.list(account.id, m.id);
    for (const digest of meetingDigests(account, requests)) {
      const message = composeMessage({ kind: 'meetings_requested', account, migration: m, ownerName: digest.ownerName, meetings: digest.meetings });
      await this.ensure(account, m, 'meetings_requested', notificationKey.meetingsRequested(m, digest.ownerEmail), message, now, [digest.ownerEmail]);
    }
    this.known.add(marker);
  }

  /** Creates the notification unless its key is already claimed (by anyone, ever). */
  private async ensure(
    account: AccountRecord,
    m: Migration | null,
    kind: NotificationKind,
    key: string,
    message: Message,
    now: number,
    recipients: string[] = recipientsOf(account),
  ): Promise<CreateResult | null> {
    const marker = `${account.id}\n${key}`;
    if (this.known.has(marker)) return null;
    const result = await this.outbox.create(
      newNotification({
        accountId: account.id,
        migrationId: m?.id ?? null,
        migrationStart: m?.start ?? null,
        kind,
        key,
        recipients,
        subject: message.subject,
        text: message.text,
        now,
      }),
    );
    this.known.add(marker);
    if (result.created) {
      this.counter.inc({ kind, outcome: 'created' });
      this.options.logger.info({ accountId: account.id, kind, id: result.notification.id }, 'notification created');
    }
    return result;
  }

  /** Why a claimed notification must not go out any more (its migration moved or ended), or null. */
  private async staleReason(n: Notification): Promise<string | null> {
    if (!START_BOUND.has(n.kind)) return null;
    const m = (await this.options.store.accounts.get(n.accountId))?.migration;
    if (!m || m.id !== n.migrationId) return 'void: the migration no longer exists';
    if (m.status !== 'scheduled' && m.status !== 'in_progress') return `void: the migration is ${m.status}`;
    if (m.start !== n.migrationStart) return 'void: the migration was rescheduled';
    return null;
  }

  private async deliverOne(claimed: Notification): Promise<void> {
    const log = { accountId: claimed.accountId, id: claimed.id, kind: claimed.kind };
    const stale = await this.staleReason(claimed);
    if (stale) {
      await rewrite(this.outbox, claimed.accountId, claimed.id, (current) =>
        current.status === 'pending' ? { ...current, status: 'void', lastError: stale, leaseOwner: null, leaseUntil: 0 } : null,
      );
      this.counter.inc({ kind: claimed.kind, outcome: 'void' });
      this.options.logger.info({ ...log, reason: stale }, 'notification voided before delivery');
      return;
    }
    const outcome = await this.options.delivery.deliver(claimed);
    const after = await rewrite(this.outbox, claimed.accountId, claimed.id, (current) => {
      if (current.status === 'pending' && current.leaseOwner !== this.instanceId) {
        // Our lease lapsed and another instance holds it now: record only what we delivered.
        return { ...current, delivered: [...new Set([...current.delivered, ...outcome.delivered])] };
      }
      return afterAttempt(current, outcome, this.retry, this.now());
    });
    const status = after?.status ?? 'gone';
    const result = status === 'pending' ? 'retry' : status;
    this.counter.inc({ kind: claimed.kind, outcome: result });
    if (outcome.error) this.options.logger.warn({ ...log, status, attempts: after?.attempts, error: outcome.error }, 'notification delivery failed');
    else this.options.logger.info({ ...log, channels: after?.delivered }, 'notification delivered');
  }
}
