// Builds the timeline's parts for createGateway: scheduler, delivery, admin router, migration listener, meeting hook.
import type { Router } from 'express';
import type { Clock } from '../domain/clock';
import type { MigrationListener } from '../migration/events';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Store } from '../store/types';
import { timelineAdminRouter } from './admin-routes';
import { Delivery } from './delivery';
import type { AcceptedMeetingRequest } from './meetings';
import type { RetryPolicy } from './outbox';
import { TimelineScheduler } from './scheduler';

export interface TimelinePartsCore {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The migration service: the scheduler reports a start with it when a scheduled migration reaches it. */
  service: { start(accountId: string, actor: string): Promise<unknown> };
}

export interface TimelinePartsDeps {
  /** Where notifications go (the standard parts build it from SMTP_URL, NOTIFY_FROM, NOTIFY_WEBHOOK_URL). Default: the log. */
  delivery?: Delivery;
  /** How often each instance runs a pass (default 15 s): the lateness bound of a reminder or a window opening. */
  tickIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface TimelineParts {
  scheduler: TimelineScheduler;
  delivery: Delivery;
  adminRouters: Router[];
  migrationListeners: MigrationListener[];
  /** For the integration guard's `notify` dependency: one notification per new suspension, when opted in. */
  notifySuspension: (
    accountId: string,
    reason: string,
    detail: { integration: string; title: string; message: string; remedy: string; since: number },
  ) => Promise<void>;
  /** For the buffer's onAccepted hook: records meeting requests (other surfaces are ignored). */
  onAccepted: (item: AcceptedMeetingRequest & { surface: string }) => Promise<void>;
  start(): void;
  /** Stops the scheduler (waiting for deliveries under way) and closes the SMTP transport. */
  close(): Promise<void>;
}

export const DEFAULT_TICK_INTERVAL_MS = 15_000;

export function createTimelineParts(core: TimelinePartsCore, deps: TimelinePartsDeps = {}): TimelineParts {
  const delivery = deps.delivery ?? new Delivery({ logger: core.logger });
  const scheduler = new TimelineScheduler({
    store: core.store,
    clock: core.clock,
    logger: core.logger,
    metrics: core.metrics,
    transitions: {
      start: async (accountId, actor) => {
        await core.service.start(accountId, actor);
      },
    },
    delivery,
    retry: deps.retry,
  });
  return {
    scheduler,
    delivery,
    adminRouters: [timelineAdminRouter({ store: core.store, clock: core.clock })],
    migrationListeners: [(event) => scheduler.onMigrationEvent(event)],
    notifySuspension: async (accountId, reason, detail) => {
      await scheduler.notify(accountId, 'integration_suspended', {
        integration: detail.integration,
        reason,
        title: detail.title,
        message: detail.message,
        remedy: detail.remedy,
        since: detail.since,
      });
    },
    onAccepted: async (item) => {
      if (item.surface === 'meeting') await scheduler.recordMeetingRequest(item);
    },
    start: () => scheduler.start(deps.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS),
    close: async () => {
      await scheduler.stop();
      delivery.close();
    },
  };
}
