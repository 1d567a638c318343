// createGateway(): wires config, store, caches, the hot path, the proxy and the admin API into one Express app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AccountRecord, Region } from '../domain/account';
import { systemClock, type Clock } from '../domain/clock';
import { parsePartsEnv, type PartsSettings, type RawEnv } from '../config/env';
import { completeConfig, type PartialConfigInput } from '../config/load';
import { compileRoutes } from '../routing/route-table';
import { pathOf } from '../routing/request-url';
import { isReserved } from '../routing/locate';
import type { ResolveAccountHook } from '../routing/identify';
import { createNoticeBuilder, type NoticeContext } from '../answers/notices';
import { sendGatewayError } from '../answers/gateway-error';
import { createCorsPolicy } from '../answers/cors';
import { createRegionProxy } from '../proxy/region-proxy';
import { StateCache } from '../state/state-cache';
import { AccountDirectory } from '../state/account-directory';
import { MigrationService } from '../migration/service';
import { createAdminRouter } from '../admin/router';
import { sendAdminError } from '../admin/errors';
import { createDefaultParts } from './default-parts';
import { createConsoleRouter } from '../console/router';
import { BYPASS_HEADER } from '../domain/http-headers';
import { bypassAdminRouter } from '../security/bypass-routes';
import { normalizeAddress } from '../security/forwarded-headers';
import { stripReplayHeaders } from '../security/replay-headers';
import { silentLogger, type Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { MemoryStore } from '../store/memory/memory-store';
import type { Store } from '../store/types';
import type { GatewayCore, GatewayParts } from './contract';
import { createHotPath } from './hot-path';
import { createResponder } from './respond';

export interface GatewayOptions {
  /** The configuration (validated; every key optional, defaults filled in). Both upstreams are required, here or below. */
  config?: PartialConfigInput;
  upstreams?: Record<Region, string>;
  store?: Store;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  adminTokens?: string[];
  /** Defaults to the standard parts (buffer, timeline, integrations); `{}` runs the core alone. */
  parts?: GatewayParts | ((core: GatewayCore) => GatewayParts);
  /** Start background work (replay, timeline) at once. Default true; its timers never keep a process alive. */
  background?: boolean;
  /** The standard parts' settings (replay, timeline, notifications), typed. Default: none (each part's defaults). */
  settings?: Partial<PartsSettings>;
  /**
   * Compatibility: the same settings as environment variables (REPLAY_*, TIMELINE_*, NOTIFY_*, SMTP_URL), parsed with
   * the server's schema (a bad value throws ConfigError ERR_CONFIG_ENV naming it). Other variables are not read; a
   * group in `settings` wins over the one from `env`.
   */
  env?: RawEnv;
  /**
   * Consulted when no built-in source (path, Host, token, header, query, cookie) names an account, e.g. to ask a
   * token introspection service. A thrown error or rejected promise counts as "the store is down" for the request.
   */
  resolveAccount?: ResolveAccountHook;
  /** What GET /metrics serves; default this instance's registry. The server sums every worker's with WORKERS > 1. */
  metricsText?: () => Promise<string>;
}

export interface GatewayHandle extends GatewayCore {
  /** Resolves when the invalidation subscription is live. */
  ready: Promise<void>;
  /** Stops background work and closes upstream connections (the store is the caller's to close). */
  close(): Promise<void>;
  onClose(task: () => Promise<void> | void): void;
  /**
   * WebSocket upgrades (e.g. a chat widget's socket): decided like a GET of the same path, then proxied to the
   * account's region or refused with the notice's status. Attach it: `server.on('upgrade', app.gateway.handleUpgrade)`.
   */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

export type GatewayApp = Express & { gateway: GatewayHandle };

type ExpressHandle = (req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void) => void;

export function createGateway(options: GatewayOptions = {}): GatewayApp {
  const config = completeConfig(
    {
      ...options.config,
      upstreams: options.upstreams ?? options.config?.upstreams,
      adminTokens: [...(options.config?.adminTokens ?? []), ...(options.adminTokens ?? [])],
    },
    (region) => `the \`upstreams\` option or config.upstreams.${region}`,
  );
  const settings: Partial<PartsSettings> = { ...(options.env ? parsePartsEnv(options.env) : {}), ...options.settings };
  const store = options.store ?? new MemoryStore();
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? new Metrics();
  const cache = new StateCache(
    store,
    clock,
    { ttlMs: config.limits.stateCacheTtlMs, maxEntries: config.limits.stateCacheEntries },
    logger,
    metrics,
  );
  // Domains and API token digests, held in-process like account state (SPEC §8).
  const directory = new AccountDirectory(store, { maxEntries: config.limits.directoryCacheEntries }, logger, metrics);
  const service = new MigrationService(
    store,
    clock,
    { migrationsPerDay: config.limits.migrationsPerDay, unavailableDates: config.unavailableDates },
    logger,
    (record) => cache.remember(record.id, record),
  );
  const core: GatewayCore = { config, store, clock, logger, metrics, cache, service };
  const parts =
    options.parts === undefined
      ? createDefaultParts(core, { settings })
      : typeof options.parts === 'function'
        ? options.parts(core)
        : options.parts;
  for (const listener of parts.migrationListeners ?? []) service.addListener(listener);
  for (const preparer of parts.migrationPreparers ?? []) service.addPreparer(preparer);

  // Texts per locale (notices and accepted pages), CORS and the Retry-After ceiling come from the config.
  const buildNotice = createNoticeBuilder(config);
  const noticeContext = (record: AccountRecord, req: IncomingMessage, now: number): NoticeContext => ({
    migration: record.migration,
    timeZone: record.settings.timezone,
    contactName: record.settings.contactName,
    now,
    locale: record.settings.locale,
    acceptLanguage: req.headers['accept-language'],
  });
  const accountHeader = config.account.header.toLowerCase();
  const trustedSources = new Set(config.account.trustedHeaderSources.map(normalizeAddress));
  const trustedProxy = (req: IncomingMessage): boolean => trustedSources.has(normalizeAddress(req.socket.remoteAddress));
  const headerTrusted = (req: IncomingMessage): boolean => trustedSources.size === 0 || trustedProxy(req);

  const cors = createCorsPolicy(config.cors.origins);
  const proxy = createRegionProxy({
    cors,
    upstreams: config.upstreams,
    timeoutMs: config.limits.upstreamTimeoutMs,
    maxBodyBytes: config.limits.maxProxiedBodyBytes,
    logger,
    metrics,
    trustedProxy,
    stripHeaders: (req) => {
      // The bypass token is for the gateway only: the upstream (and its logs) never see it.
      delete req.headers[BYPASS_HEADER];
      if (!headerTrusted(req)) delete req.headers[accountHeader];
      stripReplayHeaders(req.headers);
    },
  });

  const hotPath = createHotPath({
    cors,
    routes: compileRoutes(config.routes),
    identifyOptions: {
      sources: config.account.sources,
      header: accountHeader,
      query: config.account.query,
      cookie: config.account.cookie,
      headerTrusted,
      directory,
      hook: options.resolveAccount,
    },
    cache,
    clock,
    logger,
    metrics,
    bypassSecret: config.bypassSecret,
    onStoreUnavailable: config.onStoreUnavailable,
    respond: createResponder({ cors, proxy, defaultRegion: config.defaultRegion, parts, buildNotice, noticeContext }),
  });

  if (config.limits.adminRequestsPerMinute !== undefined) {
    logger.warn(
      'limits.adminRequestsPerMinute is ignored: authenticated admin calls are not rate limited, failed authentications are (README, Security)',
    );
  }

  const closeTasks: (() => Promise<void> | void)[] = [];
  const app = express() as GatewayApp;
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);
  // Node's querystring instead of qs: the gateway's own routes read only flat parameters.
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('store ping timed out')), 1000).unref());
    Promise.race([store.ping(), timeout]).then(
      () => res.json({ status: 'ready', store: store.kind }),
      () => res.status(503).json({ status: 'not_ready', store: store.kind, reason: 'the store is unreachable' }),
    );
  });
  const metricsText = options.metricsText ?? (() => metrics.registry.metrics());
  app.get('/metrics', (_req, res, next) => {
    metricsText().then((text) => {
      res.type(metrics.registry.contentType).send(text);
    }, next);
  });
  app.use(
    '/admin/v1',
    createAdminRouter({
      store,
      clock,
      logger,
      service,
      tokens: config.adminTokens,
      bodyLimitBytes: config.limits.adminBodyBytes,
      extras: parts.accountExtras ?? [],
      afterPut: parts.accountSavedListeners ?? [],
      locales: buildNotice.locales,
      subRouters: [bypassAdminRouter({ store, clock, secret: config.bypassSecret }), ...(parts.adminRouters ?? [])],
    }),
  );
  app.use('/console', createConsoleRouter({ store, clock, logger, tokens: config.adminTokens }));
  // The gateway's own paths are never proxied: anything else under /admin is an unknown admin route.
  app.use('/admin', (_req: Request, res: Response) => {
    sendAdminError(res, 404, 'NOT_FOUND', 'no such admin route (the admin API is /admin/v1)');
  });

  function failRequest(error: unknown, req: IncomingMessage, res: ServerResponse): void {
    logger.error({ err: error, path: pathOf(req.url ?? '') }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendGatewayError(req, res, 500, 'INTERNAL', { cors });
  }
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => failRequest(error, req, res));

  // Proxied traffic does not go through Express's router (query parsing, request decoration, layer matching): the
  // app's own entry point sends everything but the gateway's reserved paths straight to the hot path. This also holds
  // when the app is mounted inside another Express app.
  const expressHandle = (app as unknown as { handle: ExpressHandle }).handle.bind(app);
  (app as unknown as { handle: ExpressHandle }).handle = (req, res, done) => {
    if (isReserved(req.url ?? '/')) {
      expressHandle(req, res, done);
      return;
    }
    hotPath.handle(req, res, (error?: unknown) => {
      if (error === undefined) expressHandle(req, res, done);
      else failRequest(error, req, res);
    });
  };

  if (options.background !== false) parts.start?.();

  const ready = Promise.all([cache.start(), directory.start()]).then(
    () => undefined,
    (error: unknown) => {
      logger.error(
        { err: error },
        'invalidation subscription not established yet; it is retried on reconnect, and the cache TTL bounds staleness meanwhile',
      );
    },
  );

  app.gateway = {
    ...core,
    ready,
    handleUpgrade: (req, socket, head) => hotPath.upgrade(req, socket, head),
    onClose(task) {
      closeTasks.push(task);
    },
    async close() {
      for (const task of closeTasks.reverse()) await task();
      await parts.close?.();
      directory.close();
      proxy.close();
    },
  };
  return app;
}
