// What the gateway answers by itself (SPEC §4, §7, §10): status, headers, HTML and JSON forms of each notice, per language.
import type { IncomingMessage } from 'node:http';
import type { Migration } from '../domain/account';
import type { AnswerKind } from '../policy/decide';
import { isOverrun, retryAfterSeconds } from '../policy/phase';
import { DEFAULT_MAX_RETRY_AFTER_SECONDS } from '../domain/limits';
import { rememberAnswerContext } from './answer-context';
import { createCatalogue } from './catalogue';
import { createCorsPolicy, type CorsOrigins, type CorsPolicy } from './cors';
import { formatInLocale } from './format-date';
import { createLanguagePicker } from './language';
import { en } from './locales/en';
import { MIGRATION_IN_PROGRESS_REASON } from './status';
import type { MessagesConfig } from '../config/messages-schema';
import type { MessageKey, TitleKey } from '../domain/message-texts';

export interface NoticeContext {
  migration: Migration | null;
  timeZone: string;
  contactName: string;
  now: number;
  /** The account's locale (settings.locale): its visitors' language unless Accept-Language finds one with texts. */
  locale?: string;
  /** The request's Accept-Language header. */
  acceptLanguage?: string;
}

export interface Notice {
  status: number;
  /** The reason phrase where Node has none (477). */
  statusMessage?: string;
  /** Seconds; omitted where a retry makes no sense. */
  retryAfter?: number;
  title: string;
  paragraphs: string[];
  /** The JSON form; HTML clients get title + paragraphs. */
  json: Record<string, unknown>;
  /** API clients always get JSON (no HTML page for a 477). */
  jsonOnly?: boolean;
  /** Content-Language, and the page's lang. */
  lang: string;
  cors: CorsPolicy;
  /** A CORS preflight: 204 with the CORS headers, no body. */
  preflight?: boolean;
}

export const FORM_ACCEPTED_MESSAGE = en.accepted.form;
export const PORTAL_REPLY_MESSAGE = en.portalReply;

/** Fills `{name}` placeholders; unknown names stay as written. Values are escaped later, where HTML is written. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function error(category: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'error', category, message, ...extra };
}

/** What the builder reads from the gateway's configuration (GatewayConfig fits). */
export interface NoticeOptions {
  messages?: Partial<MessagesConfig>;
  cors?: { origins: CorsOrigins };
  limits?: { maxRetryAfterSeconds?: number };
}

export type NoticeBuilder = ((kind: AnswerKind, ctx: NoticeContext) => Notice) & {
  /** Hands the negotiated language and CORS to the buffer's answers (202, 413, 503) for this request. */
  remember(req: IncomingMessage, ctx: NoticeContext): void;
  /** The locales that have texts. */
  locales: readonly string[];
};

