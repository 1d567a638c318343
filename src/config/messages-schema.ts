// The config schema of `messages` (zod): English overrides at the top level, `messages.<locale>` for any locale.
import { z } from 'zod';
import { BUFFERED_SURFACES } from '../domain/surfaces';
import { MESSAGE_KEYS, PAGE_KEYS, TITLE_KEYS } from '../domain/message-texts';

const text = z.string().min(1).max(2000).optional();
const keysOf = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, text])) as Record<K, typeof text>;

const overrideShape = {
  ...keysOf(MESSAGE_KEYS),
  titles: z.object(keysOf(TITLE_KEYS)).strict().optional(),
  accepted: z.object(keysOf(BUFFERED_SURFACES)).strict().default({}),
  pages: z.object(keysOf(PAGE_KEYS)).strict().optional(),
};

/** One locale's overrides: any subset of the texts. */
export const localeTextsSchema = z.object(overrideShape).strict();

/** A language tag as BCP 47 writes it (sv, de-AT, zh-Hant-TW), canonicalised by Intl; null when it is none. */
export function canonicalLocale(tag: string): string | null {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * Flat keys (and `accepted`, `titles`, `pages`) override English, as before locales existed; any other key names a
 * locale and holds that locale's overrides. (passthrough + a check per key rather than catchall: a catchall's index
 * signature would clash with the flat string keys in the config's TypeScript type.)
 */
export const messagesSchema = z
  .object(overrideShape)
  .passthrough()
  .superRefine((messages, ctx) => {
    for (const [key, value] of Object.entries(messages)) {
      if (key in overrideShape) continue;
      if (canonicalLocale(key) === null) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: `"${key}" is neither a message name nor a language tag such as "sv" or "de-AT"`,
        });
        continue;
      }
      const parsed = localeTextsSchema.safeParse(value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] });
      }
    }
  });

export type MessagesConfig = z.output<typeof messagesSchema>;
export type LocaleTextsConfig = z.output<typeof localeTextsSchema>;
