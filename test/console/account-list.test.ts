// GET /admin/v1/accounts?state=…: the operator's lists, served from the attention index and checked against the truth.
import request from 'supertest';
import { expectDocumented } from '../support/openapi';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import type { AccountRecord, Migration } from '../../src/domain/account';
import { createAttentionTracker } from '../../src/admin/account-list-index';
import { listAccounts } from '../../src/admin/account-list';
import { MemoryStore } from '../../src/store/memory/memory-store';
import type { Store } from '../../src/store/types';
import { ADMIN_TOKEN, SUPER_ADMIN, accountRecord, accountSettings, auth } from '../support/accounts';
import { MigrationService } from '../../src/migration/service';
import { silentLogger } from '../../src/observability/logger';
import { storeFactories, testRedisUrl, uniquePrefix } from '../support/stores';
import { RedisStore } from '../../src/store/redis/redis-store';
import { accountKey } from '../../src/store/redis/keys';

const H = 3600_000;
const DAY = 24 * H;
const NOW = Date.parse('2026-11-23T12:00:00Z');

let app: GatewayApp;
let store: MemoryStore;
let clock: ManualClock;

beforeEach(() => {
  store = new MemoryStore();
  clock = new ManualClock(NOW);
  app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store,
    clock,
    adminTokens: [ADMIN_TOKEN],
    background: false,
  });
});

afterEach(async () => {
  await app.gateway.close();
});

async function scheduled(id: string, start: number): Promise<void> {
  await expectDocumented(await request(app).put(`/admin/v1/accounts/${id}`).set(auth).send(accountSettings()).expect(201));
  await expectDocumented(
    await request(app)
      .post(`/admin/v1/accounts/${id}/migration`)
      .set(auth)
      .send({ start: new Date(start).toISOString() })
      .expect(201),
  );
}

const list = async (query: Record<string, string>) =>
  (await expectDocumented(await request(app).get('/admin/v1/accounts').query(query).set(auth).expect(200))).body;
const ids = (body: { accounts: { id: string }[] }) => body.accounts.map((a) => a.id);

