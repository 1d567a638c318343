// The primary process when WORKERS > 1: forks the workers (they share one port), replaces a crashed one, and on
// SIGTERM asks each to drain, exiting 0 once all have stopped cleanly.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './observability/logger';

export interface PrimaryOptions {
  count: number;
  logger: Logger;
  /** How long the workers get to drain after SIGTERM before they are killed (their own grace plus a margin). */
  stopTimeoutMs: number;
}

/** A worker that dies sooner than this after it started, before listening, is a start-up failure: no respawn loop. */
const RESPAWN_DELAY_MS = 1000;

export function runPrimary(options: PrimaryOptions): void {
  const { count, logger } = options;
  const listening = new WeakSet<Worker>();
  /** Our own count: whether cluster.workers still lists a worker during its 'exit' event is not specified. */
  const alive = new Set<Worker>();
  let stopping = false;
  let failed = false;

  const fork = (): void => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.once('listening', () => listening.add(worker));
  };

  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker);
    const clean = code === 0 && signal === null;
    if (!clean) failed = failed || stopping;
    if (stopping) {
      logger.info({ workerPid: worker.process.pid, code, signal }, 'worker stopped');
      if (alive.size === 0) {
        logger.info({ failed }, 'all workers stopped');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (!listening.has(worker)) {
      // It never served: its configuration or environment is wrong, and a new one would fail the same way.
      logger.fatal({ workerPid: worker.process.pid, code, signal }, 'a worker failed to start: stopping the others');
      failed = true;
      stop('worker start-up failure');
      return;
    }
    logger.error({ workerPid: worker.process.pid, code, signal }, 'worker exited unexpectedly: starting a new one');
    setTimeout(() => {
      if (!stopping) fork();
    }, RESPAWN_DELAY_MS).unref();
  });

  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    const workers = [...alive];
    logger.info({ reason, workers: workers.length }, 'stopping: asking every worker to drain');
    if (workers.length === 0) process.exit(failed ? 1 : 0);
    for (const worker of workers) worker.process.kill('SIGTERM');
    const force = setTimeout(() => {
      logger.error('workers did not stop in time: killing them');
      for (const worker of alive) worker.process.kill('SIGKILL');
      process.exit(1);
    }, options.stopTimeoutMs);
    force.unref();
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ workers: count }, 'starting workers');
  for (let i = 0; i < count; i += 1) fork();
}
