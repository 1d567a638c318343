// The stores every contract suite runs against: the embedded one and Redis with a fresh key prefix.
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { RedisStore } from '../../src/store/redis/redis-store';
import type { Store } from '../../src/store/types';

export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: jest globalSetup starts a redis-server');
  return url;
}

export function uniquePrefix(): string {
  return `t${randomUUID().slice(0, 8)}:`;
}

export const storeFactories: [string, () => Store][] = [
  ['memory', () => new MemoryStore()],
  ['redis', () => new RedisStore({ url: testRedisUrl(), prefix: uniquePrefix() })],
];
