// Prometheus metrics, one registry per gateway instance (several gateways may share a process in tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/**
 * The metric registered under `name` in this registry, else the one `make` creates and registers: several parts
 * (or several gateways of one test) share a registry, and prom-client refuses a second registration of a name.
 */
export function registeredOnce<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * `inc` through one cached child per label values: prom-client hashes the label object of every labelled inc()
 * otherwise, which shows on the hot path. Label sets are few (surfaces × actions, kinds × sources).
 */
export function boundIncrement<L extends string>(counter: Counter<L>): (values: string[], by?: number) => void {
  const children = new Map<string, { inc(by?: number): void }>();
  return (values, by = 1) => {
    const key = values.join('\u0000');
    let child = children.get(key);
    if (!child) {
      child = counter.labels(...values);
      children.set(key, child);
    }
    child.inc(by);
  };
}

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
