// In-process account directory (domains, API-token digests): the embedded store's twin of the Redis one.
import {
  tokenIdOf,
  type ApiTokenRecord,
  type ClaimResult,
  type DirectoryChange,
  type DirectoryListener,
  type DirectoryStore,
  type RegisterResult,
} from '../directory-store';

export class MemoryDirectoryStore implements DirectoryStore {
  private readonly domainOwner = new Map<string, string>();
  private readonly accountDomains = new Map<string, Set<string>>();
  private readonly syncedVersion = new Map<string, number>();
  private readonly tokens = new Map<string, ApiTokenRecord>();
  /** Per account: token id → digest. */
  private readonly accountTokens = new Map<string, Map<string, string>>();

  constructor(private readonly announce: DirectoryListener) {}

  private held(accountId: string): Set<string> {
    let set = this.accountDomains.get(accountId);
    if (!set) {
      set = new Set();
      this.accountDomains.set(accountId, set);
    }
    return set;
  }

  async claimDomains(accountId: string, domains: string[]): Promise<ClaimResult> {
    for (const domain of domains) {
      const owner = this.domainOwner.get(domain);
      if (owner !== undefined && owner !== accountId) return { ok: false, domain, owner };
    }
    const changes: DirectoryChange[] = [];
    for (const domain of domains) {
      if (this.domainOwner.get(domain) === accountId) continue;
      this.domainOwner.set(domain, accountId);
      this.held(accountId).add(domain);
      changes.push({ kind: 'domain', key: domain, accountId });
    }
    if (changes.length > 0) this.announce(changes);
    return { ok: true };
  }

  async syncDomains(accountId: string, version: number, domains: string[]): Promise<boolean> {
    if ((this.syncedVersion.get(accountId) ?? 0) > version) return false;
    this.syncedVersion.set(accountId, version);
    const keep = new Set(domains);
    const held = this.held(accountId);
    const changes: DirectoryChange[] = [];
    for (const domain of [...held]) {
      if (keep.has(domain)) continue;
      held.delete(domain);
      if (this.domainOwner.get(domain) === accountId) {
        this.domainOwner.delete(domain);
        changes.push({ kind: 'domain', key: domain, accountId: null });
      }
    }
    for (const domain of domains) {
      if (this.domainOwner.has(domain)) continue;
      this.domainOwner.set(domain, accountId);
      held.add(domain);
      changes.push({ kind: 'domain', key: domain, accountId });
    }
    if (held.size === 0) this.accountDomains.delete(accountId);
    if (changes.length > 0) this.announce(changes);
    return true;
  }

  async domainOwners(domains: string[]): Promise<(string | null)[]> {
    return domains.map((domain) => this.domainOwner.get(domain) ?? null);
  }

  async domainsOf(accountId: string): Promise<string[]> {
    return [...(this.accountDomains.get(accountId) ?? [])].sort();
  }

  async registerToken(token: ApiTokenRecord): Promise<RegisterResult> {
    const existing = this.tokens.get(token.digest);
    if (existing) return existing.accountId === token.accountId ? { outcome: 'exists', token: { ...existing } } : { outcome: 'taken' };
    const ids = this.accountTokens.get(token.accountId) ?? new Map<string, string>();
    if (ids.has(tokenIdOf(token.digest))) return { outcome: 'taken' };
    ids.set(tokenIdOf(token.digest), token.digest);
    this.accountTokens.set(token.accountId, ids);
    this.tokens.set(token.digest, { ...token });
    this.announce([{ kind: 'token', key: token.digest, accountId: token.accountId }]);
    return { outcome: 'created', token: { ...token } };
  }

  async deleteToken(accountId: string, tokenId: string): Promise<boolean> {
    const ids = this.accountTokens.get(accountId);
    const digest = ids?.get(tokenId);
    if (!ids || digest === undefined) return false;
    ids.delete(tokenId);
    if (ids.size === 0) this.accountTokens.delete(accountId);
    this.tokens.delete(digest);
    this.announce([{ kind: 'token', key: digest, accountId: null }]);
    return true;
  }

  async tokensOf(accountId: string): Promise<ApiTokenRecord[]> {
    const digests = [...(this.accountTokens.get(accountId)?.values() ?? [])];
    return digests
      .flatMap((digest) => {
        const token = this.tokens.get(digest);
        return token ? [{ ...token }] : [];
      })
      .sort((a, b) => a.createdAt - b.createdAt || a.digest.localeCompare(b.digest));
  }

  async tokenOwner(digest: string): Promise<string | null> {
    return this.tokens.get(digest)?.accountId ?? null;
  }

  async scan(batchSize: number, onBatch: (kind: DirectoryChange['kind'], entries: [string, string][]) => void): Promise<void> {
    const emit = (kind: DirectoryChange['kind'], entries: [string, string][]) => {
      for (let i = 0; i < entries.length; i += batchSize) onBatch(kind, entries.slice(i, i + batchSize));
    };
    emit('domain', [...this.domainOwner.entries()]);
    emit(
      'token',
      [...this.tokens.values()].map((token): [string, string] => [token.digest, token.accountId]),
    );
  }
}
