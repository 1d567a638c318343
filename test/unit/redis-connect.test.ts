// How RedisStore turns REDIS_URL into connections: what the URL says (credentials, TLS) must reach every node.
import type { Cluster } from 'ioredis';
import { RedisStore } from '../../src/store/redis/redis-store';
import { uniquePrefix } from '../support/stores';

describe('RedisStore connection options', () => {
  it('gives the cluster nodes the user name and password of REDIS_URL (managed clusters require AUTH)', async () => {
    const store = new RedisStore({
      url: 'redis://gw-user:s3cret@127.0.0.1:1,redis://gw-user:s3cret@127.0.0.1:2',
      cluster: true,
      prefix: uniquePrefix(),
    });
    try {
      const options = (store.client as Cluster).options.redisOptions ?? {};
      expect(options).toMatchObject({ username: 'gw-user', password: 's3cret' });
    } finally {
      await store.close();
    }
  });

  it('speaks TLS to the cluster nodes for a rediss:// URL', async () => {
    const store = new RedisStore({ url: 'rediss://127.0.0.1:1', cluster: true, prefix: uniquePrefix() });
    try {
      expect((store.client as Cluster).options.redisOptions?.tls).toBeDefined();
    } finally {
      await store.close();
    }
  });
});
