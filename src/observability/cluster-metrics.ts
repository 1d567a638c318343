// Prometheus metrics across cluster workers (WORKERS > 1): the primary aggregates every worker's registry with
// prom-client's AggregatorRegistry, and a worker answering /metrics asks the primary for the sum over all of them.
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'mg:cluster-metrics-request';
const RESPONSE = 'mg:cluster-metrics-response';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

const isRequest = (message: unknown): message is MetricsRequest =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === REQUEST;
const isResponse = (message: unknown): message is MetricsResponse =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === RESPONSE;

/** In the primary: answers workers' requests with the metrics of every worker, aggregated (counters summed). */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isRequest(message)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text } satisfies MetricsResponse),
      (error: unknown) => worker.send({ type: RESPONSE, id: message.id, error: (error as Error).message } satisfies MetricsResponse),
    );
  });
}

/**
 * In a worker: reports `registry` when the primary collects, and returns what /metrics should serve: the
 * aggregate over all workers, asked of the primary (rejects after `timeoutMs`, e.g. while it is stopping).
 */
export function workerMetricsSource(registry: Registry, timeoutMs = 5000): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Installs prom-client's worker-side listener that answers the primary's collection requests.
  new AggregatorRegistry();
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (!isResponse(message)) return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.text !== undefined) waiting.resolve(message.text);
    else waiting.reject(new Error(`cluster metrics: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster metrics: the primary did not answer in time'));
      }, timeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