describe('account lists', () => {
  it('lists upcoming migrations soonest first, paged with an opaque cursor', async () => {
    await scheduled('late', NOW + 20 * DAY);
    await scheduled('soon', NOW + 8 * DAY);
    await scheduled('mid', NOW + 10 * DAY);
    await expectDocumented(await request(app).put('/admin/v1/accounts/idle').set(auth).send(accountSettings()).expect(201));

    const first = await list({ state: 'upcoming', limit: '2' });
    expect(ids(first)).toEqual(['soon', 'mid']);
    expect(first.accounts[0].migration).toMatchObject({ status: 'scheduled', start: new Date(NOW + 8 * DAY).toISOString() });
    expect(typeof first.nextCursor).toBe('string');
    const second = await list({ state: 'upcoming', limit: '2', cursor: first.nextCursor });
    expect(ids(second)).toEqual(['late']);
    expect(second.nextCursor).toBeNull();
    expect(ids(await list({ state: 'in_window' }))).toEqual([]);
  });

  it('moves an account from upcoming to in_window at its start, and off the list when it completes', async () => {
    await scheduled('acme', NOW + 8 * DAY);
    await scheduled('other', NOW + 9 * DAY);
    clock.set(NOW + 8 * DAY);
    expect(ids(await list({ state: 'in_window' }))).toEqual(['acme']);
    expect(ids(await list({ state: 'upcoming' }))).toEqual(['other']);
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200));
    expect(ids(await list({ state: 'in_window' }))).toEqual([]);
    expect(await store.attention.range('in_window', { limit: 10, max: NOW + 8 * DAY })).toEqual([]);
  });

  it('lists a migration scheduled or started by an instance that died before announcing it', async () => {
    // The migration engine's own service: it stores and then dies before its listeners run (none registered here).
    const engine = new MigrationService(store, clock, { migrationsPerDay: 50, unavailableDates: [] }, silentLogger);
    engine.addPreparer(createAttentionTracker(store.attention, clock).migrationPreparer);
    await expectDocumented(await request(app).put('/admin/v1/accounts/quiet').set(auth).send(accountSettings()).expect(201));
    await engine.schedule('quiet', SUPER_ADMIN.id, { start: NOW + 8 * DAY, target: 'eu' });
    expect(ids(await list({ state: 'upcoming' }))).toEqual(['quiet']);
    await engine.start('quiet', 'engine');
    expect(ids(await list({ state: 'in_window' }))).toEqual(['quiet']);
  });

  it('refuses the change, storing nothing, when the lists cannot be written first', async () => {
    const engine = new MigrationService(store, clock, { migrationsPerDay: 50, unavailableDates: [] }, silentLogger);
    engine.addPreparer(() => Promise.reject(new Error('attention index unreachable')));
    await expectDocumented(await request(app).put('/admin/v1/accounts/quiet').set(auth).send(accountSettings()).expect(201));
    await expect(engine.schedule('quiet', SUPER_ADMIN.id, { start: NOW + 8 * DAY, target: 'eu' })).rejects.toThrow(
      'attention index unreachable',
    );
    expect((await store.accounts.get('quiet'))?.migration).toBeNull();
  });

  it('lists an emergency start at once', async () => {
    await scheduled('acme', NOW + 8 * DAY);
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200));
    expect(ids(await list({ state: 'in_window' }))).toEqual(['acme']);
    expect(ids(await list({ state: 'upcoming' }))).toEqual([]);
  });

  it('lists an account whose integration is suspended, with the reason', async () => {
    const integrations = { crm: { baseUrl: 'http://127.0.0.1:9', dailyCallAllocation: 100, fieldMappings: [] } };
    await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings({ integrations })).expect(201));
    const body = await list({ state: 'suspended' });
    expect(ids(body)).toEqual(['acme']);
    expect(body.accounts[0].suspendedIntegrations[0]).toMatchObject({
      integration: 'crm',
      state: 'suspended',
      reason: 'MISSING_FIELD_MAPPINGS',
    });
  });

  it('drops stale entries: an index entry for an account with nothing to show is removed when listed', async () => {
    await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201));
    await store.attention.add('suspended', 'acme', NOW);
    await store.attention.add('dead_letters', 'ghost', NOW);
    expect(ids(await list({ state: 'suspended' }))).toEqual([]);
    expect(ids(await list({ state: 'dead_letters' }))).toEqual([]);
    expect(await store.attention.range('suspended', { limit: 10 })).toEqual([]);
    expect(await store.attention.range('dead_letters', { limit: 10 })).toEqual([]);
  });

  it('indexes a dead letter before storing it, and drops the account once re-driven', async () => {
    const tracker = createAttentionTracker(store.attention, clock);
    const buffer = tracker.trackBuffer(store.buffer);
    await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201));
    const item = await buffer.append({
      accountId: 'acme',
      surface: 'form',
      method: 'POST',
      path: '/forms/acme/f1',
      query: '',
      headers: {},
      body: Buffer.from('a=1'),
      contentType: 'application/x-www-form-urlencoded',
      receivedAt: NOW,
    });
    const lease = await buffer.acquireLease('acme', 'test', 10_000);
    expect(await buffer.deadLetter(lease!, item.id, { status: 400, bodyExcerpt: 'no', error: null, attempts: 1, at: NOW })).toBe('ok');
    const body = await list({ state: 'dead_letters' });
    expect(body.accounts).toMatchObject([{ id: 'acme', deadLetters: 1 }]);
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/buffer/redrive').set(auth).expect(200));
    expect(ids(await list({ state: 'dead_letters' }))).toEqual([]);
  });

  it('indexes a CRM failure before it is stored, so the suspension it causes is listed', async () => {
    const integrations = {
      crm: { baseUrl: 'http://127.0.0.1:9', dailyCallAllocation: 100, fieldMappings: [{ property: 'email', field: 'Email' }] },
    };
    await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings({ integrations })).expect(201));
    expect(ids(await list({ state: 'suspended' }))).toEqual([]);
    const tracked = createAttentionTracker(store.attention, clock).trackIntegrations(store.integrations);
    expect((await tracked.recordFailure('acme', 'crm', 'FIELD_PERMISSIONS_MISSING', true, 3, NOW)).suspended).toBe(true);
    const body = await list({ state: 'suspended' });
    expect(body.accounts).toMatchObject([
      { id: 'acme', suspendedIntegrations: [{ integration: 'crm', reason: 'FIELD_PERMISSIONS_MISSING' }] },
    ]);
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/integrations/crm/clear-suspension').set(auth).expect(200));
    expect(ids(await list({ state: 'suspended' }))).toEqual([]);
  });

  it.each([
    [{ state: 'everything' }, 'INVALID_STATE', 'state'],
    [{}, 'INVALID_STATE', 'state'],
    [{ state: 'upcoming', limit: '0' }, 'INVALID_LIMIT', 'limit'],
    [{ state: 'upcoming', limit: 'ten' }, 'INVALID_LIMIT', 'limit'],
    [{ state: 'upcoming', cursor: 'not a cursor' }, 'INVALID_CURSOR', 'cursor'],
    [{ state: 'upcoming', cursor: Buffer.from(JSON.stringify(['in_window', 1, 'a'])).toString('base64url') }, 'INVALID_CURSOR', 'cursor'],
  ])('refuses %j with a 400 naming the parameter', async (query, code, field) => {
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts').query(query).set(auth).expect(400));
    expect(res.body.error).toMatchObject({ code, field });
  });

  it('needs the admin token', async () => {
    await expectDocumented(await request(app).get('/admin/v1/accounts?state=upcoming').expect(401));
  });
});

