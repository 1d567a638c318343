// Prometheus series of the buffer, registered once per registry (the acceptor and the replayer share them).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface BufferMetrics {
  buffered: Counter<'surface'>;
  replayed: Counter;
  retries: Counter;
  deadLetters: Counter<'status'>;
  depth: Gauge<'account'>;
}

const byRegistry = new WeakMap<Registry, BufferMetrics>();

export function bufferMetrics(registry: Registry): BufferMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const metrics: BufferMetrics = {
    buffered: new Counter({
      name: 'mg_buffered_total',
      help: 'Requests stored in the buffer during a maintenance window, by surface',
      labelNames: ['surface'],
      registers,
    }),
    replayed: new Counter({ name: 'mg_replayed_total', help: 'Buffered requests delivered to the upstream (2xx)', registers }),
    retries: new Counter({
      name: 'mg_replay_retries_total',
      help: 'Replay attempts that will be retried (5xx, 408, 429, network errors)',
      registers,
    }),
    deadLetters: new Counter({
      name: 'mg_dead_letters_total',
      help: 'Buffered requests moved to the dead letters (4xx or attempts exhausted), by the last HTTP status ("none": no answer)',
      labelNames: ['status'],
      registers,
    }),
    depth: new Gauge({
      name: 'mg_buffer_depth',
      help: 'Buffered requests waiting for replay, per account (as last seen by this instance)',
      labelNames: ['account'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
