// Prometheus metrics, one registry per gateway instance (several gateways may share a process in tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'surface' | 'action'>;
  readonly upstreamErrors: Counter<'region' | 'code'>;
  readonly decisionSeconds: Histogram;
  readonly cachedAccounts: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'mg_requests_total',
      help: 'Requests by surface and the action the gateway took',
      labelNames: ['surface', 'action'],
      registers: [this.registry],
    });
    this.upstreamErrors = new Counter({
      name: 'mg_upstream_errors_total',
      help: 'Proxied requests that failed to reach or hear from an upstream',
      labelNames: ['region', 'code'],
      registers: [this.registry],
    });
    this.decisionSeconds = new Histogram({
      name: 'mg_state_load_seconds',
      help: 'Time to load an account state into the in-process cache (cache misses only)',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
      registers: [this.registry],
    });
    this.cachedAccounts = new Gauge({
      name: 'mg_cached_accounts',
      help: 'Account states held in the in-process cache',
      registers: [this.registry],
    });
  }
}
