// Stops the redis-server the global setup started.
import type { RedisProcess } from './redis-server';
import { removeDir } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  const redis = (globalThis as { __MG_REDIS__?: RedisProcess }).__MG_REDIS__;
  if (!redis) return;
  await redis.stop();
  removeDir(redis.dir);
}
