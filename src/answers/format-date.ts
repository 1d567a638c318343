// Dates and times in a notice, in the answer's language and the account's time zone (Intl; formatters cached).
import { formatLocal } from '../domain/time-zone';

interface Formatters {
  date: Intl.DateTimeFormat;
  time: Intl.DateTimeFormat;
}

// Building an Intl.DateTimeFormat costs far more than using one: one pair per (locale, zone), built on first use.
const cache = new Map<string, Formatters>();

function formatters(dateLocale: string, timeZone: string): Formatters {
  const key = `${dateLocale}|${timeZone}`;
  let f = cache.get(key);
  if (!f) {
    f = {
      date: new Intl.DateTimeFormat(dateLocale, { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
      time: new Intl.DateTimeFormat(dateLocale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    };
    cache.set(key, f);
  }
  return f;
}

/** "tisdag 8 december 2026", "21:00"; the zone reads the same in every language: "GMT+1 (Europe/Stockholm)". */
export function formatInLocale(ms: number, timeZone: string, dateLocale: string): { date: string; time: string; zone: string } {
  const f = formatters(dateLocale, timeZone);
  const d = new Date(ms);
  return { date: f.date.format(d), time: f.time.format(d), zone: formatLocal(ms, timeZone).zone };
}
