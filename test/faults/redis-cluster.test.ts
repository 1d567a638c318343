// Redis Cluster: every sub-store's operations against a local three-master cluster, invalidations across nodes, and a
// gateway process (REDIS_CLUSTER=1) walking a migration with buffered forms and replay — no CROSSSLOT anywhere.
import type { AccountRecord, AccountSettings } from '../../src/domain/account';
import type { BufferRequest } from '../../src/store/buffer-store';
import { RedisStore } from '../../src/store/redis/redis-store';
import { newNotification } from '../../src/timeline/outbox';
import { ADMIN_TOKEN, accountSettings } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { uniquePrefix } from '../support/stores';
import { startUpstream, type Upstream } from '../support/upstream';
import { admin, closeWindow, openWindow, postForm, until } from './fault-helpers';
import { startLocalCluster, type LocalCluster } from './local-cluster';

jest.setTimeout(40_000);

let cluster: LocalCluster;
const stores: RedisStore[] = [];

beforeAll(async () => {
  cluster = await startLocalCluster();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await cluster?.stop();
});

function clusterStore(prefix = uniquePrefix()): RedisStore {
  const store = new RedisStore({ url: cluster.seeds, cluster: true, prefix });
  stores.push(store);
  return store;
}

/** Enough accounts that their hash slots land on every master. */
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => `cl-${i}`);

function record(id: string, version: number, dataLocation: 'us' | 'eu' = 'us'): AccountRecord {
  const settings = { integrations: {}, meetingLinks: {}, ...accountSettings({ dataLocation }) } as unknown as AccountSettings;
  return { id, settings, migration: null, version, updatedAt: 1000 + version };
}

