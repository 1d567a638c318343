// Contract: every Store keeps the account directory (domains, API-token digests) and announces its changes the same way.
import { createHash } from 'node:crypto';
import type { DirectoryChange, DirectoryStore } from '../../src/store/directory-store';
import type { Store } from '../../src/store/types';
import { storeFactories } from '../support/stores';

const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const T0 = Date.UTC(2026, 10, 1, 12);

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(storeFactories)('DirectoryStore contract (%s)', (_name, make) => {
  let store: Store;
  let directory: DirectoryStore;
  let changes: DirectoryChange[];
  beforeEach(async () => {
    store = make();
    directory = store.directory;
    changes = [];
    await store.onDirectoryChange((batch) => changes.push(...batch));
  });
  afterEach(async () => {
    await store.close();
  });

  describe('domains', () => {
    it('claims domains for an account and answers their owners', async () => {
      expect(await directory.claimDomains('acme', ['help.acme.com', '*.acme.io'])).toEqual({ ok: true });
      expect(await directory.domainOwners(['help.acme.com', '*.acme.io', 'other.com'])).toEqual(['acme', 'acme', null]);
      expect(await directory.domainsOf('acme')).toEqual(['*.acme.io', 'help.acme.com']);
    });

    it('refuses, all or nothing, a claim naming a domain of another account', async () => {
      await directory.claimDomains('acme', ['help.acme.com']);
      expect(await directory.claimDomains('globex', ['new.globex.com', 'help.acme.com'])).toEqual({
        ok: false,
        domain: 'help.acme.com',
        owner: 'acme',
      });
      expect(await directory.domainOwners(['new.globex.com', 'help.acme.com'])).toEqual([null, 'acme']);
      expect(await directory.domainsOf('globex')).toEqual([]);
    });

    it('lets exactly one of two accounts racing for a domain win', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_v, i) => directory.claimDomains(`acct-${i}`, ['contested.example.com'])),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = (await directory.domainOwners(['contested.example.com']))[0];
      expect(results.filter((r) => !r.ok)).toEqual(
        Array.from({ length: 9 }, () => ({ ok: false, domain: 'contested.example.com', owner: winner })),
      );
    });

    it('a claim of domains the account holds already changes nothing', async () => {
      await directory.claimDomains('acme', ['help.acme.com']);
      await until(() => changes.length === 1);
      expect(await directory.claimDomains('acme', ['help.acme.com'])).toEqual({ ok: true });
      expect(await directory.domainsOf('acme')).toEqual(['help.acme.com']);
    });

    it('sync releases the domains the record dropped and claims free ones it names', async () => {
      await directory.claimDomains('acme', ['a.acme.com', 'b.acme.com']);
      expect(await directory.syncDomains('acme', 2, ['b.acme.com', 'c.acme.com'])).toBe(true);
      expect(await directory.domainsOf('acme')).toEqual(['b.acme.com', 'c.acme.com']);
      expect(await directory.domainOwners(['a.acme.com', 'b.acme.com', 'c.acme.com'])).toEqual([null, 'acme', 'acme']);
      // A released domain is free for another account.
      expect(await directory.claimDomains('globex', ['a.acme.com'])).toEqual({ ok: true });
    });

    it('a sync of an older version is ignored; the same version again is applied', async () => {
      await directory.claimDomains('acme', ['new.acme.com']);
      expect(await directory.syncDomains('acme', 3, ['new.acme.com'])).toBe(true);
      expect(await directory.syncDomains('acme', 2, ['old.acme.com'])).toBe(false);
      expect(await directory.domainsOf('acme')).toEqual(['new.acme.com']);
      expect(await directory.domainOwners(['old.acme.com'])).toEqual([null]);
      expect(await directory.syncDomains('acme', 3, [])).toBe(true);
      expect(await directory.domainsOf('acme')).toEqual([]);
    });

    it('sync never takes a domain held by another account', async () => {
      await directory.claimDomains('globex', ['shared.example.com']);
      await directory.syncDomains('acme', 1, ['shared.example.com']);
      expect(await directory.domainOwners(['shared.example.com'])).toEqual(['globex']);
    });

    it('announces every claimed and released domain', async () => {
      await directory.claimDomains('acme', ['a.acme.com', 'b.acme.com']);
      await directory.syncDomains('acme', 1, ['b.acme.com']);
      await until(() => changes.length === 3);
      expect(changes).toEqual([
        { kind: 'domain', key: 'a.acme.com', accountId: 'acme' },
        { kind: 'domain', key: 'b.acme.com', accountId: 'acme' },
        { kind: 'domain', key: 'a.acme.com', accountId: null },
      ]);
    });
  });

  describe('API tokens', () => {
    const token = (secret: string, accountId = 'acme', label: string | null = 'CRM client', createdAt = T0) => ({
      digest: digestOf(secret),
      accountId,
      label,
      createdAt,
    });

    it('registers a digest, answers its owner and lists it', async () => {
      const first = token('pat-na1-0000-first-secret');
      expect(await directory.registerToken(first)).toEqual({ outcome: 'created', token: first });
      expect(await directory.tokenOwner(first.digest)).toBe('acme');
      expect(await directory.tokenOwner(digestOf('never registered'))).toBeNull();
      expect(await directory.tokensOf('acme')).toEqual([first]);
      expect(await directory.tokensOf('globex')).toEqual([]);
    });

    it('registering the same digest to the same account again returns the stored token unchanged', async () => {
      const first = token('pat-na1-0000-first-secret');
      await directory.registerToken(first);
      const again = await directory.registerToken({ ...first, label: 'renamed', createdAt: T0 + 5000 });
      expect(again).toEqual({ outcome: 'exists', token: first });
      expect(await directory.tokensOf('acme')).toEqual([first]);
    });

    it('refuses a digest registered to another account', async () => {
      await directory.registerToken(token('pat-na1-0000-first-secret'));
      expect(await directory.registerToken(token('pat-na1-0000-first-secret', 'globex'))).toEqual({ outcome: 'taken' });
      expect(await directory.tokenOwner(digestOf('pat-na1-0000-first-secret'))).toBe('acme');
      expect(await directory.tokensOf('globex')).toEqual([]);
    });

    it('lets exactly one of many accounts racing for one digest win', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_v, i) => directory.registerToken(token('contested-token-value', `acct-${i}`))),
      );
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'taken')).toHaveLength(9);
    });

    it('lists an account’s tokens oldest first and deletes one by its 12-digit id', async () => {
      const a = token('token-a-0123456789', 'acme', null, T0 + 2);
      const b = token('token-b-0123456789', 'acme', 'b', T0 + 1);
      await directory.registerToken(a);
      await directory.registerToken(b);
      expect(await directory.tokensOf('acme')).toEqual([b, a]);
      expect(await directory.deleteToken('globex', a.digest.slice(0, 12))).toBe(false);
      expect(await directory.deleteToken('acme', a.digest.slice(0, 12))).toBe(true);
      expect(await directory.deleteToken('acme', a.digest.slice(0, 12))).toBe(false);
      expect(await directory.tokenOwner(a.digest)).toBeNull();
      expect(await directory.tokensOf('acme')).toEqual([b]);
      // A deleted digest can be registered again, by anyone.
      expect((await directory.registerToken({ ...a, accountId: 'globex' })).outcome).toBe('created');
    });

    it('announces registrations and deletions', async () => {
      const a = token('token-a-0123456789');
      await directory.registerToken(a);
      await directory.deleteToken('acme', a.digest.slice(0, 12));
      await until(() => changes.length === 2);
      expect(changes).toEqual([
        { kind: 'token', key: a.digest, accountId: 'acme' },
        { kind: 'token', key: a.digest, accountId: null },
      ]);
    });
  });

  it('scans every domain and digest with its owner', async () => {
    const domains = Array.from({ length: 250 }, (_v, i) => `d${i}.example.com`);
    for (let i = 0; i < domains.length; i += 50) await directory.claimDomains(`acct-${i}`, domains.slice(i, i + 50));
    const digests: string[] = [];
    for (let i = 0; i < 120; i++) {
      const digest = digestOf(`secret-number-${i}`);
      digests.push(digest);
      await directory.registerToken({ digest, accountId: 'acme', label: null, createdAt: T0 });
    }
    const seen = { domain: new Map<string, string>(), token: new Map<string, string>() };
    await directory.scan(100, (kind, entries) => {
      for (const [key, owner] of entries) seen[kind].set(key, owner);
    });
    expect([...seen.domain.keys()].sort()).toEqual([...domains].sort());
    expect(seen.domain.get('d0.example.com')).toBe('acct-0');
    expect(seen.domain.get('d249.example.com')).toBe('acct-200');
    expect([...seen.token.keys()].sort()).toEqual([...digests].sort());
    expect(new Set(seen.token.values())).toEqual(new Set(['acme']));
  });
});
