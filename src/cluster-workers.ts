// WORKERS: how many server processes share the port (node's cluster), and when that is refused.
import os from 'node:os';

/** A start-up refusal with the fix in its message; server.ts prints it and exits non-zero. */
export class WorkersConfigError extends Error {
  readonly code = 'ERR_CONFIG_WORKERS';
  constructor(message: string) {
    super(message);
    this.name = 'WorkersConfigError';
  }
}

/** The parsed WORKERS setting (a count, or `auto` = one per core) as a number of processes. */
export function workerCount(setting: number | 'auto', cores: () => number = () => os.availableParallelism()): number {
  return setting === 'auto' ? Math.max(1, cores()) : setting;
}

/**
 * More than one worker needs a shared store: the embedded one lives in one process, so each worker would keep its
 * own accounts, buffer and outbox and answer differently.
 */
export function checkWorkersStore(count: number, setting: number | 'auto', sharedStore: boolean): void {
  if (count > 1 && !sharedStore) {
    throw new WorkersConfigError(
      `WORKERS=${setting} runs ${count} processes, but the embedded store (no REDIS_URL) lives in one process and cannot be shared. ` +
        'Set REDIS_URL to a Redis every worker can reach, or set WORKERS=1.',
    );
  }
}
