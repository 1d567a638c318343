// The time-driven side of a migration: decides what is due (the due index, batches, leases) and when, has the creator
// make it exactly once, opens windows, and hands due notifications it claimed to the sender, which delivers them.
import { randomUUID } from 'node:crypto';
import type { AccountRecord } from '../domain/account';
import { systemClock, type Clock } from '../domain/clock';
import type { MigrationEvent } from '../migration/events';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Notification, OutboxWriteOptions } from '../store/outbox-store';
import type { DueClaim } from '../store/timeline-store';
import type { Store } from '../store/types';
import type { Delivery } from './delivery';
import { parseMeetingRequest, type AcceptedMeetingRequest } from './meetings';
import { composeMessage, type SuspensionDetail } from './messages';
import { NotificationCreator } from './notification-creator';
import { notificationCounter, type NotificationCounter } from './notification-counter';
import { NotificationSender, type ClaimedSender } from './notification-sender';
import { claimForDelivery, DEFAULT_RETRY, voidPending, type RetryPolicy } from './outbox';
import { nextMoment, notificationKey, shouldOpenWindow } from './schedule';

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
  /** The channels (SMTP, webhook, log); only the sender uses them, one claimed notification at a time. */
  delivery: Pick<Delivery, 'deliver'>;
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
  /** Accounts claimed from the due index at a time (default 200). */
  batchSize?: number;
  /** Accounts looked at in parallel within a batch (default 32): notices due at one moment go out together. */
  concurrency?: number;
  /**
   * Real time after a touch of the due index during which a change may still be on its way to the store (the index
   * and the record are separate writes): an account touched that recently is looked at again after it. Default 60 s.
   */
  touchGraceMs?: number;
}

/** The actor recorded when the scheduler opens a window. */
export const SCHEDULER_ACTOR = 'timeline-scheduler';

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_BATCH = 200;
const DEFAULT_CONCURRENCY = 64;
const DEFAULT_TOUCH_GRACE_MS = 60_000;
/** When a look leaves something due now (a notification held by another instance's lease): look again this much later. */
const REVISIT_MS = 1_000;
/** After an announced account change, how soon a pass looks (changes in a burst share the pass). */
const SOON_MS = 200;
const UNDER_CLAIM: OutboxWriteOptions = { underClaim: true };
/** Building the index from older data: accounts read per page, and how long one instance holds the job. */
const BUILD_PAGE = 500;
const BUILD_LEASE_MS = 15 * 60_000;

