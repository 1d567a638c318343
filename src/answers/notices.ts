// What the gateway answers by itself (SPEC §4, §7): status, headers, HTML and JSON forms of each notice.
import type { Migration } from '../domain/account';
import { formatLocal } from '../domain/time-zone';
import type { AnswerKind } from '../policy/decide';
import { expectedWindowEnd, retryAfterSeconds } from '../policy/phase';

export interface NoticeContext {
  migration: Migration | null;
  timeZone: string;
  contactName: string;
  now: number;
}

export interface Notice {
  status: number;
  /** Seconds; omitted where a retry makes no sense. */
  retryAfter?: number;
  title: string;
  paragraphs: string[];
  /** The JSON form; HTML clients get title + paragraphs. */
  json: Record<string, unknown>;
  /** API clients always get JSON (no HTML page for a 477). */
  jsonOnly?: boolean;
}

export const FORM_ACCEPTED_MESSAGE =
  'Your response has been submitted. Due to system maintenance, it may take up to a day to complete processing.';
export const PORTAL_REPLY_MESSAGE =
  "Messages can't be sent because the system is undergoing scheduled maintenance. Please come back later.";

/** The texts of the notices; operators override them in the config file's `messages`. Paragraphs split on blank lines. */
export const DEFAULT_NOTICE_MESSAGES = {
  apiMigration:
    "This account's data is being migrated to the EU data centre. API calls are unavailable until the migration is done (expected by {endIso}).",
  documentUnavailable:
    'This document is temporarily unavailable due to scheduled system updates. It will be available again on {endDate}.',
  readOnly: 'Changes cannot be saved until the data migration is done. The content stays readable for every visitor in the meantime.',
  appMigration:
    'Your account data is being moved to the European Union (Germany).\n\nYour account will be unavailable until {endDate} at {endTime} {timeZone}.\n\nIf you have questions, contact {contactName}.',
  portalReply: PORTAL_REPLY_MESSAGE,
  chatWriteBlocked: 'Chat messages cannot be saved while the account data is being migrated.',
  importUnavailable: 'Imports are unavailable until the data migration is done (expected by {endDate} at {endTime} {timeZone}).',
  emailPaused: 'Marketing emails cannot be sent or scheduled during the data migration. Reschedule them for after the migration.',
  emailMigrationDay:
    'Marketing emails cannot be scheduled to send on the migration day ({migrationDay}) or during the migration. Choose another send time.',
  integrationPaused: 'Integration sync is paused while the account data is being migrated; it resumes after the migration.',
};

export type NoticeMessages = typeof DEFAULT_NOTICE_MESSAGES;

/** Fills `{name}` placeholders; unknown names stay as written. Values are escaped later, where HTML is written. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function error(category: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'error', category, message, ...extra };
}

/** Builds notices from the configured texts; one instance per gateway. */
export function createNoticeBuilder(overrides: Partial<NoticeMessages> = {}): (kind: AnswerKind, ctx: NoticeContext) => Notice {
  const messages: NoticeMessages = { ...DEFAULT_NOTICE_MESSAGES };
  for (const [key, value] of Object.entries(overrides) as [keyof NoticeMessages, string | undefined][]) {
    if (value !== undefined) messages[key] = value;
  }

  return (kind, ctx) => {
    const end = ctx.migration ? expectedWindowEnd(ctx.migration, ctx.now) : ctx.now;
    const local = formatLocal(end, ctx.timeZone);
    const values = {
      endIso: new Date(end).toISOString(),
      endDate: local.date,
      endTime: local.time,
      timeZone: local.zone,
      contactName: ctx.contactName,
      migrationDay: ctx.migration ? formatLocal(ctx.migration.start, ctx.timeZone).date : '',
    };
    const text = (key: keyof NoticeMessages): { paragraphs: string[]; message: string } => {
      const paragraphs = fillTemplate(messages[key], values)
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .filter(Boolean);
      return { paragraphs, message: paragraphs.join(' ') };
    };
    const retryAfter = retryAfterSeconds(ctx.migration, ctx.now);
    const until = { expectedEnd: values.endIso, retryAfterSeconds: retryAfter };
    const notice = (status: number, title: string, key: keyof NoticeMessages, category: string, extra: Partial<Notice> = {}, jsonExtra: Record<string, unknown> = until): Notice => {
      const { paragraphs, message } = text(key);
      return { status, retryAfter, title, paragraphs, json: error(category, message, jsonExtra), ...extra };
    };
    switch (kind) {
      case 'api_migration':
        return notice(477, 'Account migration in progress', 'apiMigration', 'ACCOUNT_MIGRATION_IN_PROGRESS', { jsonOnly: true });
      case 'document_unavailable':
        return notice(503, 'Document temporarily unavailable', 'documentUnavailable', 'DOCUMENT_TEMPORARILY_UNAVAILABLE');
      case 'read_only':
        return notice(503, 'Read-only during data migration', 'readOnly', 'READ_ONLY_DURING_MIGRATION');
      case 'app_migration':
        return notice(503, 'Data migration in progress', 'appMigration', 'ACCOUNT_MIGRATION_IN_PROGRESS', {}, { ...until, contactName: ctx.contactName });
      case 'portal_reply_blocked':
        return notice(503, 'Scheduled maintenance', 'portalReply', 'SCHEDULED_MAINTENANCE');
      case 'chat_hidden':
        // The widget is hidden from visitors: an empty answer the widget loader treats as "no chat".
        return { status: 204, title: '', paragraphs: [], json: {} };
      case 'chat_write_blocked':
        return notice(503, 'Chat unavailable', 'chatWriteBlocked', 'ACCOUNT_MIGRATION_IN_PROGRESS');
      case 'import_unavailable':
        return notice(503, 'Imports unavailable', 'importUnavailable', 'IMPORTS_UNAVAILABLE');
      case 'email_paused':
        return notice(503, 'Email scheduling paused', 'emailPaused', 'EMAIL_PAUSED_DURING_MIGRATION');
      case 'email_migration_day':
        // A user error (pick another time), not something to retry.
        return notice(422, 'Send time unavailable', 'emailMigrationDay', 'EMAIL_SEND_ON_MIGRATION_DAY', { retryAfter: undefined }, {});
      case 'integration_paused':
        return notice(503, 'Integration paused', 'integrationPaused', 'INTEGRATION_PAUSED');
    }
  };
}
