// Picks the language of an answer (SPEC §10): Accept-Language among the locales with texts, else the account's, else English.
import Negotiator from 'negotiator';
import { DEFAULT_LOCALE } from './catalogue';

/**
 * negotiator (express's own) does the RFC 9110 q-value and prefix matching (`sv-SE` finds `sv`). The account's
 * locale is offered first, so it wins ties and a missing header or `*`. Results are cached per
 * (account locale, header): browsers send a handful of distinct headers, and negotiation parses and sorts each time.
 */
export function createLanguagePicker(
  locales: readonly string[],
  maxCached = 1000,
): (acceptLanguage: string | undefined, accountLocale: string | undefined) => string {
  const cache = new Map<string, string>();
  const known = new Set(locales);
  return (acceptLanguage, accountLocale) => {
    const fallback = accountLocale !== undefined && known.has(accountLocale) ? accountLocale : DEFAULT_LOCALE;
    if (!acceptLanguage) return fallback;
    const key = `${fallback}\n${acceptLanguage}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const offered = [fallback, ...locales.filter((l) => l !== fallback)];
    const picked = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language(offered) ?? fallback;
    if (cache.size >= maxCached) cache.clear();
    cache.set(key, picked);
    return picked;
  };
}