export class TimelineScheduler {
  readonly instanceId: string;
  private readonly leaseMs: number;
  private readonly counter: NotificationCounter;
  /** Sending is apart: the scheduler hands it notifications it holds the lease of, nothing else. */
  private readonly sender: ClaimedSender;
  /** Creating notifications exactly once is apart too: the scheduler says when, the creator what and only once. */
  private readonly creator: NotificationCreator;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wake: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  /** A change arrived while a pass ran (after its claims): one more pass when it ends. */
  private again = false;
  private intervalMs = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: TimelineSchedulerOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.counter = notificationCounter(options.metrics);
    this.creator = new NotificationCreator({ timeline: options.store.timeline, logger: options.logger, counter: this.counter });
    this.sender = new NotificationSender({
      outbox: options.store.timeline.outbox,
      accounts: options.store.accounts,
      delivery: options.delivery,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      clock: options.clock,
      logger: options.logger,
      counter: this.counter,
      owner: this.instanceId,
    });
  }

  private get outbox() {
    return this.options.store.timeline.outbox;
  }

  private now(): number {
    return this.options.clock.now();
  }

  /** One pass over the accounts the due index holds as due: create what is due, open windows, deliver what is due. */
  tick(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.soon();
        }
      });
    }
    return this.running;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.intervalMs = intervalMs;
    this.timer = setInterval(() => this.tickLogged(), intervalMs);
    this.timer.unref();
    // A stored account change (announced to every instance) may make something due now: look within SOON_MS
    // rather than at the next tick. Idle, this costs nothing; under a burst of changes, one pass per SOON_MS.
    this.options.store
      .onInvalidate(() => this.soon())
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'timeline: no change announcements; ticks only'));
    // A starting instance catches up at once instead of a tick later.
    this.soon();
    this.background(this.buildIndex());
  }

  /**
   * Data stored before the due index existed has no entries: the first instance to start on such a store walks
   * every account once (a page at a time) and touches those with a migration. On a store that began with the
   * index the walk finds what is already there, once; afterwards needsBuild() says no and costs one command a start.
   */
  private async buildIndex(): Promise<void> {
    const { due } = this.options.store.timeline;
    if (!(await due.needsBuild(this.instanceId, BUILD_LEASE_MS))) return;
    const started = Date.now();
    let cursor = '0';
    let walked = 0;
    let touched = 0;
    do {
      const page = await this.options.store.accounts.scanIds(cursor, BUILD_PAGE);
      cursor = page.cursor;
      walked += page.ids.length;
      const records = await Promise.all(page.ids.map((id) => this.options.store.accounts.get(id)));
      for (const record of records) {
        if (!record?.migration) continue;
        await due.touch(record.id, 0);
        touched += 1;
      }
    } while (cursor !== '0' && this.timer);
    // Stopped halfway: the lease lapses and the next instance to start walks again from the beginning.
    if (cursor !== '0') return;
    await due.built();
    this.options.logger.info({ walked, touched, ms: Date.now() - started }, 'timeline due index built from the stored accounts');
    this.soon();
  }

  private soon(): void {
    if (!this.timer || this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      if (this.running) this.again = true;
      else this.tickLogged();
    }, SOON_MS);
    this.soonTimer.unref();
  }

  private tickLogged(): void {
    this.tick().catch((error: unknown) => this.options.logger.warn({ err: error }, 'timeline tick failed'));
  }

  /** A moment due before the next tick gets its own pass at that moment, so notices are not a tick late. */
  private wakeAt(at: number | null): void {
    if (!this.timer || at === null) return;
    const delay = Math.max(0, at - this.now());
    if (delay >= this.intervalMs) return;
    if (this.wake) clearTimeout(this.wake);
    this.wake = setTimeout(() => {
      this.wake = null;
      this.tickLogged();
    }, delay);
    this.wake.unref();
  }

  /** Stops ticking and waits for the pass and deliveries under way, so no lease is left behind. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.wake) clearTimeout(this.wake);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = null;
    this.wake = null;
    this.soonTimer = null;
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
      await this.creator.ensure(account, m, 'rescheduled', notificationKey.rescheduled(m), message, now);
    }
    await this.creator.createDue(account, now);
    this.background(this.deliverAccount(account.id));
  }

  /** An integration of the account was suspended; notifies only when the account opted in for that integration. */
  async notify(accountId: string, kind: 'integration_suspended', detail: SuspensionDetail): Promise<Notification | null> {
    const account = await this.options.store.accounts.get(accountId);
    if (!account?.settings.integrations[detail.integration]?.notifyOnSuspension) return null;
    const message = composeMessage({ kind, account, detail });
    const key = `${kind}:${detail.integration}:${detail.since}`;
    const result = await this.creator.ensure(account, null, kind, key, message, this.now());
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
  async deliverAccount(accountId: string, write: OutboxWriteOptions = {}): Promise<void> {
    const now = this.now();
    for (const n of await this.outbox.due(accountId, now)) {
      const claimed = await claimForDelivery(this.outbox, n, this.instanceId, { now, leaseNow: this.leaseNow(), leaseMs: this.leaseMs });
      if (claimed) await this.sender.send(claimed, write);
    }
  }

  private leaseNow(): number {
    return (this.options.leaseClock ?? systemClock).now();
  }

  private background(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'timeline background work failed'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /**
   * Claims due accounts in batches until none is left due at the pass's `now`; each claimed account is looked at
   * and settled at its next moment. Cost follows what is due: an idle pass is one claim that finds nothing.
   */
  private async pass(): Promise<void> {
    const now = this.now();
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH;
    let earliest: number | null = null;
    const consider = (at: number | null) => {
      if (at !== null && (earliest === null || at < earliest)) earliest = at;
    };
    for (;;) {
      const batch = await this.options.store.timeline.due.claim(now, batchSize, this.leaseMs);
      consider(batch.nextAt);
      await inParallel(batch.claims, this.options.concurrency ?? DEFAULT_CONCURRENCY, async (claim) =>
        consider(await this.visit(claim, now)),
      );
      if (batch.claims.length < batchSize) break;
    }
    this.wakeAt(earliest);
  }

  /** Looks at one claimed account and settles it; returns the score it settled at (null: none or left to others). */
  private async visit(claim: DueClaim, now: number): Promise<number | null> {
    const { accountId } = claim;
    try {
      const account = await this.options.store.accounts.get(accountId);
      if (account) {
        await this.creator.createDue(account, now, UNDER_CLAIM);
        if (shouldOpenWindow(account.migration, now)) await this.openWindow(accountId);
      }
      let next = earliestOf(
        account ? nextMoment(account.migration, account.settings.timezone, now) : null,
        await this.deliverPending(accountId, now),
      );
      if (next !== null && next <= now) next = now + REVISIT_MS;
      const graceMs = this.options.touchGraceMs ?? DEFAULT_TOUCH_GRACE_MS;
      const settled = await this.options.store.timeline.due.settle(claim, next, now, graceMs);
      if (settled === 'touched') return null;
      return settled === 'deferred' ? earliestOf(next, now + graceMs) : next;
    } catch (error) {
      // One account's trouble (or a store hiccup) must not starve the others: its claim lapses and a later pass retries.
      this.options.logger.warn({ err: error, accountId }, 'timeline tick failed for an account');
      return null;
    }
  }

  /**
   * deliverAccount() for a claimed look, reading the pending notifications once for both jobs: delivers those due
   * and answers when the outbox needs the next look (its earliest pending attempt, or when a live lease lapses).
   */
  private async deliverPending(accountId: string, now: number): Promise<number | null> {
    const leaseNow = this.leaseNow();
    let next: number | null = null;
    for (const n of await this.outbox.due(accountId, Number.MAX_SAFE_INTEGER)) {
      let current: Notification | null = n;
      if (n.nextAttemptAt <= now) {
        const claimed = await claimForDelivery(this.outbox, n, this.instanceId, { now, leaseNow, leaseMs: this.leaseMs });
        if (claimed) current = await this.sender.send(claimed, UNDER_CLAIM);
      }
      if (current?.status !== 'pending') continue;
      const at =
        current.leaseOwner !== null && current.leaseUntil > leaseNow ? now + (current.leaseUntil - leaseNow) : current.nextAttemptAt;
      next = earliestOf(next, at);
    }
    return next;
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
}

function earliestOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** Runs `work` over the items with at most `limit` at a time (a few lines; no library needed for a fixed pool). */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) {
      const item = items[nextIndex] as T;
      nextIndex += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
