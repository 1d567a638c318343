// The console's pages (pure): data in, escaped HTML out. The router loads the data and performs the actions.
import type { AccountRecord, AuditEntry } from '../domain/account';
import { formatLocal } from '../domain/time-zone';
import type { AccountListPage } from '../admin/account-list';
import type { Preview, PreviewOutcome, TimelineEvent } from '../admin/preview';
import type { IntegrationView } from '../integrations/admin-routes';
import { phaseAt } from '../policy/phase';
import type { AttentionState } from '../store/attention-store';
import type { BufferStats, DeadLetter } from '../store/buffer-store';
import type { Notification } from '../store/outbox-store';
import type { ChecklistState } from '../store/timeline-store';
import type { ChecklistItem } from '../timeline/checklist';
import { dataTable, html, layout, type SafeHtml } from './html';
import { eventLabel, timelineSvg, type NotificationState } from './timeline-svg';

export interface PageFrame {
  csrf: string;
  operator: string;
}

const LIST_TITLES: Record<AttentionState, string> = {
  in_window: 'In a maintenance window now',
  upcoming: 'Upcoming migrations (soonest first)',
  suspended: 'Suspended integrations',
  dead_letters: 'Dead-lettered replays',
};

const iso = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function local(ms: number | null, tz: string): string {
  if (ms === null) return '—';
  const f = formatLocal(ms, tz);
  return `${f.date} ${f.time} ${f.zone}`;
}

const accountHref = (id: string): string => `/console/accounts/${encodeURIComponent(id)}`;

export function loginPage(error?: string): string {
  return layout({
    title: 'Sign in',
    body: html`<section>
      <h1>Sign in</h1>
      <p>Use an admin token of this gateway (one of <code>ADMIN_TOKENS</code>). It is exchanged for a session cookie and not kept.</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <form method="post" action="/console/login">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required size="40" />
        <label for="operator">Your name (recorded in the audit trail)</label>
        <input id="operator" name="operator" type="text" autocomplete="username" maxlength="64" size="30" />
        <p><button type="submit">Sign in</button></p>
      </form>
    </section>`,
  });
}

function listTable(page: AccountListPage): SafeHtml {
  if (page.accounts.length === 0) return html`<p class="muted">None.</p>`;
  const rows = page.accounts.map((a) => {
    const m = a.migration as { status: string; phase: string; start?: string; expectedEnd?: string };
    const start = m.start ? Date.parse(m.start) : null;
    let detail: SafeHtml | string = '';
    if (a.suspendedIntegrations)
      detail = html`${a.suspendedIntegrations.map((v) => html`<span class="tag bad">${v.integration}: ${v.reason ?? ''}</span> `)}`;
    else if (a.deadLetters !== undefined) detail = `${a.deadLetters} dead letter${a.deadLetters === 1 ? '' : 's'}`;
    return html`<tr>
      <td><a href="${accountHref(a.id)}">${a.id}</a></td>
      <td>${a.contactName}</td>
      <td>${m.status} / ${m.phase}</td>
      <td>${local(start, a.timezone)}</td>
      <td>${detail}</td>
    </tr>`;
  });
  return dataTable(['Account', 'Contact', 'Migration / phase', 'Start (account time)', 'Detail'], rows);
}

export function listPage(frame: PageFrame, pages: AccountListPage[], flash?: string): string {
  const sections = pages.map(
    (page) =>
      html`<section aria-labelledby="list-${page.state}">
        <h2 id="list-${page.state}">
          ${LIST_TITLES[page.state]} <span class="tag">${page.accounts.length}${page.nextCursor ? '+' : ''}</span>
        </h2>
        ${listTable(page)}
        ${page.nextCursor ? html`<p><a href="/console/?state=${page.state}&amp;cursor=${page.nextCursor}">Next page of this list</a></p>` : null}
      </section>`,
  );
  return layout({
    ...frame,
    title: 'Needs attention',
    body: html`<h1>Accounts that need attention</h1>
      ${flash ? html`<p class="error" role="alert">${flash}</p>` : null}
      <section>
        <form method="get" action="/console/accounts">
          <label for="open-id">Open an account by id</label>
          <input id="open-id" name="id" required maxlength="64" /> <button type="submit">Open</button>
        </form>
      </section>
      ${sections}`,
  });
}

