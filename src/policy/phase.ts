// Where an account stands on its migration timeline at an instant (pure).
import type { Migration } from '../domain/account';

export type Phase =
  | 'none'
  | 'scheduled'
  | 'imports_blocked'
  | 'chat_hidden'
  | 'window'
  | 'completed'
  | 'failed'
  | 'cancelled';

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

/** When the window is expected to close: the expected end, never earlier than a second from now. */
export function expectedWindowEnd(migration: Migration, now: number): number {
  return Math.max(migration.expectedEnd, now + 1000);
}

/** Seconds a client should wait before retrying during the window (at least 1, at most the expected end). */
export function retryAfterSeconds(migration: Migration | null, now: number, fallbackSeconds = 3600): number {
  if (!migration) return fallbackSeconds;
  return Math.max(1, Math.ceil((expectedWindowEnd(migration, now) - now) / 1000));
}
