// One measured load run with autocannon: warm-up first, then the measured window; figures in req/s and milliseconds.
import autocannon, { type RequestSpec } from 'autocannon';

export interface LoadSpec {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Cycled per connection instead of url/method/body (to spread load across accounts). */
  requests?: RequestSpec[];
}

export interface LoadSettings {
  connections: number;
  durationSec: number;
  warmupSec: number;
}

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

/** `afterWarmup` runs between the warm-up and the measured window (to take snapshots of side counters). */
export async function measure(spec: LoadSpec, settings: LoadSettings, afterWarmup?: () => Promise<void>): Promise<LoadFigures> {
  const base = {
    url: spec.url,
    connections: settings.connections,
    pipelining: 1,
    method: spec.method ?? 'GET',
    headers: spec.headers,
    body: spec.body,
    requests: spec.requests,
    timeout: 10,
  };
  if (settings.warmupSec > 0) await autocannon({ ...base, duration: settings.warmupSec });
  if (afterWarmup) await afterWarmup();
  const result = await autocannon({ ...base, duration: settings.durationSec });
  const statuses: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats)) statuses[status] = stat.count;
  const answered = Object.values(statuses).reduce((sum, count) => sum + count, 0);
  return {
    rps: Math.round(answered / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: answered,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}
