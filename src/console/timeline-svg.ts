// The account's migration timeline as an SVG picture: phase bands, the expected and real end, notification markers.
import type { AccountRecord } from '../domain/account';
import { addDays, formatLocal, localDate, startOfLocalDay } from '../domain/time-zone';
import type { TimelineEvent } from '../admin/preview';
import { html, type SafeHtml } from './html';

/**
 * What became of a timeline notification: its outbox status; `not_yet` when it has not been created and its moment
 * is ahead, `overdue` when its moment has passed and it still was not created (is the timeline scheduler running?).
 */
export type NotificationState = 'sent' | 'pending' | 'failed' | 'void' | 'not_yet' | 'overdue';

const WIDTH = 960;
const HEIGHT = 230;
const LEFT = 20;
const RIGHT = WIDTH - 20;
const H = 3600_000;

const LABELS: Record<string, string> = {
  'notification.scheduled': 'Scheduled notice',
  'notification.week_of': 'Week-of notice',
  'notification.day_before': 'Day-before notice',
  'phase.imports_blocked': 'Imports blocked (S − 24 h)',
  'phase.chat_hidden': 'Chat hidden (S − 1 h)',
  'phase.window_opens': 'Window opens (S)',
  'migration.started': 'Started',
  'migration.expected_end': 'Expected end (S + 36 h)',
  'migration.ended': 'Ended',
  'notification.completed': 'Completed notice',
  'notification.failed': 'Failed notice',
  'notification.cancelled': 'Cancelled notice',
};

export const eventLabel = (kind: string): string => LABELS[kind] ?? kind;

const COLORS = { imports: '#f3d27a', chat: '#f0a35e', window: '#c94c4c', done: '#5b9c6b', axis: '#4a5563' };

/**
 * The picture spans the last reminder before the start to the end (real or expected); a moment outside that span
 * (usually the scheduling notice, weeks earlier) is pinned to the edge with an arrow in its label.
 */
export function timelineSvg(
  record: AccountRecord,
  events: TimelineEvent[],
  states: Map<string, NotificationState>,
  marker: { at: number; label: string },
): SafeHtml {
  const m = record.migration;
  if (!m) return html`<p class="muted">No migration: nothing to draw.</p>`;
  const tz = record.settings.timezone;
  const end = m.endedAt ?? m.expectedEnd;
  const from =
    Math.min(
      m.start - 48 * H,
      ...events.filter((e) => e.kind === 'notification.day_before' || e.kind === 'notification.week_of').map((e) => e.at),
    ) -
    6 * H;
  const to = Math.max(end, m.expectedEnd) + 12 * H;
  const x = (ms: number): number => LEFT + ((Math.min(Math.max(ms, from), to) - from) / (to - from)) * (RIGHT - LEFT);
  const band = (a: number, b: number, color: string, label: string) =>
    html`<rect x="${x(a).toFixed(1)}" y="40" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="40" fill="${color}"
      ><title>${label}</title></rect
    >`;
  const windowEnd = m.endedAt ?? Math.max(m.expectedEnd, marker.at);
  const bands = [
    band(m.start - 24 * H, m.start - H, COLORS.imports, 'Imports blocked'),
    band(m.start - H, m.start, COLORS.chat, 'Chat hidden'),
    m.status === 'cancelled' ? null : band(m.startedAt ?? m.start, windowEnd, COLORS.window, 'Maintenance window'),
    m.status === 'completed' && m.endedAt !== null ? band(m.endedAt, to, COLORS.done, 'Completed: replay and checklist') : null,
  ];
  const expected = x(m.expectedEnd).toFixed(1);
  const notices = events.filter((e) => e.kind.startsWith('notification.'));
  const markers = notices.map((e, i) => {
    const state = states.get(e.kind) ?? 'not_yet';
    const cx = x(e.at);
    const filled = state === 'sent';
    const edge = e.at < from ? '← ' : e.at > to ? '→ ' : '';
    const y = 125 + (i % 3) * 26;
    return html`<g
      ><circle cx="${cx.toFixed(1)}" cy="${y}" r="7" fill="${filled ? '#0b4f9c' : '#ffffff'}" stroke="#0b4f9c" stroke-width="2"
        ><title>${eventLabel(e.kind)}: ${state.replace('_', ' ')} (${e.local})</title></circle
      >
      <text x="${(cx + 10).toFixed(1)}" y="${y + 4}" font-size="12" fill="#1f2933"
        >${edge}${eventLabel(e.kind).replace(' notice', '')} · ${state.replace('_', ' ')}</text
      ></g
    >`;
  });
  // Local midnights as ticks, so the picture reads in the account's days.
  const ticks = [];
  for (let day = localDate(from, tz), n = 0; n < 60; day = addDays(day, 1), n++) {
    const at = startOfLocalDay(day, tz);
    if (at > to) break;
    if (at < from) continue;
    ticks.push(
      html`<line x1="${x(at).toFixed(1)}" y1="76" x2="${x(at).toFixed(1)}" y2="84" stroke="${COLORS.axis}" /><text
          x="${(x(at) + 3).toFixed(1)}"
          y="98"
          font-size="11"
          fill="#4a5563"
          >${day.slice(5)}</text
        >`,
    );
  }
  const mx = x(marker.at).toFixed(1);
  const startLocal = formatLocal(m.start, tz);
  const desc = `Migration ${m.status}; window opens ${startLocal.date} ${startLocal.time} ${startLocal.zone}; ${notices.length} notifications, ${notices.filter((e) => states.get(e.kind) === 'sent').length} sent.`;
  return html`<svg
    id="timeline-svg"
    role="img"
    aria-labelledby="timeline-title timeline-desc"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width="100%"
    xmlns="http://www.w3.org/2000/svg"
  >
    <title id="timeline-title">Migration timeline of ${record.id}</title>
    <desc id="timeline-desc">${desc}</desc>
    <line x1="${LEFT}" y1="80" x2="${RIGHT}" y2="80" stroke="${COLORS.axis}" stroke-width="1" />
    ${bands} ${ticks}
    <line x1="${expected}" y1="30" x2="${expected}" y2="95" stroke="#1f2933" stroke-width="2" stroke-dasharray="5 4">
      <title>Expected end</title>
    </line>
    <text x="${expected}" y="24" font-size="12" text-anchor="middle" fill="#1f2933">expected end</text>
    <text x="${x(m.start).toFixed(1)}" y="24" font-size="12" text-anchor="middle" fill="#1f2933">S</text>
    ${m.endedAt !== null ? html`<line x1="${x(m.endedAt).toFixed(1)}" y1="30" x2="${x(m.endedAt).toFixed(1)}" y2="95" stroke="#1e5a2d" stroke-width="3"><title>Ended</title></line>` : null}
    <line x1="${mx}" y1="10" x2="${mx}" y2="${HEIGHT - 5}" stroke="#6b21a8" stroke-width="2"><title>${marker.label}</title></line>
    <text x="${mx}" y="${HEIGHT - 8}" font-size="12" text-anchor="middle" fill="#6b21a8">${marker.label}</text>
    ${markers}
  </svg>`;
}
