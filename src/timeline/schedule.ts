// When each timeline notification of a migration is due (pure): the moments of SPEC §5 in the account's time zone.
import type { Migration } from '../domain/account';
import { addDays, localDate, localParts, startOfLocalDay } from '../domain/time-zone';

/**
 * How long after a migration ended the scheduler still creates its end notice if the event was lost
 * (an instance died between storing the change and emitting the event). Older ones are history.
 */
export const END_CATCH_UP_MS = 7 * 24 * 3600_000;

/** The kinds the timeline itself makes due (the others come from events and hooks). */
export type TimelineKind = 'scheduled' | 'week_of' | 'day_before' | 'completed' | 'failed' | 'cancelled';

export interface DueNotification {
  kind: TimelineKind;
  /** The exactly-once claim: one notification per key and account, ever. */
  key: string;
  dueAt: number;
}

/** 00:00 local time on the Monday of the week (Monday to Sunday) that contains the start. */
export function weekOfAt(start: number, timeZone: string): number {
  const daysSinceMonday = (localParts(start, timeZone).weekday + 6) % 7;
  return startOfLocalDay(addDays(localDate(start, timeZone), -daysSinceMonday), timeZone);
}

/** 00:00 local time on the calendar day before the start day. */
export function dayBeforeAt(start: number, timeZone: string): number {
  return startOfLocalDay(addDays(localDate(start, timeZone), -1), timeZone);
}

/**
 * Keys name the migration and, for the reminders and the reschedule notice, the start they are about:
 * a reschedule keeps the migration id, and its new start earns new reminders.
 */
export const notificationKey = {
  scheduled: (m: Migration) => `scheduled:${m.id}`,
  week_of: (m: Migration) => `week_of:${m.id}:${m.start}`,
  day_before: (m: Migration) => `day_before:${m.id}:${m.start}`,
  rescheduled: (m: Migration) => `rescheduled:${m.id}:${m.start}`,
  cancelled: (m: Migration) => `cancelled:${m.id}`,
  completed: (m: Migration) => `completed:${m.id}`,
  failed: (m: Migration) => `failed:${m.id}`,
  meetingsRequested: (m: Migration, ownerEmail: string) => `meetings_requested:${m.id}:${ownerEmail.toLowerCase()}`,
};

/**
 * The timeline notifications that should exist at `now` (creation is idempotent per key, so callers
 * simply create every one returned).
 *
 * - `scheduled`: at scheduling, while the migration is still scheduled.
 * - `week_of` (Monday 00:00 local of the start's week) and `day_before` (00:00 local the day before):
 *   from their moment on, while the migration is still scheduled and has not reached its start.
 *   A reminder whose moment has already passed — the migration was scheduled after it, or every
 *   instance was down at that moment — is sent at once: the user was promised one of each, and a late
 *   reminder still tells the truth. Once the start has passed the reminder is skipped (the window is
 *   open and the `completed`/`failed` notice follows), except that a Monday-00:00 start gets its
 *   `week_of` at the start itself, since that is its moment.
 * - `completed`, `failed`, `cancelled`: once the status says so (events are the fast path; this is
 *   the safety net), for END_CATCH_UP_MS after the end.
 */
export function dueNotifications(migration: Migration | null, timeZone: string, now: number): DueNotification[] {
  if (!migration) return [];
  const due: DueNotification[] = [];
  switch (migration.status) {
    case 'scheduled': {
      if (now >= migration.scheduledAt) {
        due.push({ kind: 'scheduled', key: notificationKey.scheduled(migration), dueAt: migration.scheduledAt });
      }
      const reminders: [TimelineKind, number, string][] = [
        ['week_of', weekOfAt(migration.start, timeZone), notificationKey.week_of(migration)],
        ['day_before', dayBeforeAt(migration.start, timeZone), notificationKey.day_before(migration)],
      ];
      for (const [kind, dueAt, key] of reminders) {
        if (now >= dueAt && (now < migration.start || dueAt >= migration.start)) due.push({ kind, key, dueAt });
      }
      break;
    }
    case 'completed':
    case 'failed':
    case 'cancelled': {
      const endedAt = migration.endedAt ?? migration.scheduledAt;
      if (now >= endedAt && now - endedAt <= END_CATCH_UP_MS) {
        due.push({ kind: migration.status, key: notificationKey[migration.status](migration), dueAt: endedAt });
      }
      break;
    }
    case 'in_progress':
      break;
  }
  return due;
}

/** A scheduled migration whose start has come: the scheduler reports the start so the status says in_progress. */
export function shouldOpenWindow(migration: Migration | null, now: number): boolean {
  return migration?.status === 'scheduled' && now >= migration.start;
}

/**
 * The first moment after `now` at which dueNotifications() or shouldOpenWindow() answer differently: when the
 * timeline must look at the account again (its score in the due index). Null when nothing more comes by itself:
 * an open window ends and an ended migration changes only through a stored change, which touches the index.
 */
export function nextMoment(migration: Migration | null, timeZone: string, now: number): number | null {
  if (!migration) return null;
  let candidates: number[] = [];
  switch (migration.status) {
    case 'scheduled':
      candidates = [migration.scheduledAt, weekOfAt(migration.start, timeZone), dayBeforeAt(migration.start, timeZone), migration.start];
      break;
    case 'completed':
    case 'failed':
    case 'cancelled':
      candidates = [migration.endedAt ?? migration.scheduledAt];
      break;
    case 'in_progress':
      break;
  }
  const ahead = candidates.filter((moment) => moment > now);
  return ahead.length > 0 ? Math.min(...ahead) : null;
}
