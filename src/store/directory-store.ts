// The account directory: which account owns a custom domain or an API-token digest, shared by every instance.

/** An API token as stored: only its SHA-256 digest (hex), never the secret. */
export interface ApiTokenRecord {
  /** Lower-case hex SHA-256 of the secret. */
  digest: string;
  accountId: string;
  label: string | null;
  createdAt: number;
}

/** The public id of a token: the first 12 hex digits of its digest. */
export const tokenIdOf = (digest: string): string => digest.slice(0, 12);

/** One entry of the directory that changed: a domain (e.g. `*.example.com`) or a token digest, and its new owner. */
export interface DirectoryChange {
  kind: 'domain' | 'token';
  key: string;
  /** null = no longer owned by anyone. */
  accountId: string | null;
}

export type DirectoryListener = (changes: DirectoryChange[]) => void;

export type ClaimResult = { ok: true } | { ok: false; domain: string; owner: string };

export type RegisterResult =
  | { outcome: 'created'; token: ApiTokenRecord }
  /** The same digest was already registered to this account: the stored record, unchanged. */
  | { outcome: 'exists'; token: ApiTokenRecord }
  /** The digest (or, for this account, its 12-digit id) belongs to another token or account. */
  | { outcome: 'taken' };

export interface DirectoryStore {
  /**
   * Claims every listed domain for the account, all or nothing: refused (nothing claimed) when one of them is held
   * by another account. Claimed domains stay the account's until `syncDomains` drops them.
   */
  claimDomains(accountId: string, domains: string[]): Promise<ClaimResult>;
  /**
   * Makes the account own exactly `domains` (those of its record at `version`): releases the others it holds and
   * claims listed ones that are free. Ignored (returns false) when a higher version was synced already, so a late
   * sync of an older record cannot undo a newer one.
   */
  syncDomains(accountId: string, version: number, domains: string[]): Promise<boolean>;
  /** The owner of each directory domain key (exact names or `*.` wildcards), null where none. */
  domainOwners(domains: string[]): Promise<(string | null)[]>;
  /** Domains the directory holds for the account, sorted. */
  domainsOf(accountId: string): Promise<string[]>;
  registerToken(token: ApiTokenRecord): Promise<RegisterResult>;
  /** Deletes the account's token with this id; false when the account has none with it. */
  deleteToken(accountId: string, tokenId: string): Promise<boolean>;
  /** The account's tokens, oldest first. */
  tokensOf(accountId: string): Promise<ApiTokenRecord[]>;
  tokenOwner(digest: string): Promise<string | null>;
  /**
   * Every domain key and token digest in the directory with its owner, in batches of about `batchSize` (a batch may
   * repeat entries of an earlier one while the directory changes). For building an in-process index.
   */
  scan(batchSize: number, onBatch: (kind: DirectoryChange['kind'], entries: [key: string, accountId: string][]) => void): Promise<void>;
}
