// Every locale's texts, merged once per gateway: built-in locales, then the operator's overrides (SPEC §10).
import { da } from './locales/da';
import { de } from './locales/de';
import { en } from './locales/en';
import { sv } from './locales/sv';
import { canonicalLocale, type LocaleTextsConfig, type MessagesConfig } from '../config/messages-schema';
import { MESSAGE_KEYS, type LocaleOverrides, type LocaleTexts } from '../domain/message-texts';

export const BUILT_IN_LOCALES: Readonly<Record<string, LocaleTexts>> = { en, sv, da, de };
export const DEFAULT_LOCALE = 'en';

export interface Catalogue {
  /** The locales that have texts, English first. */
  locales: readonly string[];
  /** The merged texts of a locale in `locales` (English for any other). */
  texts(locale: string): LocaleTexts;
  /** The locale Intl formats dates in for a locale in `locales`. */
  dateLocale(locale: string): string;
}

function overlay(base: LocaleTexts, over: LocaleOverrides | undefined): LocaleTexts {
  if (!over) return base;
  const out: LocaleTexts = { ...base, titles: { ...base.titles }, accepted: { ...base.accepted }, pages: { ...base.pages } };
  for (const key of MESSAGE_KEYS) {
    const value = over[key];
    if (value !== undefined) out[key] = value;
  }
  for (const [key, value] of Object.entries(over.titles ?? {}))
    if (value !== undefined) out.titles[key as keyof LocaleTexts['titles']] = value;
  for (const [key, value] of Object.entries(over.accepted ?? {}))
    if (value !== undefined) out.accepted[key as keyof LocaleTexts['accepted']] = value;
  for (const [key, value] of Object.entries(over.pages ?? {}))
    if (value !== undefined) out.pages[key as keyof LocaleTexts['pages']] = value;
  return out;
}

/** Splits config `messages` into the English overrides (its flat keys) and the per-locale ones, by canonical tag. */
function overridesByLocale(messages: Partial<MessagesConfig> | undefined): Map<string, LocaleOverrides> {
  const byLocale = new Map<string, LocaleOverrides>();
  if (!messages) return byLocale;
  const flat: LocaleOverrides = {};
  for (const [key, value] of Object.entries(messages)) {
    if (value === undefined) continue;
    if (key === 'accepted' || key === 'titles' || key === 'pages' || (MESSAGE_KEYS as readonly string[]).includes(key)) {
      (flat as Record<string, unknown>)[key] = value;
      continue;
    }
    const locale = canonicalLocale(key);
    if (locale) byLocale.set(locale, { ...byLocale.get(locale), ...(value as LocaleTextsConfig) });
  }
  // messages.en wins over the flat keys: it is the more specific of the two.
  const enOwn = byLocale.get(DEFAULT_LOCALE);
  byLocale.set(DEFAULT_LOCALE, enOwn ? mergeOverrides(flat, enOwn) : flat);
  return byLocale;
}

function mergeOverrides(a: LocaleOverrides, b: LocaleOverrides): LocaleOverrides {
  return {
    ...a,
    ...b,
    titles: { ...a.titles, ...b.titles },
    accepted: { ...a.accepted, ...b.accepted },
    pages: { ...a.pages, ...b.pages },
  };
}

const languageOf = (locale: string): string => locale.split('-')[0] ?? locale;

/**
 * A locale's texts fall back to its language (de-AT → de), then to English, text by text, so an operator can add
 * a locale with only the texts that differ. Built once: nothing is merged per request.
 */
export function createCatalogue(messages?: Partial<MessagesConfig>): Catalogue {
  const overrides = overridesByLocale(messages);
  const tags = [...new Set([DEFAULT_LOCALE, ...Object.keys(BUILT_IN_LOCALES), ...overrides.keys()])];
  const merged = new Map<string, LocaleTexts>();
  const dates = new Map<string, string>();
  const english = overlay(en, overrides.get(DEFAULT_LOCALE));
  merged.set(DEFAULT_LOCALE, english);
  dates.set(DEFAULT_LOCALE, en.dateLocale ?? DEFAULT_LOCALE);
  for (const tag of tags) {
    if (tag === DEFAULT_LOCALE) continue;
    const language = languageOf(tag);
    let texts = english;
    if (language !== tag) {
      texts = overlay(texts, BUILT_IN_LOCALES[language]);
      texts = overlay(texts, overrides.get(language));
    }
    texts = overlay(texts, BUILT_IN_LOCALES[tag]);
    texts = overlay(texts, overrides.get(tag));
    merged.set(tag, texts);
    dates.set(tag, BUILT_IN_LOCALES[tag]?.dateLocale ?? tag);
  }
  return {
    locales: tags,
    texts: (locale) => merged.get(locale) ?? english,
    dateLocale: (locale) => dates.get(locale) ?? dates.get(DEFAULT_LOCALE) ?? DEFAULT_LOCALE,
  };
}
