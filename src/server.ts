// The server: environment → config → store → createGateway → listen, with graceful shutdown on SIGTERM;
// with WORKERS > 1 the primary forks that many such servers on one port (cluster-primary.ts).
import cluster from 'node:cluster';
import http from 'node:http';
import type { Socket } from 'node:net';
import { loadConfig } from './config/load';
import { createGateway, type GatewayCore, type GatewayParts } from './gateway';
import { createDefaultParts } from './gateway/default-parts';
import { createLogger } from './observability/logger';
import { Metrics } from './observability/metrics';
import { MemoryStore } from './store/memory/memory-store';
import { RedisStore } from './store/redis/redis-store';
import type { Store } from './store/types';
import { runPrimary } from './cluster-primary';
import { checkWorkersStore, workerCount } from './cluster-workers';

/** Set only by tests: every answer names the worker process that gave it, to see WORKERS share the port. */
const WORKER_HEADER_VARIABLE = 'MG_TEST_WORKER_HEADER';

async function main(): Promise<void> {
  const logger = createLogger();
  const env = process.env;
  const workers = workerCount(env);
  checkWorkersStore(workers, env);
  const config = loadConfig(env);
  const graceMs = Number(env.SHUTDOWN_GRACE_MS ?? 10_000);
  if (workers > 1 && cluster.isPrimary) {
    runPrimary({ count: workers, logger, stopTimeoutMs: graceMs + 10_000 });
    return;
  }
  let store: Store;
  if (env.REDIS_URL) {
    store = new RedisStore({ url: env.REDIS_URL, cluster: env.REDIS_CLUSTER === '1' || env.REDIS_CLUSTER === 'true', prefix: env.REDIS_PREFIX ?? 'mg:' });
  } else {
    store = new MemoryStore();
    logger.warn('REDIS_URL is not set: using the embedded in-memory store. It is NOT durable and serves ONE instance only; buffered requests are lost on restart.');
  }
  if (config.adminTokens.length === 0) {
    logger.warn('ADMIN_TOKENS is not set: the admin API refuses every call.');
  }
  // Background work (replay, timeline) stops at SIGTERM, while requests drain, and a replay request in flight may
  // finish within the grace period, not beyond it: the shutdown as a whole fits SHUTDOWN_GRACE_MS.
  const partsEnv = { ...env, REPLAY_STOP_GRACE_MS: env.REPLAY_STOP_GRACE_MS ?? String(Math.max(1, Math.min(5000, graceMs - 100))) };
  let stopBackground: () => Promise<void> = () => Promise.resolve();
  const parts = (core: GatewayCore): GatewayParts => {
    const standard = createDefaultParts(core, { env: partsEnv });
    let stopped: Promise<void> | null = null;
    stopBackground = () => (stopped ??= Promise.resolve(standard.close?.()));
    return { ...standard, close: () => stopBackground() };
  };
  const app = createGateway({ config, store, logger, metrics: new Metrics({ defaultMetrics: true }), parts });
  const handler: http.RequestListener =
    env[WORKER_HEADER_VARIABLE] === '1'
      ? (req, res) => {
          res.setHeader('x-mg-test-worker-pid', String(process.pid));
          app(req, res);
        }
      : app;
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 300_000 }, handler);
  // Upgraded (WebSocket) sockets leave the HTTP server's bookkeeping: track them so shutdown can end them.
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    app.gateway.handleUpgrade(req, socket, head);
  });
  const port = Number(env.PORT ?? 8080);
  await new Promise<void>((resolve) => server.listen(port, env.HOST ?? '0.0.0.0', resolve));
  // Upstream URLs may carry credentials (http://user:password@host): log them without.
  const upstreams = Object.fromEntries(
    Object.entries(config.upstreams).map(([region, { url }]) => {
      const shown = new URL(url);
      shown.username = '';
      shown.password = '';
      return [region, shown.href];
    }),
  );
  logger.info({ port, store: store.kind, upstreams, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) }, 'maintenance-gateway listening');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
    }, graceMs);
    force.unref();
    stopBackground().catch(() => undefined);
    server.close(() => {
      app.gateway
        .close()
        .then(() => store.close())
        .then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'error while stopping');
            process.exit(1);
          },
        );
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const logger = createLogger();
  logger.fatal({ err: error }, 'failed to start');
  process.exit(1);
});
