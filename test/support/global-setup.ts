// One redis-server for the whole run unless REDIS_URL is given; tests isolate themselves by key prefix.
import { startRedis } from './redis-server';

export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) {
    process.env.TEST_REDIS_URL = process.env.REDIS_URL;
    return;
  }
  const redis = await startRedis();
  process.env.TEST_REDIS_URL = redis.url;
  (globalThis as { __MG_REDIS__?: typeof redis }).__MG_REDIS__ = redis;
}