function bufferRequest(accountId: string, n: number): BufferRequest {
  return {
    accountId,
    surface: 'form',
    method: 'POST',
    path: `/forms/${accountId}/f1`,
    query: `n=${n}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(`n=${n}`),
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: 1_700_000_000_000 + n,
  };
}

describe('RedisStore on a three-master cluster', () => {
  it('spreads the test accounts over every master', async () => {
    const store = clusterStore();
    const owners = new Set<string>();
    for (const id of ACCOUNTS) {
      const slot = Number(await store.client.call('CLUSTER', 'KEYSLOT', `${store.prefix}{${id}}:account`));
      const shards = (await store.client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const owner = shards.find(([from, to]) => slot >= from && slot <= to);
      owners.add(String(owner?.[2][1]));
    }
    expect(owners.size).toBe(3);
  });

  it('accounts: compare-and-set save with audit, get, list, audit append, day reservations', async () => {
    const store = clusterStore();
    for (const id of ACCOUNTS) {
      expect(await store.accounts.save(record(id, 0), 0, { at: 1, actor: 'sa-1', action: 'account.created', detail: {} })).toBe('ok');
    }
    expect(await store.accounts.save(record('cl-0', 0), 0, { at: 2, actor: 'sa-1', action: 'account.created', detail: {} })).toBe(
      'conflict',
    );
    expect(await store.accounts.save(record('cl-0', 1, 'eu'), 1, { at: 3, actor: 'sa-1', action: 'account.updated', detail: {} })).toBe(
      'ok',
    );
    expect(await store.accounts.get('cl-0')).toMatchObject({ version: 2, settings: { dataLocation: 'eu' } });
    expect(await store.accounts.get('cl-missing')).toBeNull();
    await store.accounts.appendAudit('cl-0', { at: 4, actor: 'sa-1', action: 'integration.cleared', detail: {} });
    expect((await store.accounts.audit('cl-0', 10)).map((e) => e.action)).toEqual([
      'account.created',
      'account.updated',
      'integration.cleared',
    ]);
    expect((await store.accounts.list()).sort()).toEqual([...ACCOUNTS].sort());
    const taken = await Promise.all(ACCOUNTS.map((id) => store.accounts.reserveDay('2030-01-02', `m-${id}`, 5)));
    expect(taken.filter(Boolean)).toHaveLength(5);
    expect(await store.accounts.reserveDay('2030-01-02', 'm-cl-0', 5)).toBe(taken[0]);
    await store.accounts.releaseDay('2030-01-02', 'm-cl-0');
    expect(await store.accounts.reserveDay('2030-01-02', 'm-late', 5)).toBe(taken[0]);
  });

  it('buffer: append, pending, stats, fenced lease, ack, dead letter, redrive, settle', async () => {
    const store = clusterStore();
    const { buffer } = store;
    for (const id of ACCOUNTS) for (let n = 0; n < 3; n++) await buffer.append(bufferRequest(id, n));
    expect((await buffer.pendingAccounts()).sort()).toEqual([...ACCOUNTS].sort());
    for (const id of ACCOUNTS) {
      const items = await buffer.pending(id, { limit: 10 });
      expect(items.map((i) => i.query)).toEqual(['n=0', 'n=1', 'n=2']);
      const lease = await buffer.acquireLease(id, 'instance-a', 10_000);
      if (!lease) throw new Error(`no lease for ${id}`);
      expect(await buffer.acquireLease(id, 'instance-b', 10_000)).toBeNull();
      expect(await buffer.renewLease(lease, 10_000)).toBe(true);
      expect(await buffer.ack(lease, items[0])).toBe('ok');
      expect(await buffer.deadLetter(lease, items[1].id, { status: 422, bodyExcerpt: 'no', error: null, attempts: 1, at: 5 })).toBe('ok');
      expect(await buffer.stats(id)).toMatchObject({ depth: 1, replayed: 1, deadLettered: 1, lease: { owner: 'instance-a' } });
      expect((await buffer.deadLetters(id, 10)).map((d) => d.item.id)).toEqual([items[1].id]);
      expect(await buffer.redrive(id)).toBe(1);
      // The re-drive revoked the lease: its holder is fenced off.
      expect(await buffer.ack(lease, items[2])).toBe('fenced');
      const next = await buffer.acquireLease(id, 'instance-b', 10_000);
      if (!next) throw new Error(`no second lease for ${id}`);
      for (const item of await buffer.pending(id, { limit: 10 })) expect(await buffer.ack(next, item)).toBe('ok');
      await buffer.releaseLease(next);
      expect(await buffer.stats(id)).toMatchObject({ depth: 0, lease: null });
      expect(await buffer.settle(id, 0)).toBe(true);
    }
    expect(await buffer.pendingAccounts()).toEqual([]);
  });

  it('timeline: outbox create once per key, due, compare-and-set update; checklist; meeting requests', async () => {
    const store = clusterStore();
    const { outbox, checklists, meetings } = store.timeline;
    for (const id of ACCOUNTS) {
      const make = () =>
        newNotification({
          accountId: id,
          migrationId: 'm1',
          migrationStart: 5000,
          kind: 'scheduled',
          key: 'scheduled:m1',
          recipients: ['a@b.test'],
          subject: 'S',
          text: 'T',
          now: 1000,
        });
      const results = await Promise.all([make(), make(), make()].map((n) => outbox.create(n)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = results[0].notification;
      expect((await outbox.list(id)).map((n) => n.id)).toEqual([stored.id]);
      expect((await outbox.due(id, stored.nextAttemptAt)).map((n) => n.id)).toEqual([stored.id]);
      expect(await outbox.update({ ...stored, status: 'sent', sentAt: 2000, rev: stored.rev + 1 }, stored.rev)).toBe(true);
      expect(await outbox.update({ ...stored, status: 'failed', rev: stored.rev + 1 }, stored.rev)).toBe(false);
      expect(await outbox.get(id, stored.id)).toMatchObject({ status: 'sent' });
      expect(await outbox.due(id, Number.MAX_SAFE_INTEGER)).toEqual([]);

      expect(await checklists.open(id, 'm1', 10)).toBe(true);
      expect(await checklists.open(id, 'm1', 11)).toBe(false);
      expect(await checklists.mark(id, 'dns', { done: true, at: 12, by: 'sa-1' })).toBe(true);
      expect(await checklists.get(id)).toMatchObject({ migrationId: 'm1', marks: { dns: { done: true } } });

      await meetings.add({
        id: `mr-${id}`,
        accountId: id,
        migrationId: 'm1',
        slug: 'intro',
        receivedAt: 20,
        fields: { name: 'Bo' },
        excerpt: '',
      });
      await meetings.add({
        id: `mr-${id}`,
        accountId: id,
        migrationId: 'm1',
        slug: 'intro',
        receivedAt: 20,
        fields: { name: 'Bo' },
        excerpt: '',
      });
      expect((await meetings.list(id, 'm1')).map((m) => m.id)).toEqual([`mr-${id}`]);
    }
  });

  it('integrations: failures suspend, probes, allocation window, clear', async () => {
    const store = clusterStore();
    const { integrations } = store;
    for (const id of ACCOUNTS) {
      expect(await integrations.get(id, 'salesforce')).toMatchObject({ state: 'active' });
      expect((await integrations.recordFailure(id, 'salesforce', 'CRM_API_DISABLED', false, 2, 100)).suspended).toBe(false);
      expect((await integrations.recordFailure(id, 'salesforce', 'CRM_API_DISABLED', false, 2, 101)).suspended).toBe(true);
      expect(await integrations.claimProbe(id, 'salesforce', 102, 1000)).toBe(false);
      expect(await integrations.claimProbe(id, 'salesforce', 2000, 1000)).toBe(true);
      await integrations.recordCrmUsage(id, 'salesforce', { used: 5, limit: 100 });
      expect(await integrations.get(id, 'salesforce')).toMatchObject({
        state: 'suspended',
        reason: 'CRM_API_DISABLED',
        crmUsage: { used: 5, limit: 100 },
      });
      expect(await integrations.clear(id, 'salesforce')).toBe(true);
      await integrations.recordSuccess(id, 'salesforce');
      const calls = [];
      for (let t = 0; t < 4; t++) calls.push(await integrations.takeCall(id, 'salesforce', 1000 + t, 3, 10_000));
      expect(calls.map((c) => c.allowed)).toEqual([true, true, true, false]);
      expect(await integrations.callsInWindow(id, 'salesforce', 1003, 10_000)).toBe(3);
      expect(await integrations.suspend(id, 'salesforce', 'CRM_API_LIMIT_EXCEEDED', 3000)).toBe(true);
    }
  });

  it('announces every save to subscribers of another store, wherever the account keys live', async () => {
    const prefix = uniquePrefix();
    const writer = clusterStore(prefix);
    const reader = clusterStore(prefix);
    const heard = new Set<string>();
    await reader.onInvalidate((id) => heard.add(id));
    for (const id of ACCOUNTS)
      await writer.accounts.save(record(id, 0), 0, { at: 1, actor: 'sa-1', action: 'account.created', detail: {} });
    await until('every save announced', () => heard.size === ACCOUNTS.length, 5000);
    await reader.ping();
  });
});

describe('a gateway process on the cluster', () => {
  let us: Upstream;
  let eu: Upstream;
  let gw: GatewayProcess | undefined;

  beforeAll(async () => {
    us = await startUpstream({ name: 'us' });
    eu = await startUpstream({ name: 'eu' });
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await us.close();
    await eu.close();
  });

  it('walks a migration with buffered forms and replay, without a CROSSSLOT error', async () => {
    gw = await startGatewayProcess({
      env: {
        REDIS_URL: cluster.seeds,
        REDIS_CLUSTER: '1',
        REDIS_PREFIX: uniquePrefix(),
        UPSTREAM_US: us.url,
        UPSTREAM_EU: eu.url,
        ADMIN_TOKENS: ADMIN_TOKEN,
        REPLAY_POLL_INTERVAL_MS: '50',
        REPLAY_RECHECK_MS: '100',
      },
    });
    const gateway = gw;
    await until('ready on the cluster', async () => (await fetch(`${gateway.url}/readyz`)).status === 200, 10_000);
    const accounts = ['gw-a', 'gw-b', 'gw-c', 'gw-d'];
    for (const id of accounts) await openWindow(gateway, id);
    for (const id of accounts) {
      for (let n = 0; n < 5; n++) expect((await postForm(gateway, id, `n=${n}`)).status).toBe(202);
      expect((await fetch(`${gateway.url}/api/contacts?portalId=${id}`)).status).toBe(477);
    }
    expect(eu.requests).toHaveLength(0);
    for (const id of accounts) await closeWindow(gateway, id);
    await until(
      'every form replayed to the EU upstream',
      () => eu.requests.filter((r) => r.headers['idempotency-key']).length >= 20,
      15_000,
    );
    for (const id of accounts) {
      const replayed = eu.requests.filter((r) => r.path === `/forms/${id}/f1`).map((r) => r.body.toString());
      expect(replayed).toEqual(['n=0', 'n=1', 'n=2', 'n=3', 'n=4']);
      await until(`${id} drained`, async () => (await admin(gateway, 'GET', `/accounts/${id}/buffer`)).json().depth === 0, 5000);
      expect((await admin(gateway, 'GET', `/accounts/${id}`)).json()).toMatchObject({
        dataLocation: 'eu',
        migration: { status: 'completed' },
      });
    }
    expect((await (await fetch(`${gateway.url}/api/contacts?portalId=gw-a`)).json()) as unknown).toMatchObject({ upstream: 'eu' });

    const crossSlot = gateway.logs.filter((l) => l.line.includes('CROSSSLOT'));
    expect(crossSlot).toEqual([]);
    const errors = gateway.logs.filter((l) => l.json && Number(l.json.level) >= 50);
    expect(errors).toEqual([]);
  });
});
