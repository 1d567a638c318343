// The text of every notification (pure): when the account is unavailable, what users notice, the change deadline.
import type { AccountRecord, Migration, Region } from '../domain/account';
import { CHANGE_DEADLINE_MS } from '../domain/account';
import { formatLocal } from '../domain/time-zone';
import { CHAT_HIDDEN_BEFORE_MS, IMPORTS_BLOCKED_BEFORE_MS } from '../policy/phase';
import { CHECKLIST_ITEMS } from './checklist';
import type { TimelineKind } from './schedule';

export interface Message {
  subject: string;
  text: string;
}

/** One meeting request as listed to its owner. */
export interface MeetingLine {
  slug: string;
  receivedAt: number;
  fields: Record<string, string>;
  excerpt: string;
}

export interface SuspensionDetail {
  integration: string;
  /** Reason code (SPEC §6), e.g. ORG_LOCKED. */
  reason: string;
  /** Human name of the reason, e.g. "org locked". */
  title?: string;
  message: string;
  remedy: string;
  since: number;
}

export type MessageInput =
  | { kind: TimelineKind; account: AccountRecord; migration: Migration }
  | { kind: 'rescheduled'; account: AccountRecord; migration: Migration; previousStart: number | null }
  | { kind: 'meetings_requested'; account: AccountRecord; migration: Migration; ownerName: string; meetings: MeetingLine[] }
  | { kind: 'integration_suspended'; account: AccountRecord; detail: SuspensionDetail };

const REGION_NAMES: Record<Region, string> = {
  us: 'the United States',
  eu: 'the European Union (Germany)',
};

function at(ms: number, timeZone: string): string {
  const f = formatLocal(ms, timeZone);
  return `${f.date} at ${f.time} ${f.zone}`;
}

function day(ms: number, timeZone: string): string {
  return formatLocal(ms, timeZone).date;
}

function unavailability(account: AccountRecord, m: Migration): string {
  const tz = account.settings.timezone;
  return (
    `Your account will be unavailable from ${at(m.start, tz)} for up to 36 hours, ` +
    `until ${at(m.expectedEnd, tz)} at the latest, while its data is moved from ${REGION_NAMES[m.source]} to ${REGION_NAMES[m.target]}.`
  );
}

/** SPEC §3 and §4 in short, with the moments in the account's time zone. */
function whatUsersNotice(account: AccountRecord, m: Migration): string {
  const tz = account.settings.timezone;
  return [
    'What you and your users will notice:',
    `- Bulk marketing emails can no longer be scheduled to send on ${day(m.start, tz)}; sends that fall inside the migration are not sent and must be rescheduled.`,
    `- From ${at(m.start - IMPORTS_BLOCKED_BEFORE_MS, tz)}: CRM imports are unavailable.`,
    `- From ${at(m.start - CHAT_HIDDEN_BEFORE_MS, tz)}: live chat and chatbots are hidden from site visitors.`,
    '- During the migration:',
    '  - API calls (integrations, private apps) are answered with status 477 and must be retried later;',
    '  - form submissions and meeting requests are accepted and processed afterwards (meeting requests are not put in the calendar; their owners get a list);',
    '  - documents are unavailable;',
    '  - the knowledge base, website and landing pages stay readable, but changes cannot be saved;',
    '  - the app shows "Data migration in progress", and customer-portal replies cannot be sent;',
    '  - integration syncs, workflows, sequences and social posts pause and resume afterwards;',
    '  - calls are not connected.',
  ].join('\n');
}

function changeDeadline(account: AccountRecord, m: Migration): string {
  return (
    `You can reschedule or cancel the migration until ${at(m.start - CHANGE_DEADLINE_MS, account.settings.timezone)} ` +
    '(36 hours before the start). After that it can no longer be changed.'
  );
}

function footer(account: AccountRecord): string {
  return `Account: ${account.id}`;
}

function paragraphs(...parts: string[]): string {
  return `${parts.join('\n\n')}\n`;
}

function meetingLine(line: MeetingLine, timeZone: string): string {
  const f = line.fields;
  const who = [f.name, f.email ? `<${f.email}>` : ''].filter(Boolean).join(' ');
  const details = [who && `from ${who}`, f.time && `for ${f.time}`, f.message && `message: "${f.message}"`].filter(Boolean);
  const summary = details.length > 0 ? details.join(', ') : `request body: ${line.excerpt || '(empty)'}`;
  return `- ${line.slug}, received ${at(line.receivedAt, timeZone)}: ${summary}`;
}

