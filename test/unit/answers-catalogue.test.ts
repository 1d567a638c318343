// The texts per locale (built in, overridden, added, falling back) and the language an answer is written in.
import { createCatalogue } from '../../src/answers/catalogue';
import { createLanguagePicker } from '../../src/answers/language';
import { shortReference } from '../../src/buffer/buffer-answers';

describe('createCatalogue', () => {
  it('has en, sv, da, de built in, every text translated (no locale reuses an English sentence)', () => {
    const catalogue = createCatalogue();
    expect(catalogue.locales).toEqual(['en', 'sv', 'da', 'de']);
    const en = catalogue.texts('en');
    for (const locale of ['sv', 'da', 'de']) {
      const texts = catalogue.texts(locale);
      for (const [key, value] of Object.entries(texts)) {
        if (typeof value === 'string' && key !== 'dateLocale')
          expect([locale, key, value]).not.toEqual([locale, key, (en as unknown as Record<string, string>)[key]]);
      }
      for (const group of ['titles', 'accepted', 'pages'] as const) {
        for (const [key, value] of Object.entries(texts[group])) {
          // "Reference: {reference}" reads the same in Danish.
          if (!(locale === 'da' && key === 'reference'))
            expect([locale, group, key, value]).not.toEqual([locale, group, key, (en[group] as Record<string, string>)[key]]);
        }
      }
    }
  });

  it('flat keys override English, messages.en wins over them, and an added locale falls back to its language, then English', () => {
    const catalogue = createCatalogue({
      readOnly: 'flat',
      en: { readOnly: 'en wins', titles: { readOnly: 'RO' } },
      'de-AT': { emailPaused: 'Servus' },
      fr: { portalReply: 'Revenez plus tard.' },
    } as never);
    expect(catalogue.locales).toEqual(['en', 'sv', 'da', 'de', 'de-AT', 'fr']);
    expect(catalogue.texts('en').readOnly).toBe('en wins');
    expect(catalogue.texts('en').titles.readOnly).toBe('RO');
    expect(catalogue.texts('de-AT').emailPaused).toBe('Servus');
    expect(catalogue.texts('de-AT').readOnly).toBe(catalogue.texts('de').readOnly);
    expect(catalogue.texts('fr').portalReply).toBe('Revenez plus tard.');
    expect(catalogue.texts('fr').readOnly).toBe('en wins');
    expect(catalogue.dateLocale('en')).toBe('en-GB');
    expect(catalogue.dateLocale('fr')).toBe('fr');
    expect(catalogue.dateLocale('de-AT')).toBe('de-AT');
  });
});

describe('createLanguagePicker', () => {
  const pick = createLanguagePicker(['en', 'sv', 'da', 'de']);
  it.each([
    ['sv-SE,sv;q=0.9', undefined, 'sv'],
    ['fr', undefined, 'en'],
    ['fr', 'da', 'da'],
    [undefined, 'da', 'da'],
    ['*', 'de', 'de'],
    ['fr, sv;q=0.1', 'de', 'sv'],
    ['en-US,en;q=0.9,sv;q=0.8', 'sv', 'en'],
    ['da;q=0', undefined, 'en'],
    ['de-CH', undefined, 'de'],
    ['sv', 'xx', 'sv'],
    ['fr', 'xx', 'en'],
  ])('Accept-Language %p, account locale %p → %s', (header, account, expected) => {
    expect(pick(header, account)).toBe(expected);
    // The cached answer is the same.
    expect(pick(header, account)).toBe(expected);
  });
});

describe('shortReference', () => {
  it('is two groups of four Crockford base32 characters, the same for the same id and different for others', () => {
    const refs = new Set(Array.from({ length: 2000 }, (_v, i) => shortReference(`1764489600${i}-0`)));
    expect(refs.size).toBe(2000);
    for (const ref of refs) expect(ref).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(shortReference('42')).toBe(shortReference('42'));
  });
});
