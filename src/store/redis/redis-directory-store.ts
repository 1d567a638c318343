// The account directory in Redis: every key in the `{directory}` slot, so one Lua script can claim domains atomically.
import {
  tokenIdOf,
  type ApiTokenRecord,
  type ClaimResult,
  type DirectoryChange,
  type DirectoryStore,
  type RegisterResult,
} from '../directory-store';
import { defineScript, runScript, type RedisClient } from './scripts';

/**
 * A global index cannot share a script with `{account}`-tagged keys in a Redis Cluster, so the directory has a slot of
 * its own. The scripts publish their changes themselves: no change is stored without being announced.
 */
function directoryKey(prefix: string, name: string): string {
  return `${prefix}{directory}:${name}`;
}

interface StoredToken {
  digest: string;
  label: string | null;
  createdAt: number;
}

const SCAN_COUNT_MIN = 10;

/** The wire form of a change announcement: the scripts' cjson array of [kind, key, account or ""]. */
export function parseDirectoryMessage(message: string): DirectoryChange[] {
  const raw = JSON.parse(message) as unknown;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 3) return [];
    const [kind, key, accountId] = entry as unknown[];
    if ((kind !== 'domain' && kind !== 'token') || typeof key !== 'string' || typeof accountId !== 'string') return [];
    return [{ kind, key, accountId: accountId === '' ? null : accountId }];
  });
}

export class RedisDirectoryStore implements DirectoryStore {
  private readonly domains: string;
  private readonly tokens: string;
  private readonly versions: string;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    /** The pub/sub channel the scripts announce changes on. */
    private readonly channel: string,
  ) {
    this.domains = directoryKey(prefix, 'domains');
    this.tokens = directoryKey(prefix, 'tokens');
    this.versions = directoryKey(prefix, 'domain-versions');
    defineScript(client, 'mgDirectoryClaimDomains', 'directory-claim-domains', 2);
    defineScript(client, 'mgDirectorySyncDomains', 'directory-sync-domains', 3);
    defineScript(client, 'mgDirectoryRegisterToken', 'directory-register-token', 2);
    defineScript(client, 'mgDirectoryDeleteToken', 'directory-delete-token', 2);
  }

  private accountDomainsKey(accountId: string): string {
    return directoryKey(this.prefix, `account-domains:${accountId}`);
  }

  private accountTokensKey(accountId: string): string {
    return directoryKey(this.prefix, `account-tokens:${accountId}`);
  }

  async claimDomains(accountId: string, domains: string[]): Promise<ClaimResult> {
    if (domains.length === 0) return { ok: true };
    const result = (await runScript(
      this.client,
      'mgDirectoryClaimDomains',
      [this.domains, this.accountDomainsKey(accountId)],
      [accountId, this.channel, ...domains],
    )) as [number, string?, string?];
    if (result[0] === 1) return { ok: true };
    return { ok: false, domain: String(result[1]), owner: String(result[2]) };
  }

  async syncDomains(accountId: string, version: number, domains: string[]): Promise<boolean> {
    const applied = await runScript(
      this.client,
      'mgDirectorySyncDomains',
      [this.domains, this.accountDomainsKey(accountId), this.versions],
      [accountId, version, this.channel, ...domains],
    );
    return applied === 1;
  }

  async domainOwners(domains: string[]): Promise<(string | null)[]> {
    if (domains.length === 0) return [];
    return this.client.hmget(this.domains, ...domains);
  }

  async domainsOf(accountId: string): Promise<string[]> {
    return (await this.client.smembers(this.accountDomainsKey(accountId))).sort();
  }

  async registerToken(token: ApiTokenRecord): Promise<RegisterResult> {
    const stored: StoredToken = { digest: token.digest, label: token.label, createdAt: token.createdAt };
    const result = (await runScript(
      this.client,
      'mgDirectoryRegisterToken',
      [this.tokens, this.accountTokensKey(token.accountId)],
      [token.digest, token.accountId, tokenIdOf(token.digest), JSON.stringify(stored), this.channel],
    )) as [number, string?];
    if (result[0] === 1) return { outcome: 'created', token: { ...token } };
    if (result[0] === 2 && typeof result[1] === 'string') {
      return { outcome: 'exists', token: { ...(JSON.parse(result[1]) as StoredToken), accountId: token.accountId } };
    }
    return { outcome: 'taken' };
  }

  async deleteToken(accountId: string, tokenId: string): Promise<boolean> {
    const deleted = await runScript(
      this.client,
      'mgDirectoryDeleteToken',
      [this.tokens, this.accountTokensKey(accountId)],
      [accountId, tokenId, this.channel],
    );
    return deleted === 1;
  }

  async tokensOf(accountId: string): Promise<ApiTokenRecord[]> {
    const stored = await this.client.hvals(this.accountTokensKey(accountId));
    return stored
      .map((raw) => ({ ...(JSON.parse(raw) as StoredToken), accountId }))
      .sort((a, b) => a.createdAt - b.createdAt || a.digest.localeCompare(b.digest));
  }

  async tokenOwner(digest: string): Promise<string | null> {
    return this.client.hget(this.tokens, digest);
  }

  async scan(batchSize: number, onBatch: (kind: DirectoryChange['kind'], entries: [string, string][]) => void): Promise<void> {
    const count = Math.max(SCAN_COUNT_MIN, batchSize);
    for (const [kind, key] of [
      ['domain', this.domains],
      ['token', this.tokens],
    ] as const) {
      let cursor = '0';
      do {
        const [next, flat] = await this.client.hscan(key, cursor, 'COUNT', count);
        cursor = next;
        const entries: [string, string][] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i] ?? '', flat[i + 1] ?? '']);
        if (entries.length > 0) onBatch(kind, entries);
      } while (cursor !== '0');
    }
  }
}
