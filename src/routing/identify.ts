// Which account a request belongs to (SPEC §8): every configured source is read, and all that name one must agree.
import type { IncomingMessage } from 'node:http';
import { parse as parseCookies } from 'cookie';
import type { AccountSource } from '../config/schema';
import { queryParams } from './request-url';
import { ACCOUNT_ID_PATTERN } from '../domain/account';

/** Domains and API tokens known in-process (state/account-directory.ts); a Promise only when the store must be asked. */
export interface AccountDirectoryLookup {
  accountForHost(hostHeader: string): string | null | Promise<string | null>;
  accountForToken(token: string): string | null | Promise<string | null>;
}

/** The library hook: consulted when no built-in source names an account (e.g. a token introspection service). */
export type ResolveAccountHook = (req: IncomingMessage) => string | null | Promise<string | null>;

export interface IdentifyOptions {
  /** The sources to read, in order (config `account.sources`). */
  sources: readonly AccountSource[];
  /** The account header, lower-case (config `account.header`). */
  header: string;
  query: string;
  cookie: string | undefined;
  /** False when the account header comes from a client not allowed to name the account (it is then ignored). */
  headerTrusted: (req: IncomingMessage) => boolean;
  directory: AccountDirectoryLookup | null;
  hook: ResolveAccountHook | undefined;
}

export type Identity =
  | { kind: 'account'; accountId: string; source: AccountSource | 'hook' }
  | { kind: 'none' }
  /** Two sources name different accounts: deciding for one while the upstream serves the other is not safe. */
  | { kind: 'ambiguous'; sources: [string, string] }
  /** A source could not be read (the store behind a lookup, or the hook, failed): the store-down rule applies. */
  | { kind: 'unavailable'; error: unknown };

const NONE: Identity = { kind: 'none' };

/** RFC 6750 b64token after "Bearer ". Anything else is not a token this gateway knows. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function bearerToken(req: IncomingMessage): string | null {
  const value = req.headers.authorization;
  if (typeof value !== 'string' || value.length > 8192) return null;
  const m = BEARER.exec(value);
  return m ? (m[1] ?? null) : null;
}

type Candidate = { source: AccountSource | 'hook'; value: string | null | Promise<string | null> };

/** Everything each source says, in order; host and token may still be in flight. */
function candidates(req: IncomingMessage, pathParam: string | undefined, options: IdentifyOptions): Candidate[] {
  const found: Candidate[] = [];
  for (const source of options.sources) {
    switch (source) {
      case 'path':
        if (pathParam !== undefined) found.push({ source, value: pathParam });
        break;
      case 'host': {
        const host = req.headers.host;
        if (options.directory && host) found.push({ source, value: options.directory.accountForHost(host) });
        break;
      }
      case 'token': {
        const token = options.directory ? bearerToken(req) : null;
        if (token && options.directory) found.push({ source, value: options.directory.accountForToken(token) });
        break;
      }
      case 'header': {
        const header = req.headers[options.header];
        // Repeated headers arrive joined with ", ": each value counts.
        if (typeof header === 'string' && options.headerTrusted(req)) {
          for (const value of header.split(',')) found.push({ source, value: value.trim() });
        }
        break;
      }
      case 'query':
        for (const value of queryParams(req.url ?? '/', options.query)) found.push({ source, value });
        break;
      case 'cookie': {
        const raw = req.headers.cookie;
        if (options.cookie && typeof raw === 'string') {
          const value = parseCookies(raw)[options.cookie];
          if (value !== undefined) found.push({ source, value });
        }
        break;
      }
    }
  }
  return found;
}

/** The one account all well-formed values agree on; malformed values (an id the gateway never issues) are ignored. */
function agree(values: { source: AccountSource | 'hook'; value: string | null }[]): Identity {
  let first: { source: AccountSource | 'hook'; value: string } | null = null;
  for (const { source, value } of values) {
    if (!value || !ACCOUNT_ID_PATTERN.test(value)) continue;
    if (first === null) first = { source, value };
    else if (first.value !== value) return { kind: 'ambiguous', sources: [first.source, source] };
  }
  return first ? { kind: 'account', accountId: first.value, source: first.source } : NONE;
}

function settle(
  req: IncomingMessage,
  values: { source: AccountSource | 'hook'; value: string | null }[],
  options: IdentifyOptions,
): Identity | Promise<Identity> {
  const identity = agree(values);
  if (identity.kind !== 'none' || !options.hook) return identity;
  let hooked: string | null | Promise<string | null>;
  try {
    hooked = options.hook(req);
  } catch (error) {
    return { kind: 'unavailable', error };
  }
  if (hooked instanceof Promise) {
    return hooked.then(
      (value) => agree([{ source: 'hook', value }]),
      (error: unknown): Identity => ({ kind: 'unavailable', error }),
    );
  }
  return agree([{ source: 'hook', value: hooked }]);
}

/**
 * Reads every configured source. Answers at once when each source is answerable in-process (the usual case: the
 * directory holds domains and tokens); a Promise only when a lookup had to ask the store or the hook is async.
 */
export function identify(req: IncomingMessage, pathParam: string | undefined, options: IdentifyOptions): Identity | Promise<Identity> {
  const found = candidates(req, pathParam, options);
  if (!found.some((c) => c.value instanceof Promise)) {
    return settle(req, found as { source: AccountSource; value: string | null }[], options);
  }
  return Promise.all(found.map(async (c) => ({ source: c.source, value: await c.value }))).then(
    (values) => settle(req, values, options),
    (error: unknown): Identity => ({ kind: 'unavailable', error }),
  );
}
