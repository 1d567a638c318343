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

/** WORKERS: unset or '' = 1, `auto` = one per core, else a whole number from 1 to 256. */
export function workerCount(env: NodeJS.ProcessEnv, cores: () => number = () => os.availableParallelism()): number {
  const raw = env.WORKERS?.trim();
  if (raw === undefined || raw === '') return 1;
  if (raw.toLowerCase() === 'auto') return Math.max(1, cores());
  const count = Number(raw);
  if (!Number.isSafeInteger(count) || count < 1 || count > 256) {
    throw new WorkersConfigError(`WORKERS must be "auto" or a whole number from 1 to 256, got "${raw}"`);
  }
  return count;
}

/**
 * More than one worker needs a shared store: the embedded one lives in one process, so each worker would keep its
 * own accounts, buffer and outbox and answer differently.
 */
export function checkWorkersStore(count: number, env: NodeJS.ProcessEnv): void {
  if (count > 1 && !env.REDIS_URL) {
    throw new WorkersConfigError(
      `WORKERS=${env.WORKERS ?? count} runs ${count} processes, but the embedded store (no REDIS_URL) lives in one process and cannot be shared. ` +
        'Set REDIS_URL to a Redis every worker can reach, or set WORKERS=1.',
    );
  }
}
