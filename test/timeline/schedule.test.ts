// The timeline's moments at each boundary (±1 s), in two zones, across daylight-saving changes.
import type { Migration } from '../../src/domain/account';
import { dayBeforeAt, dueNotifications, END_CATCH_UP_MS, nextMoment, shouldOpenWindow, weekOfAt } from '../../src/timeline/schedule';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const S = 1000;

function migration(start: string, overrides: Partial<Migration> = {}): Migration {
  const startMs = Date.parse(start);
  return {
    id: 'm1',
    status: 'scheduled',
    source: 'us',
    target: 'eu',
    start: startMs,
    expectedEnd: startMs + 36 * HOUR,
    scheduledAt: startMs - 14 * DAY,
    scheduledBy: 'u1',
    startedAt: null,
    endedAt: null,
    ...overrides,
  };
}

const kindsAt = (m: Migration, tz: string, at: number): string[] => dueNotifications(m, tz, at).map((d) => d.kind);

interface Case {
  name: string;
  tz: string;
  start: string;
  /** Monday 00:00 local of the start's week, worked out by hand. */
  weekOf: string;
  /** 00:00 local the day before, worked out by hand. */
  dayBefore: string;
}

const cases: Case[] = [
  // Stockholm springs forward on Sunday 2026-03-29 02:00 → 03:00: the day before is CET, the Monday CEST.
  {
    name: 'Stockholm, start the Monday after the spring change',
    tz: 'Europe/Stockholm',
    start: '2026-03-30T08:00:00Z',
    weekOf: '2026-03-29T22:00:00Z',
    dayBefore: '2026-03-28T23:00:00Z',
  },
  // Stockholm falls back on Sunday 2026-10-25: a Tuesday start has both reminders at Monday 00:00 CET.
  {
    name: 'Stockholm, Tuesday start after the autumn change',
    tz: 'Europe/Stockholm',
    start: '2026-10-27T09:00:00Z',
    weekOf: '2026-10-25T23:00:00Z',
    dayBefore: '2026-10-25T23:00:00Z',
  },
  // New York springs forward on Sunday 2026-03-08: the day before is EST (−5), the Monday EDT (−4).
  {
    name: 'New York, start the Monday after the spring change',
    tz: 'America/New_York',
    start: '2026-03-09T13:00:00Z',
    weekOf: '2026-03-09T04:00:00Z',
    dayBefore: '2026-03-08T05:00:00Z',
  },
  // New York falls back on Sunday 2026-11-01: the day before is EDT, the Monday EST.
  {
    name: 'New York, start the Monday after the autumn change',
    tz: 'America/New_York',
    start: '2026-11-02T14:00:00Z',
    weekOf: '2026-11-02T05:00:00Z',
    dayBefore: '2026-11-01T04:00:00Z',
  },
  // A Sunday start: its week began six days earlier (weeks run Monday to Sunday).
  {
    name: 'New York, Sunday start on the autumn change day',
    tz: 'America/New_York',
    start: '2026-11-01T20:00:00Z',
    weekOf: '2026-10-26T04:00:00Z',
    dayBefore: '2026-10-31T04:00:00Z',
  },
  // Late in the local evening the UTC date is already the next day: the local calendar must win.
  {
    name: 'New York, Monday 23:30 local start (Tuesday in UTC)',
    tz: 'America/New_York',
    start: '2026-06-09T03:30:00Z',
    weekOf: '2026-06-08T04:00:00Z',
    dayBefore: '2026-06-07T04:00:00Z',
  },
  // Santiago springs forward at midnight: Sunday 2026-09-06 has no 00:00 and begins at 01:00 (−3), not on Saturday 23:00.
  {
    name: 'Santiago, start the day after a skipped midnight',
    tz: 'America/Santiago',
    start: '2026-09-07T12:00:00Z',
    weekOf: '2026-09-07T03:00:00Z',
    dayBefore: '2026-09-06T04:00:00Z',
  },
  {
    name: 'Stockholm, Monday 00:30 local start (Sunday in UTC)',
    tz: 'Europe/Stockholm',
    start: '2026-06-07T22:30:00Z',
    weekOf: '2026-06-07T22:00:00Z',
    dayBefore: '2026-06-06T22:00:00Z',
  },
  // Monday 2026-03-30 00:30 CEST, the day after the spring change: the day before is Sunday, which began at 00:00 CET.
  // "The local date of start − 24 h" would land on Saturday 23:30 CET and put the reminder on Saturday (2026-03-27T23:00Z).
  {
    name: 'Stockholm, Monday 00:30 local start the day after the spring change',
    tz: 'Europe/Stockholm',
    start: '2026-03-29T22:30:00Z',
    weekOf: '2026-03-29T22:00:00Z',
    dayBefore: '2026-03-28T23:00:00Z',
  },
];