/** Builds notices from the configured texts; one instance per gateway. Texts per locale are merged once, here. */
export function createNoticeBuilder(options: NoticeOptions = {}): NoticeBuilder {
  const catalogue = createCatalogue(options.messages);
  const pickLanguage = createLanguagePicker(catalogue.locales);
  const cors = createCorsPolicy(options.cors?.origins ?? '*');
  const maxRetryAfter = options.limits?.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_SECONDS;
  const english = catalogue.texts('en');
  // The same account, language and Retry-After second get the same Notice object (and send-notice's prepared
  // bodies and headers): no date formatting, templating or serialising per request. Bounded: cleared when full.
  const recent = new Map<string, Notice>();
  const MAX_RECENT = 5000;

  const build = (kind: AnswerKind, ctx: NoticeContext): Notice => {
    const lang = pickLanguage(ctx.acceptLanguage, ctx.locale);
    if (kind === 'cors_preflight') return { status: 204, title: '', paragraphs: [], json: {}, lang, cors, preflight: true };
    const migration = ctx.migration;
    // In an overrun the planned end is still reported (JSON), but no text promises it.
    const overrun = isOverrun(migration, ctx.now);
    const retryAfter = retryAfterSeconds(migration, ctx.now, maxRetryAfter);
    // Without a migration the end would be "now", different every millisecond: not worth keeping.
    const key = migration
      ? `${kind}\n${lang}\n${migration.id}\n${migration.start}\n${migration.expectedEnd}\n${ctx.timeZone}\n${ctx.contactName}\n${retryAfter}\n${overrun}`
      : null;
    const hit = key === null ? undefined : recent.get(key);
    if (hit) return hit;
    const made = compose(kind, ctx, lang, overrun, retryAfter);
    if (key !== null) {
      if (recent.size >= MAX_RECENT) recent.clear();
      recent.set(key, made);
    }
    return made;
  };

  const compose = (kind: AnswerKind, ctx: NoticeContext, lang: string, overrun: boolean, retryAfter: number): Notice => {
    const texts = catalogue.texts(lang);
    if (kind === 'chat_hidden') {
      // The widget is hidden from visitors: an empty answer the widget loader treats as "no chat".
      return { status: 204, title: '', paragraphs: [], json: {}, lang, cors };
    }
    const migration = ctx.migration;
    const end = migration ? migration.expectedEnd : ctx.now;
    const dateLocale = catalogue.dateLocale(lang);
    const local = formatInLocale(end, ctx.timeZone, dateLocale);
    const values = {
      endIso: new Date(end).toISOString(),
      endDate: local.date,
      endTime: local.time,
      timeZone: local.zone,
      contactName: ctx.contactName,
      migrationDay: migration ? formatInLocale(migration.start, ctx.timeZone, dateLocale).date : '',
    };
    const until = { expectedEnd: values.endIso, retryAfterSeconds: retryAfter, overrun };
    const notice = (
      status: number,
      key: TitleKey,
      category: string,
      extra: Partial<Notice> = {},
      jsonExtra: Record<string, unknown> = until,
    ): Notice => {
      const overrunKey = `${key}Overrun` as MessageKey;
      const template = overrun && overrunKey in texts ? texts[overrunKey] : texts[key];
      const paragraphs = fillTemplate(template, values)
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .filter(Boolean);
      const message = paragraphs.join(' ');
      return { status, retryAfter, title: texts.titles[key], paragraphs, json: error(category, message, jsonExtra), lang, cors, ...extra };
    };
    switch (kind) {
      case 'api_migration':
        return notice(477, 'apiMigration', 'ACCOUNT_MIGRATION_IN_PROGRESS', {
          jsonOnly: true,
          statusMessage: MIGRATION_IN_PROGRESS_REASON,
        });
      case 'document_unavailable':
        return notice(503, 'documentUnavailable', 'DOCUMENT_TEMPORARILY_UNAVAILABLE');
      case 'read_only':
        return notice(503, 'readOnly', 'READ_ONLY_DURING_MIGRATION');
      case 'app_migration':
        return notice(503, 'appMigration', 'ACCOUNT_MIGRATION_IN_PROGRESS', {}, { ...until, contactName: ctx.contactName });
      case 'portal_reply_blocked':
        return notice(503, 'portalReply', 'SCHEDULED_MAINTENANCE');
      case 'chat_write_blocked':
        return notice(503, 'chatWriteBlocked', 'ACCOUNT_MIGRATION_IN_PROGRESS');
      case 'import_unavailable':
        return notice(503, 'importUnavailable', 'IMPORTS_UNAVAILABLE');
      case 'email_paused':
        return notice(503, 'emailPaused', 'EMAIL_PAUSED_DURING_MIGRATION');
      case 'email_migration_day':
        // A user error (pick another time), not something to retry.
        return notice(422, 'emailMigrationDay', 'EMAIL_SEND_ON_MIGRATION_DAY', { retryAfter: undefined }, {});
      case 'integration_paused':
        return notice(503, 'integrationPaused', 'INTEGRATION_PAUSED');
      case 'cors_preflight':
        return { status: 204, title: '', paragraphs: [], json: {}, lang, cors, preflight: true };
    }
  };

  const remember = (req: IncomingMessage, ctx: NoticeContext): void => {
    const locale = pickLanguage(ctx.acceptLanguage, ctx.locale);
    rememberAnswerContext(req, { locale, texts: catalogue.texts(locale), english, cors });
  };
  return Object.assign(build, { remember, locales: catalogue.locales });
}
