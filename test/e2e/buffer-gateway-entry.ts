// Gateway process for the buffer e2e tests: the server's wiring (env → config → Redis → createGateway) with the buffer parts.
// It stands in for src/server.ts until the lead wires createBufferParts there; the tests switch their entry then.
import http from 'node:http';
import { loadConfig } from '../../src/config/load';
import { createGateway } from '../../src/gateway';
import { createBufferParts, replayerOptionsFromEnv, type BufferParts } from '../../src/buffer/parts';
import { createLogger } from '../../src/observability/logger';
import { RedisStore } from '../../src/store/redis/redis-store';

async function main(): Promise<void> {
  const env = process.env;
  const logger = createLogger();
  const config = loadConfig(env);
  if (!env.REDIS_URL) throw new Error('REDIS_URL is required');
  const store = new RedisStore({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX ?? 'mg:' });
  let buffer: BufferParts | null = null;
  const app = createGateway({
    config,
    store,
    logger,
    parts: (core) => {
      buffer = createBufferParts(core, { replayer: replayerOptionsFromEnv(env) });
      return buffer;
    },
  });
  const parts = buffer as unknown as BufferParts;
  app.gateway.onClose(() => parts.close());
  parts.start();
  const server = http.createServer({ keepAliveTimeout: 65_000 }, app);
  const port = Number(env.PORT ?? 8080);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  logger.info({ port }, 'maintenance-gateway listening');
  process.on('SIGTERM', () => {
    server.close();
    server.closeIdleConnections();
    app.gateway
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
