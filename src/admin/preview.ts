// The preview (SPEC §12), pure: what the gateway would do for an account at a chosen moment, and its whole timeline.
import type { AccountRecord } from '../domain/account';
import { localParts } from '../domain/time-zone';
import { createNoticeBuilder } from '../answers/notices';
import { decide, type Action } from '../policy/decide';
import { CHAT_HIDDEN_BEFORE_MS, IMPORTS_BLOCKED_BEFORE_MS, phaseAt, type Phase } from '../policy/phase';
import { SURFACES, type Surface } from '../domain/surfaces';
import { dayBeforeAt, weekOfAt } from '../timeline/schedule';

/** A read is what a visitor's GET does, a write what a POST does: the two methods decide() tells apart. */
const READ_METHOD = 'GET';
const WRITE_METHOD = 'POST';

export interface PreviewOutcome {
  /** `proxy` (the upstream answers), `buffer` (stored, replayed later), `answer` (the gateway answers), `integration` (the CRM guard); the preview never sets a bypass. */
  action: Action['kind'];
  /** The answer's name for `answer` (e.g. `api_migration`). */
  answer: string | null;
  /** The status the gateway itself writes; null when the upstream (or the CRM behind the guard) answers. */
  status: number | null;
}

export interface PreviewSurface {
  surface: Surface;
  read: PreviewOutcome;
  write: PreviewOutcome;
}

export type TimelineEventKind =
  | 'notification.scheduled'
  | 'notification.week_of'
  | 'notification.day_before'
  | 'phase.imports_blocked'
  | 'phase.chat_hidden'
  | 'phase.window_opens'
  | 'migration.started'
  | 'migration.expected_end'
  | 'migration.ended'
  | 'notification.completed'
  | 'notification.failed'
  | 'notification.cancelled';

export interface TimeView {
  /** ISO-8601 in UTC. */
  utc: string;
  /** The same instant as the account's wall clock, with its offset: 2026-12-08T22:00:00+01:00. */
  local: string;
}

export interface TimelineEvent extends TimeView {
  kind: TimelineEventKind;
  at: number;
  /** True when the moment is at or before the previewed instant. */
  passed: boolean;
}

export interface Preview {
  accountId: string;
  at: TimeView;
  timeZone: string;
  phase: Phase;
  migration: { id: string; status: string; start: string; expectedEnd: string } | null;
  surfaces: PreviewSurface[];
  /**
   * Scheduling a marketing email to send at the start (SPEC §3: refused from scheduling on); null without a migration.
   * The email row above is a write that names no send time.
   */
  emailSendAtStart: PreviewOutcome | null;
  timeline: TimelineEvent[];
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

/** The instant in UTC and as the account's wall clock with its UTC offset. */
export function timeView(ms: number, timeZone: string): TimeView {
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  const p = localParts(wholeSecond, timeZone);
  const offsetMinutes = Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - wholeSecond) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
  return {
    utc: new Date(ms).toISOString(),
    local: `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${offset}`,
  };
}

const noticeFor = createNoticeBuilder();

function outcome(action: Action, record: AccountRecord, at: number): PreviewOutcome {
  switch (action.kind) {
    case 'proxy':
    case 'integration':
    case 'bypass':
      return { action: action.kind, answer: null, status: null };
    case 'unavailable':
      // Not from a preview (its state is known), but the type allows it: the gateway's refusal.
      return { action: 'unavailable', answer: null, status: 503 };
    case 'buffer':
      // The acceptor answers a stored write with 202 (SPEC §7).
      return { action: 'buffer', answer: null, status: 202 };
    case 'answer': {
      const ctx = { migration: record.migration, timeZone: record.settings.timezone, contactName: record.settings.contactName, now: at };
      return { action: 'answer', answer: action.answer, status: noticeFor(action.answer, ctx).status };
    }
  }
}

/** Every phase boundary and notification moment of the account's migration, in time order. */
export function migrationTimeline(record: AccountRecord, at: number): TimelineEvent[] {
  const m = record.migration;
  if (!m) return [];
  const tz = record.settings.timezone;
  const moments: [TimelineEventKind, number][] = [
    ['notification.scheduled', m.scheduledAt],
    ['notification.week_of', weekOfAt(m.start, tz)],
    ['notification.day_before', dayBeforeAt(m.start, tz)],
    ['phase.imports_blocked', m.start - IMPORTS_BLOCKED_BEFORE_MS],
    ['phase.chat_hidden', m.start - CHAT_HIDDEN_BEFORE_MS],
    ['phase.window_opens', m.start],
    ['migration.expected_end', m.expectedEnd],
  ];
  if (m.startedAt !== null && m.status !== 'cancelled') moments.push(['migration.started', m.startedAt]);
  if (m.endedAt !== null) {
    if (m.status === 'completed' || m.status === 'failed') {
      moments.push(['migration.ended', m.endedAt], [`notification.${m.status}`, m.endedAt]);
    } else if (m.status === 'cancelled') {
      moments.push(['notification.cancelled', m.endedAt]);
    }
  }
  return moments
    .map(([kind, ms], order) => ({ kind, ms, order }))
    .sort((a, b) => a.ms - b.ms || a.order - b.order)
    .map(({ kind, ms }) => ({ kind, at: ms, ...timeView(ms, tz), passed: ms <= at }));
}

/** What every surface gets at `at`, decided by the same decide() the request path calls. */
export function buildPreview(record: AccountRecord, at: number): Preview {
  const tz = record.settings.timezone;
  const surfaces = SURFACES.map((surface) => {
    const read = decide({ surface, method: READ_METHOD, migration: record.migration, timeZone: tz, now: at });
    const write = decide({ surface, method: WRITE_METHOD, migration: record.migration, timeZone: tz, now: at });
    return { surface, read: outcome(read, record, at), write: outcome(write, record, at) };
  });
  const m = record.migration;
  const emailSendAtStart = m
    ? outcome(decide({ surface: 'email', method: WRITE_METHOD, migration: m, timeZone: tz, now: at, sendAt: m.start }), record, at)
    : null;
  return {
    accountId: record.id,
    at: timeView(at, tz),
    timeZone: tz,
    phase: phaseAt(m, at),
    migration: m
      ? { id: m.id, status: m.status, start: new Date(m.start).toISOString(), expectedEnd: new Date(m.expectedEnd).toISOString() }
      : null,
    surfaces,
    emailSendAtStart,
    timeline: migrationTimeline(record, at),
  };
}