export interface AccountPageData {
  record: AccountRecord;
  now: number;
  events: TimelineEvent[];
  states: Map<string, NotificationState>;
  notifications: Notification[];
  stats: BufferStats;
  deadLetters: DeadLetter[];
  integrations: IntegrationView[];
  checklist: { items: readonly ChecklistItem[]; state: ChecklistState | null };
  audit: AuditEntry[];
  flash?: string;
}

function timelineTable(events: TimelineEvent[], states: Map<string, NotificationState>): SafeHtml {
  const rows = events.map(
    (e) =>
      html`<tr>
        <td>${eventLabel(e.kind)}</td>
        <td>${e.utc}</td>
        <td>${e.local}</td>
        <td>${e.kind.startsWith('notification.') ? (states.get(e.kind) ?? 'not_yet').replace('_', ' ') : e.passed ? 'passed' : 'ahead'}</td>
      </tr>`,
  );
  return dataTable(['Moment', 'UTC', 'Account time', 'State'], rows, 'Every phase boundary and notification moment');
}

function previewForm(record: AccountRecord, value: string, zone: 'account' | 'utc'): SafeHtml {
  return html`<form method="get" action="${accountHref(record.id)}/preview">
    <label for="preview-at">Moment to preview</label>
    <input id="preview-at" name="local" type="datetime-local" value="${value}" required />
    <label for="preview-zone">Time zone of that moment</label>
    <select id="preview-zone" name="zone">
      <option value="account" ${zone === 'account' ? html` selected` : null}>Account time (${record.settings.timezone})</option>
      <option value="utc" ${zone === 'utc' ? html` selected` : null}>UTC</option>
    </select>
    <p><button type="submit">Preview</button></p>
  </form>`;
}

