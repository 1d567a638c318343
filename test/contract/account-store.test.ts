// Contract: every Store implementation keeps account records the same way.
import type { AccountRecord, AuditEntry } from '../../src/domain/account';
import type { Store } from '../../src/store/types';
import { RedisStore } from '../../src/store/redis/redis-store';
import { storeFactories, testRedisUrl, uniquePrefix } from '../support/stores';
import { accountRecord } from '../support/accounts';

const record = (id: string, contactName = 'Ada'): AccountRecord => accountRecord(id, { contactName });

const audit = (action: string): AuditEntry => ({ at: 1, actor: 'u1', action, detail: {} });

describe.each(storeFactories)('AccountStore contract (%s)', (_name, make) => {
  let store: Store;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates with version 0, then refuses a stale version', async () => {
    expect(await store.accounts.save(record('a1'), 0, audit('create'))).toBe('ok');
    expect((await store.accounts.get('a1'))?.version).toBe(1);
    expect(await store.accounts.save(record('a1', 'Stale'), 0, audit('create'))).toBe('conflict');
    expect(await store.accounts.save(record('a1', 'Bea'), 1, audit('update'))).toBe('ok');
    const stored = await store.accounts.get('a1');
    expect(stored?.settings.contactName).toBe('Bea');
    expect(stored?.version).toBe(2);
  });

  it('keeps the audit trail in order, and only for written changes', async () => {
    await store.accounts.save(record('a2'), 0, audit('create'));
    await store.accounts.save(record('a2'), 0, audit('lost-race'));
    await store.accounts.save(record('a2'), 1, audit('update'));
    expect((await store.accounts.audit('a2', 10)).map((a) => a.action)).toEqual(['create', 'update']);
  });

  it('appends audit entries kept outside the record', async () => {
    await store.accounts.save(record('a5'), 0, audit('create'));
    await store.accounts.appendAudit('a5', audit('integration.cleared'));
    expect((await store.accounts.audit('a5', 10)).map((a) => a.action)).toEqual(['create', 'integration.cleared']);
  });

  it('keeps only the latest 1,000 audit entries per account (memory per account is bounded)', async () => {
    await store.accounts.save(record('a6'), 0, audit('create'));
    for (let i = 0; i < 1010; i += 1) await store.accounts.appendAudit('a6', audit(`bypass.${i}`));
    const trail = await store.accounts.audit('a6', 5000);
    expect(trail).toHaveLength(1000);
    expect(trail[0].action).toBe('bypass.10');
    expect(trail.at(-1)?.action).toBe('bypass.1009');
  });

  it('returns null for an unknown account and lists saved ones', async () => {
    expect(await store.accounts.get('nobody')).toBeNull();
    await store.accounts.save(record('a3'), 0, audit('create'));
    expect(await store.accounts.list()).toEqual(['a3']);
  });

  it('caps migrations per day, idempotently per migration', async () => {
    expect(await store.accounts.reserveDay('2026-12-01', 'm1', 2)).toBe(true);
    expect(await store.accounts.reserveDay('2026-12-01', 'm1', 2)).toBe(true);
    expect(await store.accounts.reserveDay('2026-12-01', 'm2', 2)).toBe(true);
    expect(await store.accounts.reserveDay('2026-12-01', 'm3', 2)).toBe(false);
    await store.accounts.releaseDay('2026-12-01', 'm1');
    expect(await store.accounts.reserveDay('2026-12-01', 'm3', 2)).toBe(true);
  });

  it('tells subscribers which account changed', async () => {
    const seen: string[] = [];
    await store.onInvalidate((id) => seen.push(id));
    await store.accounts.save(record('a4'), 0, audit('create'));
    const deadline = Date.now() + 2000;
    while (!seen.includes('a4') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toContain('a4');
  });

  it('pages through every saved id with scanIds, cursor 0 to 0', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `scan-${i}`);
    for (const id of ids) await store.accounts.save(record(id), 0, audit('create'));
    const seen = new Set<string>();
    let cursor = '0';
    let pages = 0;
    do {
      const page = await store.accounts.scanIds(cursor, 10);
      for (const id of page.ids) seen.add(id);
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== '0' && pages < 100);
    expect([...seen].sort()).toEqual([...ids].sort());
  });
});

describe('RedisAccountStore when a command after the compare-and-set fails', () => {
  let store: RedisStore;
  beforeEach(() => {
    store = new RedisStore({ url: testRedisUrl(), prefix: uniquePrefix() });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
  });

  it('never leaves a stored account out of the account list (the timeline scheduler walks that list)', async () => {
    // The list entry is written before the record: when it fails, the create fails, the caller is told, nothing is stored.
    jest.spyOn(store.client, 'sadd').mockRejectedValueOnce(new Error('Command timed out'));
    await expect(store.accounts.save(record('b1'), 0, audit('create'))).rejects.toThrow('Command timed out');
    expect(await store.accounts.get('b1')).toBeNull();
    expect(await store.accounts.list()).not.toContain('b1');
    // The retry stores it, listed.
    expect(await store.accounts.save(record('b1'), 0, audit('create'))).toBe('ok');
    expect(await store.accounts.list()).toContain('b1');
  });

  it('reports a stored write as stored when only the invalidation announcement fails (the cache TTL bounds staleness)', async () => {
    jest.spyOn(store.client, 'publish').mockRejectedValueOnce(new Error('Command timed out'));
    expect(await store.accounts.save(record('b2'), 0, audit('create'))).toBe('ok');
    expect((await store.accounts.get('b2'))?.version).toBe(1);
  });
});
