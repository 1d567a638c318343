// The account directory on a local three-master Redis Cluster: its scripts run in the `{directory}` slot (no CROSSSLOT)
// and an instance on another node hears every change.
import { createHash } from 'node:crypto';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { AccountDirectory } from '../../src/state/account-directory';
import { RedisStore } from '../../src/store/redis/redis-store';
import { uniquePrefix } from '../support/stores';
import { until } from './fault-helpers';
import { startLocalCluster, type LocalCluster } from './local-cluster';

jest.setTimeout(40_000);

const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

let cluster: LocalCluster;
const stores: RedisStore[] = [];

beforeAll(async () => {
  cluster = await startLocalCluster();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await cluster.stop();
});

function clusterStore(prefix: string): RedisStore {
  const store = new RedisStore({ url: cluster.seeds, cluster: true, prefix });
  stores.push(store);
  return store;
}

describe('the account directory on a three-master cluster', () => {
  it('claims, syncs, registers, deletes and scans, and another instance follows every change', async () => {
    const prefix = uniquePrefix();
    const writer = clusterStore(prefix);
    const reader = new AccountDirectory(clusterStore(prefix), { maxEntries: 100 }, silentLogger, new Metrics());
    await reader.start();
    try {
      expect(await writer.directory.claimDomains('acme', ['help.acme.com', '*.acme.io'])).toEqual({ ok: true });
      expect(await writer.directory.claimDomains('globex', ['help.acme.com'])).toEqual({
        ok: false,
        domain: 'help.acme.com',
        owner: 'acme',
      });
      expect(await writer.directory.syncDomains('acme', 1, ['*.acme.io'])).toBe(true);
      expect(
        (await writer.directory.registerToken({ digest: digestOf('pat-cluster-0123456789'), accountId: 'acme', label: 'x', createdAt: 1 }))
          .outcome,
      ).toBe('created');
      await until(
        'the reader follows the claims and the token',
        () => reader.accountForHost('kb.acme.io') === 'acme' && reader.accountForToken('pat-cluster-0123456789') === 'acme',
        5000,
      );
      expect(reader.accountForHost('help.acme.com')).toBeNull();
      expect(await writer.directory.deleteToken('acme', digestOf('pat-cluster-0123456789').slice(0, 12))).toBe(true);
      await until('the reader follows the deletion', () => reader.accountForToken('pat-cluster-0123456789') === null, 5000);
      const scanned: string[] = [];
      await writer.directory.scan(100, (_kind, entries) => scanned.push(...entries.map(([key]) => key)));
      expect(scanned).toEqual(['*.acme.io']);
    } finally {
      reader.close();
    }
  });
});