export function accountPage(frame: PageFrame, d: AccountPageData, previewValue: string): string {
  const { record, now, stats } = d;
  const m = record.migration;
  const tz = record.settings.timezone;
  const deadCount = Object.values(stats.deadBySurface).reduce((a, n) => a + n, 0);
  const csrf = html`<input type="hidden" name="csrf" value="${frame.csrf}" />`;
  const base = accountHref(record.id);
  const deadRows = d.deadLetters.map(
    (dl) =>
      html`<tr>
        <td>${dl.item.id}</td>
        <td>${dl.item.surface}</td>
        <td>${dl.item.method} ${dl.item.path}</td>
        <td>${iso(dl.item.receivedAt)}</td>
        <td>${dl.answer.status ?? dl.answer.error ?? '—'}</td>
        <td>${dl.answer.bodyExcerpt}</td>
        <td>${dl.answer.attempts}</td>
      </tr>`,
  );
  const integrationRows = d.integrations.map(
    (v) =>
      html`<tr>
        <td>${v.integration}</td>
        <td><span class="tag ${v.state === 'suspended' ? 'bad' : 'ok'}">${v.state}</span></td>
        <td>${v.reason ?? '—'}${v.remedy ? html`<br /><span class="muted">${v.remedy}</span>` : null}</td>
        <td>${v.usage.callsLast24h} / ${v.usage.allocation}</td>
        <td>
          ${
            v.state === 'suspended'
              ? html`<form method="post" action="${base}/integrations/${encodeURIComponent(v.integration)}/clear-suspension" class="inline">
                  ${csrf}<button type="submit">Clear Suspension of ${v.integration}</button>
                </form>`
              : '—'
          }
        </td>
      </tr>`,
  );
  const checklistRows = d.checklist.items.map((item) => {
    const mark = d.checklist.state?.marks[item.id];
    const toggle = d.checklist.state
      ? html` <form method="post" action="${base}/checklist/${item.id}" class="inline">
          ${csrf}<input type="hidden" name="done" value="${mark?.done ? 'false' : 'true'}" /><button type="submit">
            ${mark?.done ? 'Reopen' : 'Mark done'}<span class="visually-hidden">: ${item.title}</span>
          </button>
        </form>`
      : null;
    return html`<li>
      <strong>${item.title}</strong> —
      <span class="tag ${mark?.done ? 'ok' : ''}">${mark?.done ? `done by ${mark.by}` : 'open'}</span>${toggle}<br /><span class="muted"
        >${item.description}</span
      >
    </li>`;
  });
  const auditRows = [...d.audit].reverse().map(
    (a) =>
      html`<tr>
        <td>${iso(a.at)}</td>
        <td>${a.actor}</td>
        <td>${a.action}</td>
        <td><code>${JSON.stringify(a.detail)}</code></td>
      </tr>`,
  );
  const progress = stats.accepted > 0 ? Math.round((stats.replayed / stats.accepted) * 100) : 0;
  return layout({
    ...frame,
    title: `Account ${record.id}`,
    body: html`<h1>Account ${record.id}</h1>
      ${d.flash ? html`<p class="flash" role="status">${d.flash}</p>` : null}
      <section aria-labelledby="h-summary">
        <h2 id="h-summary">Summary</h2>
        <dl>
          <dt>Contact</dt>
          <dd>${record.settings.contactName}</dd>
          <dt>Data location</dt>
          <dd>${record.settings.dataLocation}</dd>
          <dt>Time zone</dt>
          <dd>${tz}</dd>
          <dt>Migration</dt>
          <dd>${m ? `${m.status} (phase ${phaseAt(m, now)})` : 'none'}</dd>
          <dt>Start</dt>
          <dd>${m ? `${iso(m.start)} · ${local(m.start, tz)}` : '—'}</dd>
          <dt>Expected end</dt>
          <dd>${m ? `${iso(m.expectedEnd)} · ${local(m.expectedEnd, tz)}` : '—'}</dd>
          <dt>Real end</dt>
          <dd>${m?.endedAt ? `${iso(m.endedAt)} · ${local(m.endedAt, tz)}` : '—'}</dd>
        </dl>
      </section>
      <section aria-labelledby="h-timeline">
        <h2 id="h-timeline">Timeline</h2>
        ${timelineSvg(record, d.events, d.states, { at: now, label: 'now' })} ${d.events.length ? timelineTable(d.events, d.states) : null}
      </section>
      <section aria-labelledby="h-preview">
        <h2 id="h-preview">Preview a moment</h2>
        <p>What every surface would get at a moment you choose (nothing is changed).</p>
        ${previewForm(record, previewValue, 'account')}
      </section>
      <section aria-labelledby="h-buffer">
        <h2 id="h-buffer">Buffer and replay</h2>
        <dl>
          <dt>Waiting</dt>
          <dd id="buffer-depth">${stats.depth}</dd>
          <dt>By surface</dt>
          <dd>
            ${Object.entries(stats.pendingBySurface)
              .map(([s, n]) => `${s} ${n}`)
              .join(' · ')}
          </dd>
          <dt>Replay progress</dt>
          <dd>
            <progress max="${Math.max(stats.accepted, 1)}" value="${stats.replayed}" aria-label="Replayed of accepted">
              ${progress}%
            </progress>
            ${stats.replayed} of ${stats.accepted} replayed (${progress}%), ${stats.deadLettered} dead-lettered, ${stats.redriven} re-driven
          </dd>
          <dt>Replaying now</dt>
          <dd>${stats.lease ? `yes, by ${stats.lease.owner}` : 'no'}</dd>
          <dt>Oldest waiting</dt>
          <dd>${iso(stats.oldestReceivedAt)}</dd>
        </dl>
      </section>
      <section aria-labelledby="h-dead">
        <h2 id="h-dead">Dead letters <span class="tag ${deadCount ? 'bad' : ''}">${deadCount}</span></h2>
        ${
          deadCount
            ? html`${dataTable(['Item', 'Surface', 'Request', 'Received', 'Last answer', 'Answer body', 'Attempts'], deadRows)}
                <form method="post" action="${base}/redrive">
                  ${csrf}
                  <p><button type="submit">Re-drive ${deadCount} dead letter${deadCount === 1 ? '' : 's'}</button></p>
                </form>`
            : html`<p class="muted">None.</p>`
        }
      </section>
      <section aria-labelledby="h-integrations">
        <h2 id="h-integrations">Integrations</h2>
        ${
          d.integrations.length
            ? dataTable(['Integration', 'State', 'Reason and remedy', 'Calls (24 h) / allocation', 'Action'], integrationRows)
            : html`<p class="muted">None configured.</p>`
        }
      </section>
      <section aria-labelledby="h-checklist">
        <h2 id="h-checklist">
          Post-migration checklist ${d.checklist.state ? '' : html`<span class="tag">opens when the migration completes</span>`}
        </h2>
        <ul>
          ${checklistRows}
        </ul>
      </section>
      <section aria-labelledby="h-notifications">
        <h2 id="h-notifications">Notifications</h2>
        ${
          d.notifications.length
            ? dataTable(
                ['Kind', 'Status', 'Created', 'Sent', 'Subject'],
                d.notifications.map(
                  (n) =>
                    html`<tr>
                      <td>${n.kind}</td>
                      <td>${n.status}</td>
                      <td>${iso(n.createdAt)}</td>
                      <td>${iso(n.sentAt)}</td>
                      <td>${n.subject}</td>
                    </tr>`,
                ),
              )
            : html`<p class="muted">None yet.</p>`
        }
      </section>
      <section aria-labelledby="h-audit">
        <h2 id="h-audit">Audit trail (latest first)</h2>
        ${dataTable(['When (UTC)', 'Who', 'What', 'Detail'], auditRows)}
      </section>`,
  });
}