describe.each(storeFactories)('account lists on the %s store', (_name, make) => {
  it('lists in_window and upcoming by start, pages, and drops a cancelled account', async () => {
    const shared = make();
    const tracker = createAttentionTracker(shared.attention, clock);
    const audit = { at: NOW, actor: 'test', action: 'account.created', detail: {} };
    const starts: Record<string, number> = { a: NOW - H, b: NOW + 2 * DAY, c: NOW + DAY, d: NOW + 3 * DAY, e: NOW - 2 * H };
    for (const [id, start] of Object.entries(starts)) {
      const migration: Migration = {
        id: `m-${id}`,
        status: 'scheduled',
        source: 'us',
        target: 'eu',
        start,
        expectedEnd: start + 36 * H,
        scheduledAt: NOW - 8 * DAY,
        scheduledBy: 'sa',
        startedAt: null,
        endedAt: null,
      };
      const record = { ...accountRecord(id), migration };
      await shared.accounts.save(record, 0, audit);
      await tracker.migrationListener({ kind: 'scheduled', account: record, migration, actor: 'sa', at: NOW });
    }
    // d was cancelled without its event reaching the index (an instance died): the list drops it.
    const d = (await shared.accounts.get('d')) as AccountRecord;
    await shared.accounts.save({ ...d, migration: { ...(d.migration as Migration), status: 'cancelled', endedAt: NOW } }, d.version, audit);

    const window = await listAccounts(shared, 'in_window', { limit: 10, now: NOW });
    expect(window.accounts.map((a) => a.id)).toEqual(['e', 'a']);
    const first = await listAccounts(shared, 'upcoming', { limit: 1, now: NOW });
    expect(first.accounts.map((a) => a.id)).toEqual(['c']);
    const rest = await listAccounts(shared, 'upcoming', { limit: 5, now: NOW, cursor: first.nextCursor ?? undefined });
    expect(rest.accounts.map((a) => a.id)).toEqual(['b']);
    expect(rest.nextCursor).toBeNull();
    // The first page also swept the entries whose start has passed (a, e: in their window now) out of upcoming.
    expect((await shared.attention.range('upcoming', { limit: 10 })).map((e) => e.accountId)).toEqual(['c', 'b']);
    await shared.close();
  });
});