describe.each(cases)('$name', ({ tz, start, weekOf, dayBefore }) => {
  const m = migration(start);
  const weekOfMs = Date.parse(weekOf);
  const dayBeforeMs = Date.parse(dayBefore);

  it('puts the reminders at local midnight', () => {
    expect(new Date(weekOfAt(m.start, tz)).toISOString()).toBe(new Date(weekOfMs).toISOString());
    expect(new Date(dayBeforeAt(m.start, tz)).toISOString()).toBe(new Date(dayBeforeMs).toISOString());
  });

  it('makes week_of due from its moment, not a second before', () => {
    expect(kindsAt(m, tz, weekOfMs - S)).not.toContain('week_of');
    expect(kindsAt(m, tz, weekOfMs)).toContain('week_of');
    expect(kindsAt(m, tz, weekOfMs + S)).toContain('week_of');
  });

  it('makes day_before due from its moment, not a second before', () => {
    expect(kindsAt(m, tz, dayBeforeMs - S)).not.toContain('day_before');
    expect(kindsAt(m, tz, dayBeforeMs)).toContain('day_before');
    expect(kindsAt(m, tz, dayBeforeMs + S)).toContain('day_before');
  });

  it('stops offering the reminders once the start has passed, and opens the window at the start', () => {
    expect(kindsAt(m, tz, m.start - S)).toEqual(['scheduled', 'week_of', 'day_before']);
    expect(kindsAt(m, tz, m.start)).toEqual(['scheduled']);
    expect(shouldOpenWindow(m, m.start - S)).toBe(false);
    expect(shouldOpenWindow(m, m.start)).toBe(true);
    expect(shouldOpenWindow(m, m.start + S)).toBe(true);
  });

  it('offers each kind under one key only, however often it is asked (sweep in 10-minute steps)', () => {
    const keys = new Map<string, Set<string>>();
    for (let t = m.scheduledAt - HOUR; t < m.start; t += 10 * 60_000) {
      for (const d of dueNotifications(m, tz, t)) {
        const set = keys.get(d.kind) ?? new Set<string>();
        set.add(d.key);
        keys.set(d.kind, set);
      }
    }
    expect([...keys.keys()].sort()).toEqual(['day_before', 'scheduled', 'week_of']);
    for (const set of keys.values()) expect(set.size).toBe(1);
  });
});

