// Where an account stands on its migration timeline at an instant (pure).
import type { Migration } from '../domain/account';
import { DEFAULT_MAX_RETRY_AFTER_SECONDS } from '../domain/limits';

export type Phase = 'none' | 'scheduled' | 'imports_blocked' | 'chat_hidden' | 'window' | 'completed' | 'failed' | 'cancelled';

export const IMPORTS_BLOCKED_BEFORE_MS = 24 * 3600_000;
export const CHAT_HIDDEN_BEFORE_MS = 3600_000;

/**
 * Boundaries are inclusive: at exactly S − 24 h imports are blocked, at exactly S the window is open.
 * A scheduled migration whose start has passed is in its window even before the engine reports the start;
 * the window closes only when the migration is marked completed or failed.
 */
export function phaseAt(migration: Migration | null, now: number): Phase {
  if (!migration) return 'none';
  switch (migration.status) {
    case 'in_progress':
      return 'window';
    case 'completed':
    case 'failed':
    case 'cancelled':
      return migration.status;
    case 'scheduled': {
      const untilStart = migration.start - now;
      if (untilStart <= 0) return 'window';
      if (untilStart <= CHAT_HIDDEN_BEFORE_MS) return 'chat_hidden';
      if (untilStart <= IMPORTS_BLOCKED_BEFORE_MS) return 'imports_blocked';
      return 'scheduled';
    }
  }
}

export function windowOpen(migration: Migration | null, now: number): boolean {
  return phaseAt(migration, now) === 'window';
}

/** Retry-After's floor in an overrun: the end is unknown, and a retry every second from every client is a storm. */
export const OVERRUN_RETRY_AFTER_SECONDS = 60;

/** The expected end has come while the window is still open: no end time can be promised any more. */
export function isOverrun(migration: Migration | null, now: number): boolean {
  return migration !== null && now >= migration.expectedEnd && phaseAt(migration, now) === 'window';
}

/**
 * Seconds a client should wait before retrying (SPEC §10): the time until the expected end, at most `maxSeconds`;
 * in an overrun never below 60. Without a migration (nothing to wait for) the ceiling.
 */
export function retryAfterSeconds(migration: Migration | null, now: number, maxSeconds = DEFAULT_MAX_RETRY_AFTER_SECONDS): number {
  if (!migration) return maxSeconds;
  const remaining = Math.ceil((migration.expectedEnd - now) / 1000);
  if (remaining <= 0) return OVERRUN_RETRY_AFTER_SECONDS;
  return Math.min(maxSeconds, remaining);
}