describe('account lists at scale', () => {
  /** A store whose account reads are counted (by id), to show the list reads nothing outside the index. */
  function counting(inner: Store): { store: Store; reads: string[] } {
    const reads: string[] = [];
    const accounts = new Proxy(inner.accounts, {
      get(target, prop) {
        if (prop === 'get') return (id: string) => (reads.push(id), target.get(id));
        if (prop === 'list') return () => Promise.reject(new Error('the list must not walk every account'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const store = new Proxy(inner, { get: (target, prop) => (prop === 'accounts' ? accounts : Reflect.get(target, prop, target)) });
    return { store, reads };
  }

  it('answers 50 accounts in window among 100,000 stored in well under a second, reading only those 50', async () => {
    const big = new MemoryStore();
    const tracker = createAttentionTracker(big.attention, clock);
    const inWindow = new Set<string>();
    const audit = { at: NOW, actor: 'test', action: 'account.created', detail: {} };
    for (let i = 0; i < 100_000; i++) {
      const id = `acct-${String(i).padStart(6, '0')}`;
      const record: AccountRecord = accountRecord(id);
      if (i % 2000 === 7) {
        const start = NOW - 2 * H - i;
        const migration: Migration = {
          id: `m-${i}`,
          status: 'in_progress',
          source: 'us',
          target: 'eu',
          start,
          expectedEnd: start + 36 * H,
          scheduledAt: start - 8 * DAY,
          scheduledBy: 'sa',
          startedAt: start,
          endedAt: null,
        };
        record.migration = migration;
        inWindow.add(id);
        await tracker.migrationListener({ kind: 'started', account: record, migration, actor: 'engine', at: start });
      } else if (i % 100 === 3) {
        // Scheduled for later: in the index, but not in a window yet.
        const start = NOW + 8 * DAY + i;
        const migration: Migration = {
          id: `m-${i}`,
          status: 'scheduled',
          source: 'us',
          target: 'eu',
          start,
          expectedEnd: start + 36 * H,
          scheduledAt: NOW,
          scheduledBy: 'sa',
          startedAt: null,
          endedAt: null,
        };
        record.migration = migration;
        await tracker.migrationListener({ kind: 'scheduled', account: record, migration, actor: 'sa', at: NOW });
      }
      await big.accounts.save(record, 0, audit);
    }
    expect(inWindow.size).toBe(50);
    const { store: watched, reads } = counting(big);
    const began = performance.now();
    const page = await listAccounts(watched, 'in_window', { limit: 100, now: NOW });
    const elapsedMs = performance.now() - began;
    expect(page.accounts.map((a) => a.id).sort()).toEqual([...inWindow].sort());
    expect(page.nextCursor).toBeNull();
    expect(reads).toHaveLength(50);
    expect(reads.every((id) => inWindow.has(id))).toBe(true);
    expect(elapsedMs).toBeLessThan(250);
    console.log(`in_window list: 50 of 100,000 accounts in ${elapsedMs.toFixed(1)} ms, ${reads.length} account reads`);
  }, 120_000);

  it('does the same on Redis: 50 in window among 100,000 stored, only those 50 read', async () => {
    const redis = new RedisStore({ url: testRedisUrl(), prefix: uniquePrefix() });
    const tracker = createAttentionTracker(redis.attention, clock);
    const inWindow = new Set<string>();
    // Written in bulk (one MSET per 5,000 records) rather than 100,000 saves: the list's cost is what is measured.
    for (let batch = 0; batch < 20; batch++) {
      const args: string[] = [];
      for (let i = batch * 5000; i < (batch + 1) * 5000; i++) {
        const id = `acct-${String(i).padStart(6, '0')}`;
        const record: AccountRecord = { ...accountRecord(id), version: 1 };
        if (i % 2000 === 7) {
          const start = NOW - 2 * H - i;
          record.migration = {
            id: `m-${i}`,
            status: 'in_progress',
            source: 'us',
            target: 'eu',
            start,
            expectedEnd: start + 36 * H,
            scheduledAt: start - 8 * DAY,
            scheduledBy: 'sa',
            startedAt: start,
            endedAt: null,
          };
          inWindow.add(id);
          await tracker.migrationListener({ kind: 'started', account: record, migration: record.migration, actor: 'engine', at: start });
        }
        args.push(accountKey(redis.prefix, id, 'account'), JSON.stringify(record));
      }
      await redis.client.mset(...args);
    }
    const { store: watched, reads } = counting(redis);
    const began = performance.now();
    const page = await listAccounts(watched, 'in_window', { limit: 100, now: NOW });
    const elapsedMs = performance.now() - began;
    expect(page.accounts.map((a) => a.id).sort()).toEqual([...inWindow].sort());
    expect(reads).toHaveLength(50);
    expect(reads.every((id) => inWindow.has(id))).toBe(true);
    expect(elapsedMs).toBeLessThan(500);
    console.log(`in_window list on Redis: 50 of 100,000 accounts in ${elapsedMs.toFixed(1)} ms, ${reads.length} account reads`);
    await redis.close();
  }, 120_000);
});
