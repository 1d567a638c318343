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

function endOf(ctx: NoticeContext): { iso: string; date: string; time: string; zone: string } {
  const end = ctx.migration ? expectedWindowEnd(ctx.migration, ctx.now) : ctx.now;
  return { iso: new Date(end).toISOString(), ...formatLocal(end, ctx.timeZone) };
}

function error(category: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'error', category, message, ...extra };
}

export function buildNotice(kind: AnswerKind, ctx: NoticeContext): Notice {
  const end = endOf(ctx);
  const retryAfter = retryAfterSeconds(ctx.migration, ctx.now);
  const until = { expectedEnd: end.iso, retryAfterSeconds: retryAfter };
  switch (kind) {
    case 'api_migration': {
      const message = `This account's data is being migrated to the EU data centre. API calls are unavailable until the migration is done (expected by ${end.iso}).`;
      return {
        status: 477,
        retryAfter,
        title: 'Account migration in progress',
        paragraphs: [message],
        json: error('ACCOUNT_MIGRATION_IN_PROGRESS', message, until),
        jsonOnly: true,
      };
    }
    case 'document_unavailable': {
      const message = `This document is temporarily unavailable due to scheduled system updates. It will be available again on ${end.date}.`;
      return {
        status: 503,
        retryAfter,
        title: 'Document temporarily unavailable',
        paragraphs: [message],
        json: error('DOCUMENT_TEMPORARILY_UNAVAILABLE', message, until),
      };
    }
    case 'read_only': {
      const message =
        'Changes cannot be saved until the data migration is done. The content stays readable for every visitor in the meantime.';
      return { status: 503, retryAfter, title: 'Read-only during data migration', paragraphs: [message], json: error('READ_ONLY_DURING_MIGRATION', message, until) };
    }
    case 'app_migration': {
      const paragraphs = [
        'Your account data is being moved to the European Union (Germany).',
        `Your account will be unavailable until ${end.date} at ${end.time} ${end.zone}.`,
        `If you have questions, contact ${ctx.contactName}.`,
      ];
      return {
        status: 503,
        retryAfter,
        title: 'Data migration in progress',
        paragraphs,
        json: error('ACCOUNT_MIGRATION_IN_PROGRESS', paragraphs.join(' '), { ...until, contactName: ctx.contactName }),
      };
    }
    case 'portal_reply_blocked':
      return { status: 503, retryAfter, title: 'Scheduled maintenance', paragraphs: [PORTAL_REPLY_MESSAGE], json: error('SCHEDULED_MAINTENANCE', PORTAL_REPLY_MESSAGE, until) };
    case 'chat_hidden':
      // The widget is hidden from visitors: an empty answer the widget loader treats as "no chat".
      return { status: 204, title: '', paragraphs: [], json: {} };
    case 'chat_write_blocked': {
      const message = 'Chat messages cannot be saved while the account data is being migrated.';
      return { status: 503, retryAfter, title: 'Chat unavailable', paragraphs: [message], json: error('ACCOUNT_MIGRATION_IN_PROGRESS', message, until) };
    }
    case 'import_unavailable': {
      const message = `Imports are unavailable until the data migration is done (expected by ${end.date} at ${end.time} ${end.zone}).`;
      return { status: 503, retryAfter, title: 'Imports unavailable', paragraphs: [message], json: error('IMPORTS_UNAVAILABLE', message, until) };
    }
    case 'email_paused': {
      const message = 'Marketing emails cannot be sent or scheduled during the data migration. Reschedule them for after the migration.';
      return { status: 503, retryAfter, title: 'Email scheduling paused', paragraphs: [message], json: error('EMAIL_PAUSED_DURING_MIGRATION', message, until) };
    }
    case 'email_migration_day': {
      const day = ctx.migration ? formatLocal(ctx.migration.start, ctx.timeZone).date : '';
      const message = `Marketing emails cannot be scheduled to send on the migration day (${day}) or during the migration. Choose another send time.`;
      return { status: 422, title: 'Send time unavailable', paragraphs: [message], json: error('EMAIL_SEND_ON_MIGRATION_DAY', message) };
    }
    case 'integration_paused': {
      const message = 'Integration sync is paused while the account data is being migrated; it resumes after the migration.';
      return { status: 503, retryAfter, title: 'Integration paused', paragraphs: [message], json: error('INTEGRATION_PAUSED', message, until) };
    }
  }
}