describe('scheduled notice and the end notices', () => {
  const tz = 'Europe/Stockholm';

  it('is due from the moment of scheduling', () => {
    const m = migration('2026-03-30T08:00:00Z');
    expect(kindsAt(m, tz, m.scheduledAt - S)).toEqual([]);
    expect(kindsAt(m, tz, m.scheduledAt)).toEqual(['scheduled']);
  });

  it('sends a reminder at once when the migration was scheduled after its moment', () => {
    // Scheduled on Tuesday for Thursday (an operator-made migration): the Monday has passed.
    const m = migration('2026-06-11T08:00:00Z', { scheduledAt: Date.parse('2026-06-09T10:00:00Z') });
    expect(kindsAt(m, tz, m.scheduledAt)).toEqual(['scheduled', 'week_of']);
    expect(kindsAt(m, tz, Date.parse('2026-06-09T22:00:00Z'))).toEqual(['scheduled', 'week_of', 'day_before']);
  });

  it('sends week_of at the start itself when the start is Monday 00:00', () => {
    const m = migration('2026-06-07T22:00:00Z');
    expect(weekOfAt(m.start, tz)).toBe(m.start);
    expect(kindsAt(m, tz, m.start - S)).toEqual(['scheduled', 'day_before']);
    expect(kindsAt(m, tz, m.start)).toEqual(['scheduled', 'week_of']);
  });

  it('gives a rescheduled migration new reminder keys but keeps the scheduled key', () => {
    const before = migration('2026-06-11T08:00:00Z');
    const after = { ...before, start: Date.parse('2026-06-18T08:00:00Z') };
    const keysOf = (m: Migration) => dueNotifications(m, tz, m.start - S).map((d) => d.key);
    const [s1, w1, d1] = keysOf(before);
    const [s2, w2, d2] = keysOf(after);
    expect(s1).toBe(s2);
    expect(w1).not.toBe(w2);
    expect(d1).not.toBe(d2);
  });

  it.each(['completed', 'failed', 'cancelled'] as const)('offers %s from the end, for a week, and nothing else', (status) => {
    const endedAt = Date.parse('2026-06-12T08:00:00Z');
    const m = migration('2026-06-11T08:00:00Z', { status, endedAt });
    expect(kindsAt(m, tz, endedAt - S)).toEqual([]);
    expect(kindsAt(m, tz, endedAt)).toEqual([status]);
    expect(kindsAt(m, tz, endedAt + END_CATCH_UP_MS)).toEqual([status]);
    expect(kindsAt(m, tz, endedAt + END_CATCH_UP_MS + S)).toEqual([]);
  });

  it('offers nothing while the migration is in progress or absent', () => {
    const m = migration('2026-06-11T08:00:00Z', { status: 'in_progress', startedAt: Date.parse('2026-06-11T08:00:00Z') });
    expect(kindsAt(m, tz, m.start + HOUR)).toEqual([]);
    expect(dueNotifications(null, tz, m.start)).toEqual([]);
  });
});

describe('nextMoment: when the due index must look at the account again', () => {
  // Thursday 11 June 2026, 10:00 in Stockholm (GMT+2).
  const start = Date.parse('2026-06-11T08:00:00Z');
  const migration = (over: Partial<Migration> = {}): Migration => ({
    id: 'm1',
    status: 'scheduled',
    source: 'us',
    target: 'eu',
    start,
    expectedEnd: start + 3600_000,
    scheduledAt: Date.parse('2026-06-01T10:00:00Z'),
    scheduledBy: 'u1',
    startedAt: null,
    endedAt: null,
    ...over,
  });
  const tz = 'Europe/Stockholm';

  it('walks a scheduled migration through Monday 00:00, the day before 00:00 and the start, local time', () => {
    expect(nextMoment(migration(), tz, Date.parse('2026-06-01T09:59:59Z'))).toBe(Date.parse('2026-06-01T10:00:00Z'));
    expect(nextMoment(migration(), tz, Date.parse('2026-06-01T10:00:00Z'))).toBe(Date.parse('2026-06-07T22:00:00Z'));
    expect(nextMoment(migration(), tz, Date.parse('2026-06-07T22:00:00Z'))).toBe(Date.parse('2026-06-09T22:00:00Z'));
    expect(nextMoment(migration(), tz, Date.parse('2026-06-09T22:00:00Z'))).toBe(start);
    expect(nextMoment(migration(), tz, start)).toBeNull();
  });

  it('follows the clock change: the Sunday before a Monday start after the US spring change is 00:00 EST', () => {
    const nyStart = Date.parse('2026-03-09T13:00:00Z'); // Monday 09:00 EDT
    const m = migration({ start: nyStart, scheduledAt: Date.parse('2026-03-01T00:00:00Z') });
    expect(nextMoment(m, 'America/New_York', Date.parse('2026-03-02T00:00:00Z'))).toBe(Date.parse('2026-03-08T05:00:00Z'));
    expect(nextMoment(m, 'America/New_York', Date.parse('2026-03-08T05:00:00Z'))).toBe(Date.parse('2026-03-09T04:00:00Z'));
  });

  it('an ended migration is looked at once at its end; an open window and no migration never by themselves', () => {
    const ended = Date.parse('2026-06-11T12:00:00Z');
    expect(nextMoment(migration({ status: 'completed', endedAt: ended }), tz, ended - 1)).toBe(ended);
    expect(nextMoment(migration({ status: 'completed', endedAt: ended }), tz, ended)).toBeNull();
    expect(nextMoment(migration({ status: 'in_progress' }), tz, start)).toBeNull();
    expect(nextMoment(null, tz, start)).toBeNull();
  });
});
