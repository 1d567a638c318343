// The notifications counter, shared by the scheduler (created, void on a change) and the sender (sent, retry, failed, void).
import { Counter } from 'prom-client';
import { registeredOnce, type Metrics } from '../observability/metrics';

const METRIC = 'mg_notifications_total';

export type NotificationCounter = Counter<'kind' | 'outcome'>;

/** Registered once per registry: the scheduler and its sender (and a second scheduler in tests) share one series. */
export function notificationCounter(metrics: Metrics): NotificationCounter {
  return registeredOnce(
    metrics.registry,
    METRIC,
    () =>
      new Counter({
        name: METRIC,
        help: 'Notifications by kind and what happened to them (created, sent, retry, failed, void)',
        labelNames: ['kind', 'outcome'],
        registers: [metrics.registry],
      }),
  );
}