export function composeMessage(input: MessageInput): Message {
  const { account } = input;
  const tz = account.settings.timezone;
  switch (input.kind) {
    case 'scheduled': {
      const m = input.migration;
      return {
        subject: `Data migration scheduled for ${day(m.start, tz)}`,
        text: paragraphs(
          `The migration of your account's data to ${REGION_NAMES[m.target]} is scheduled.`,
          unavailability(account, m),
          whatUsersNotice(account, m),
          changeDeadline(account, m),
          footer(account),
        ),
      };
    }
    case 'week_of': {
      const m = input.migration;
      return {
        subject: `Data migration this week: ${day(m.start, tz)}`,
        text: paragraphs(
          `Reminder: your account's data migration to ${REGION_NAMES[m.target]} happens this week.`,
          unavailability(account, m),
          whatUsersNotice(account, m),
          changeDeadline(account, m),
          footer(account),
        ),
      };
    }
    case 'day_before': {
      const m = input.migration;
      return {
        subject: `Data migration tomorrow: ${at(m.start, tz)}`,
        text: paragraphs(
          `Reminder: your account's data migration to ${REGION_NAMES[m.target]} starts tomorrow.`,
          unavailability(account, m),
          whatUsersNotice(account, m),
          'The deadline to reschedule or cancel has passed.',
          footer(account),
        ),
      };
    }
    case 'rescheduled': {
      const m = input.migration;
      const from = input.previousStart === null ? '' : ` from ${at(input.previousStart, tz)}`;
      return {
        subject: `Data migration moved to ${day(m.start, tz)}`,
        text: paragraphs(
          `Your account's data migration to ${REGION_NAMES[m.target]} was moved${from} to ${at(m.start, tz)}.`,
          unavailability(account, m),
          whatUsersNotice(account, m),
          changeDeadline(account, m),
          footer(account),
        ),
      };
    }
    case 'cancelled': {
      const m = input.migration;
      return {
        subject: 'Data migration cancelled',
        text: paragraphs(
          `The data migration planned for ${at(m.start, tz)} was cancelled. Your account stays in ${REGION_NAMES[m.source]} and nothing changes for your users.`,
          footer(account),
        ),
      };
    }
    case 'completed': {
      const m = input.migration;
      const items = CHECKLIST_ITEMS.map((item) => `- ${item.title}: ${item.description}`).join('\n');
      return {
        subject: 'Data migration completed',
        text: paragraphs(
          `Your account's data now lives in ${REGION_NAMES[m.target]}. Everything is available again; ids and links to records stay the same. Work that arrived during the migration (form submissions, meeting requests, analytics, inbound data) is being processed now.`,
          `Please go through the post-migration checklist:\n${items}`,
          footer(account),
        ),
      };
    }
    case 'failed': {
      const m = input.migration;
      return {
        subject: 'Data migration did not complete',
        text: paragraphs(
          `The migration of your account's data to ${REGION_NAMES[m.target]} did not complete. Your account stays in ${REGION_NAMES[m.source]} and is available again; work that arrived during the attempt is being processed now.`,
          'Nothing is lost. Our team will contact you about a new date; you can also schedule a new migration yourself.',
          footer(account),
        ),
      };
    }
    case 'meetings_requested': {
      const m = input.migration;
      const n = input.meetings.length;
      return {
        subject: `${n} meeting request${n === 1 ? '' : 's'} received during the data migration`,
        text: paragraphs(
          `Hello ${input.ownerName},`,
          `While your account's data was being migrated (from ${at(m.startedAt ?? m.start, tz)}), your meeting links received the requests below. They were NOT put in your calendar: please follow up with each person.`,
          input.meetings.map((line) => meetingLine(line, tz)).join('\n'),
          footer(account),
        ),
      };
    }
    case 'integration_suspended': {
      const d = input.detail;
      return {
        subject: `Integration "${d.integration}" suspended: ${d.reason}`,
        text: paragraphs(
          `Since ${at(d.since, tz)} the integration "${d.integration}" is suspended (${d.title ? `${d.title}, ` : ''}${d.reason}). ${d.message}`,
          `What to do: ${d.remedy}`,
          footer(account),
        ),
      };
    }
  }
}
