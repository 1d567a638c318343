// Which account a request belongs to: the :accountId path segment, else the account header, else the query.

/** Account ids are opaque but bounded: letters, digits, '-', '_', '.', at most 64 characters. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Returned when the request names two different accounts: the gateway must not decide for one while the upstream serves the other. */
export const AMBIGUOUS_ACCOUNT = Symbol('ambiguous account');

export interface AccountSources {
  pathParam: string | undefined;
  /** The header as Node gives it: repeated headers arrive joined with ", ". */
  header: string | undefined;
  /** Every value of the query parameter, in order. */
  query: string[];
}

/**
 * The first well-formed id among path, header and query; malformed values are ignored. When well-formed values
 * name different accounts (a repeated `portalId`, or a header and a query that disagree) the answer is
 * AMBIGUOUS_ACCOUNT.
 */
export function resolveAccount(sources: AccountSources): string | null | typeof AMBIGUOUS_ACCOUNT {
  let found: string | null = null;
  const consider = (candidate: string | undefined): boolean => {
    if (!candidate || !ACCOUNT_ID_PATTERN.test(candidate)) return true;
    if (found === null) found = candidate;
    return found === candidate;
  };
  if (!consider(sources.pathParam)) return AMBIGUOUS_ACCOUNT;
  if (sources.header !== undefined) {
    for (const value of sources.header.split(',')) if (!consider(value.trim())) return AMBIGUOUS_ACCOUNT;
  }
  for (const value of sources.query) if (!consider(value)) return AMBIGUOUS_ACCOUNT;
  return found;
}

/** Every value of one query parameter, without parsing the query unless there is one. */
export function queryParams(url: string, name: string): string[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  return new URLSearchParams(url.slice(q + 1)).getAll(name);
}

/** One query parameter (the first value), or null. */
export function queryParam(url: string, name: string): string | null {
  return queryParams(url, name)[0] ?? null;
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