const OUTCOME_TEXT: Record<PreviewOutcome['action'], string> = {
  proxy: 'passes to the upstream',
  bypass: 'passes to the upstream',
  buffer: 'stored, replayed later',
  integration: 'CRM guard',
  answer: 'answered by the gateway',
  unavailable: 'refused: state unknown',
};

function outcomeText(o: PreviewOutcome): SafeHtml {
  const what = o.action === 'answer' ? `${o.answer ?? ''}` : OUTCOME_TEXT[o.action];
  return html`${what}${o.status !== null ? html` <span class="tag ${o.status >= 400 ? 'bad' : ''}">${o.status}</span>` : null}`;
}

const outcomeCell = (o: PreviewOutcome): SafeHtml => html`<td>${outcomeText(o)}</td>`;

export function previewPage(
  frame: PageFrame,
  record: AccountRecord,
  preview: Preview,
  states: Map<string, NotificationState>,
  at: number,
  formValue: string,
  zone: 'account' | 'utc',
): string {
  const rows = preview.surfaces.map(
    (s) =>
      html`<tr>
        <th scope="row">${s.surface}</th>
        ${outcomeCell(s.read)}${outcomeCell(s.write)}
      </tr>`,
  );
  return layout({
    ...frame,
    title: `Preview of ${record.id}`,
    body: html`<h1>Preview of <a href="${accountHref(record.id)}">${record.id}</a></h1>
      <section aria-labelledby="h-moment">
        <h2 id="h-moment">At ${preview.at.utc} · ${preview.at.local} (${record.settings.timezone})</h2>
        <p>
          Phase: <strong id="preview-phase">${preview.phase}</strong>. Computed by the same decision the gateway makes for every request;
          nothing is changed.
        </p>
        ${previewForm(record, formValue, zone)}
      </section>
      <section aria-labelledby="h-surfaces">
        <h2 id="h-surfaces">Every surface</h2>
        <table id="preview-surfaces">
          <thead>
            <tr>
              <th scope="col">Surface</th>
              <th scope="col">Read (GET)</th>
              <th scope="col">Write (POST)</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
        ${preview.emailSendAtStart ? html`<p>Scheduling a marketing email to send at the start of the migration: ${outcomeText(preview.emailSendAtStart)}.</p>` : null}
      </section>
      <section aria-labelledby="h-ptimeline">
        <h2 id="h-ptimeline">Timeline</h2>
        ${timelineSvg(record, preview.timeline, states, { at, label: 'previewed moment' })}
        ${preview.timeline.length ? timelineTable(preview.timeline, states) : null}
      </section>`,
  });
}
