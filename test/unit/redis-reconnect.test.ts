// How soon RedisStore reconnects after losing Redis: 100 ms doubling up to 2 s between tries, standalone and cluster.
import type { Cluster, Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis/redis-store';
import { uniquePrefix } from '../support/stores';

const expected = [100, 200, 400, 800, 1600, 2000, 2000];

it('waits 100 ms, 200 ms, 400 ms … at most 2 s between reconnection attempts', async () => {
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', prefix: uniquePrefix() });
  try {
    const strategy = (store.client as Redis).options.retryStrategy;
    expect(expected.map((_, i) => strategy?.(i + 1))).toEqual(expected);
  } finally {
    await store.close();
  }
});

it('uses the same waits to reach a cluster again', async () => {
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', cluster: true, prefix: uniquePrefix() });
  try {
    const strategy = (store.client as Cluster).options.clusterRetryStrategy;
    expect(expected.map((_, i) => strategy?.(i + 1, new Error('down')))).toEqual(expected);
  } finally {
    await store.close();
  }
});
