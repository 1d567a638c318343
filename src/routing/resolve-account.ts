// Which account a request belongs to: the :accountId path segment, else the account header, else the query.

/** Account ids are opaque but bounded: letters, digits, '-', '_', '.', at most 64 characters. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface AccountSources {
  pathParam: string | undefined;
  header: string | undefined;
  query: string | null;
}

export function resolveAccount(sources: AccountSources): string | null {
  for (const candidate of [sources.pathParam, sources.header, sources.query]) {
    if (candidate && ACCOUNT_ID_PATTERN.test(candidate)) return candidate;
  }
  return null;
}

/** Reads one query parameter without parsing the whole query unless there is one. */
export function queryParam(url: string, name: string): string | null {
  const q = url.indexOf('?');
  if (q < 0) return null;
  return new URLSearchParams(url.slice(q + 1)).get(name);
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
