// The server: environment (parsed once) → config → store → createGateway → listen, with graceful shutdown on SIGTERM;
// with WORKERS > 1 the primary forks that many such servers on one port (cluster-primary.ts).
import cluster from 'node:cluster';
import http from 'node:http';
import type { Socket } from 'node:net';
import { parseEnv, type EnvSettings } from './config/env';
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
import { serveClusterMetrics, workerMetricsSource } from './observability/cluster-metrics';

async function main(settings: EnvSettings): Promise<void> {
  const logger = createLogger({ level: settings.logLevel });
  for (const warning of settings.warnings) logger.warn(warning);
  const workers = workerCount(settings.workers);
  checkWorkersStore(workers, settings.workers, settings.redis !== null);
  const config = loadConfig(settings);
  const graceMs = settings.shutdownGraceMs;
  if (workers > 1 && cluster.isPrimary) {
    serveClusterMetrics();
    runPrimary({ count: workers, logger, stopTimeoutMs: graceMs + 10_000 });
    return;
  }
  let store: Store;
  if (settings.redis) {
    store = new RedisStore(settings.redis);
  } else {
    store = new MemoryStore();
    logger.warn(
      'REDIS_URL is not set: using the embedded in-memory store. It is NOT durable and serves ONE instance only; buffered requests are lost on restart.',
    );
  }
  if (config.adminTokens.length === 0) {
    logger.warn('ADMIN_TOKENS is not set: the admin API refuses every call.');
  }
  // Background work (replay, timeline) stops at SIGTERM, while requests drain (settings.parts.replay.stopGraceMs fits
  // the replay in flight within SHUTDOWN_GRACE_MS).
  let stopBackground: () => Promise<void> = () => Promise.resolve();
  const parts = (core: GatewayCore): GatewayParts => {
    const standard = createDefaultParts(core, { settings: settings.parts });
    let stopped: Promise<void> | null = null;
    stopBackground = () => (stopped ??= Promise.resolve(standard.close?.()));
    return { ...standard, close: () => stopBackground() };
  };
  const metrics = new Metrics({ defaultMetrics: true });
  // One scrape shows the whole process group: a worker answering /metrics asks the primary for every worker's sum.
  const metricsText = workers > 1 ? workerMetricsSource(metrics.registry) : undefined;
  const app = createGateway({ config, store, logger, metrics, parts, metricsText });
  const handler: http.RequestListener =
    // MG_TEST_WORKER_HEADER, set only by tests: every answer names the worker process that gave it.
    settings.testWorkerHeader
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
  const port = settings.port;
  await new Promise<void>((resolve) => server.listen(port, settings.host, resolve));
  // Upstream URLs may carry credentials (http://user:password@host): log them without.
  const upstreams = Object.fromEntries(
    Object.entries(config.upstreams).map(([region, { url }]) => {
      const shown = new URL(url);
      shown.username = '';
      shown.password = '';
      return [region, shown.href];
    }),
  );
  logger.info(
    { port, store: store.kind, upstreams, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) },
    'maintenance-gateway listening',
  );

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

function failedToStart(error: unknown): never {
  createLogger().fatal({ err: error }, 'failed to start');
  process.exit(1);
}

// The one place the process environment is read: everything below gets typed settings.
let settings: EnvSettings;
try {
  settings = parseEnv(process.env);
} catch (error) {
  failedToStart(error);
}
main(settings).catch(failedToStart);
