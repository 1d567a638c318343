// The shape of one locale's texts for the gateway's own answers (SPEC §10): notices, their titles, accepted pages.
import type { BufferSurface } from './surfaces';

/** Notice bodies. An `…Overrun` text replaces its base text once the expected end has passed (no stale end time). */
export const MESSAGE_KEYS = [
  'apiMigration',
  'apiMigrationOverrun',
  'documentUnavailable',
  'documentUnavailableOverrun',
  'readOnly',
  'appMigration',
  'appMigrationOverrun',
  'portalReply',
  'chatWriteBlocked',
  'importUnavailable',
  'importUnavailableOverrun',
  'emailPaused',
  'emailMigrationDay',
  'integrationPaused',
] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];

/** Page titles of the notices. */
export const TITLE_KEYS = [
  'apiMigration',
  'documentUnavailable',
  'readOnly',
  'appMigration',
  'portalReply',
  'chatWriteBlocked',
  'importUnavailable',
  'emailPaused',
  'emailMigrationDay',
  'integrationPaused',
] as const;
export type TitleKey = (typeof TITLE_KEYS)[number];

/** The buffer's own pages: 202 accepted, 413 too large, 503 not stored. `{reference}`, `{limit}`, `{limitBytes}` are filled in. */
export const PAGE_KEYS = ['received', 'reference', 'back', 'tooLargeTitle', 'tooLarge', 'notStoredTitle', 'notStored'] as const;
export type PageKey = (typeof PAGE_KEYS)[number];

export type LocaleTexts = Record<MessageKey, string> & {
  titles: Record<TitleKey, string>;
  accepted: Record<BufferSurface, string>;
  pages: Record<PageKey, string>;
  /** The locale Intl formats dates in (e.g. `en-GB` for `en`); the locale tag itself when absent. */
  dateLocale?: string;
};

/** What an operator may give per locale: any subset; the rest falls back to the language, then to English. */
export type LocaleOverrides = Partial<Record<MessageKey, string>> & {
  titles?: Partial<Record<TitleKey, string>>;
  accepted?: Partial<Record<BufferSurface, string>>;
  pages?: Partial<Record<PageKey, string>>;
};
