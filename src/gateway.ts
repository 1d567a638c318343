// createGateway(): wires config, store, cache, decision, answers, proxy and admin API into one Express app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { AccountRecord, Region } from './domain/account';
import { systemClock, type Clock } from './domain/clock';
import { defaultRoutes, parseConfig } from './config/load';
import type { GatewayConfig, GatewayConfigInput } from './config/schema';
import { compileRoutes, type RouteMatch } from './routing/route-table';
import { AMBIGUOUS_ACCOUNT, pathOf, queryParam, queryParams, resolveAccount } from './routing/resolve-account';
import { isBufferSurface } from './routing/surfaces';
import { decide, type Action } from './policy/decide';
import { retryAfterSeconds, windowOpen } from './policy/phase';
import { createNoticeBuilder, type NoticeContext } from './answers/notices';
import { preflightMethodOf } from './answers/cors';
import { MIGRATION_IN_PROGRESS_REASON } from './answers/status';
import { sendNotice } from './answers/send-notice';
import { sendGatewayError } from './answers/gateway-error';
import { createRegionProxy, type RegionProxy } from './proxy/region-proxy';
import { StateCache } from './state/state-cache';
import { MigrationService } from './migration/service';
import type { MigrationListener } from './migration/events';
import { createAdminRouter, type AccountExtras } from './admin/router';
import { sendAdminError } from './admin/errors';
import { createDefaultParts } from './parts';
import { BYPASS_HEADER, hasValidBypass } from './security/bypass';
import { bypassAdminRouter } from './security/bypass-routes';
import { normalizeAddress } from './security/forwarded-headers';
import { normalizeTarget } from './security/request-target';
import { silentLogger, type Logger } from './observability/logger';
import { Metrics } from './observability/metrics';
import { MemoryStore } from './store/memory/memory-store';
import type { Store } from './store/types';
import type { BufferContext } from './buffer/accept';
import type { IntegrationContext } from './integrations/handler';

export type { BufferContext, IntegrationContext };

/** Parts built by other modules (buffer, timeline, integrations); the gateway works without them. */
export interface GatewayParts {
  /** Parts on the hot path get Node's request and response: it runs before Express's router. */
  acceptBuffered?: (req: IncomingMessage, res: ServerResponse, ctx: BufferContext) => Promise<void>;
  handleIntegration?: (req: IncomingMessage, res: ServerResponse, ctx: IntegrationContext) => void | Promise<void>;
  adminRouters?: Router[];
  accountExtras?: AccountExtras[];
  migrationListeners?: MigrationListener[];
  /** Called after PUT /admin/v1/accounts/:id stored new settings. */
  accountSavedListeners?: ((record: AccountRecord) => Promise<void>)[];
  /** Starts background work (replay polling, the timeline scheduler). */
  start?: () => void;
  /** Stops background work, releasing leases. */
  close?: () => Promise<void>;
}

export interface GatewayOptions {
  /** The configuration (validated; defaults filled in). `upstreams` is required unless given below. */
  config?: Partial<GatewayConfigInput>;
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
  /** Environment for the standard parts' settings (REPLAY_*, TIMELINE_*, NOTIFY_*, SMTP_URL). Default: none. */
  env?: NodeJS.ProcessEnv;
}

/** What other parts need from the core to build themselves. */
export interface GatewayCore {
  config: GatewayConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  cache: StateCache;
  service: MigrationService;
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

const RESERVED = ['/admin/', '/healthz', '/readyz', '/metrics'];

type ExpressHandle = (req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void) => void;

function isReserved(url: string): boolean {
  // "/metrics" is the gateway's, "/metrics-dashboard" the upstream's: a name without a trailing slash must end there.
  return RESERVED.some((prefix) => {
    if (!url.startsWith(prefix)) return false;
    if (prefix.endsWith('/')) return true;
    const next = url.charAt(prefix.length);
    return next === '' || next === '/' || next === '?';
  });
}

export function createGateway(options: GatewayOptions = {}): GatewayApp {
  const config = parseConfig({
    ...(options.config as GatewayConfigInput),
    routes: options.config?.routes ?? defaultRoutes(),
    upstreams: options.upstreams ?? (options.config?.upstreams as GatewayConfigInput['upstreams']),
    adminTokens: [...(options.config?.adminTokens ?? []), ...(options.adminTokens ?? [])],
  });
  const store = options.store ?? new MemoryStore();
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? new Metrics();
  const cache = new StateCache(store, clock, { ttlMs: config.limits.stateCacheTtlMs }, logger, metrics);
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
      ? createDefaultParts(core, { env: options.env })
      : typeof options.parts === 'function'
        ? options.parts(core)
        : options.parts;
  for (const listener of parts.migrationListeners ?? []) service.addListener(listener);

  const routes = compileRoutes(config.routes);
  // Texts per locale (notices and accepted pages), CORS and the Retry-After ceiling come from the config.
  const buildNotice = createNoticeBuilder(config);
  const noticeContext = (record: AccountRecord, now: number, req: IncomingMessage): NoticeContext => ({
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

  const proxy: RegionProxy = createRegionProxy({
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
    },
  });

  const closeTasks: (() => Promise<void> | void)[] = [];
  const app = express() as GatewayApp;
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('etag', false);
  // Node's querystring instead of qs: the gateway's own routes read only flat parameters, and it is on every request.
  app.set('query parser', 'simple');

  // One labelled child per (surface, action), looked up by a string key instead of prom-client hashing labels per request.
  const counters = new Map<string, { inc(): void }>();
  const countRequest = (surface: string | null, action: string): void => {
    const key = `${surface ?? 'none'}|${action}`;
    let counter = counters.get(key);
    if (!counter) {
      counter = metrics.requests.labels(surface ?? 'none', action);
      counters.set(key, counter);
    }
    counter.inc();
  };

  type Next = (error?: unknown) => void;

  function act(req: IncomingMessage, res: ServerResponse, next: Next, match: RouteMatch | null, accountId: string, record: AccountRecord | null): void {
    const surface = match?.surface ?? null;
    if (!record) {
      countRequest(surface, 'proxy');
      proxy.handler(config.defaultRegion)(req, res, next);
      return;
    }
    const now = clock.now();
    // An operator's bypass token skips the decision (not the integration guard: its upstream is the CRM, not a region).
    if (surface !== 'integration' && hasValidBypass(req, config.bypassSecret, accountId, now)) {
      countRequest(surface, 'bypass');
      proxy.handler(record.settings.dataLocation)(req, res, next);
      return;
    }
    const url = req.url ?? '/';
    const sendAtRaw = surface === 'email' ? (req.headers['x-send-at'] ?? queryParam(url, 'sendAt')) : undefined;
    const sendAt = typeof sendAtRaw === 'string' ? Date.parse(sendAtRaw) : NaN;
    const action: Action = decide({
      surface,
      method: req.method ?? 'GET',
      migration: record.migration,
      timeZone: record.settings.timezone,
      now,
      sendAt: Number.isFinite(sendAt) ? sendAt : undefined,
      preflightMethod: preflightMethodOf(req),
    });
    countRequest(surface, action.kind === 'answer' ? action.answer : action.kind);
    switch (action.kind) {
      case 'proxy':
        proxy.handler(record.settings.dataLocation)(req, res, next);
        return;
      case 'answer':
        sendNotice(req, res, buildNotice(action.answer, noticeContext(record, now, req)));
        return;
      case 'buffer':
        if (!parts.acceptBuffered) {
          // Nothing can be stored durably without the buffer: refuse rather than pretend.
          sendGatewayError(req, res, 503, 'STORE_UNAVAILABLE', { retryAfter: 60 });
          return;
        }
        buildNotice.remember(req, noticeContext(record, now, req));
        parts.acceptBuffered(req, res, { accountId, surface: action.surface }).catch(next);
        return;
      case 'integration': {
        const handleIntegration = parts.handleIntegration;
        if (!handleIntegration) {
          proxy.handler(record.settings.dataLocation)(req, res, next);
          return;
        }
        Promise.resolve(
          handleIntegration(req, res, {
            account: record,
            integration: match?.params.integration ?? '',
            forwardPath: (match?.rest || '/') + (url.includes('?') ? url.slice(url.indexOf('?')) : ''),
            windowOpen: windowOpen(record.migration, now),
            retryAfterSeconds: retryAfterSeconds(record.migration, now, config.limits.maxRetryAfterSeconds),
          }),
        ).catch(next);
        return;
      }
    }
  }

  type Located =
    | { kind: 'bad_target' }
    | { kind: 'reserved' }
    | { kind: 'ambiguous' }
    | { kind: 'located'; match: RouteMatch | null; accountId: string | null };

  /**
   * Normalises the request target (req.url becomes the path that is decided on and forwarded), then finds the
   * route and the account. The same for plain requests and upgrades, so neither can be routed past the other.
   */
  function locate(req: IncomingMessage): Located {
    const target = normalizeTarget(req.url ?? '/');
    if (target === null) return { kind: 'bad_target' };
    req.url = target;
    if (isReserved(target)) return { kind: 'reserved' };
    // A CORS preflight is routed as the request it announces (a POST-only form route matches its OPTIONS preflight).
    const match = routes.match(preflightMethodOf(req) ?? req.method ?? 'GET', pathOf(target));
    const header = headerTrusted(req) ? req.headers[accountHeader] : undefined;
    const accountId = resolveAccount({
      pathParam: match?.params.accountId,
      header: typeof header === 'string' ? header : undefined,
      query: queryParams(target, config.account.query),
    });
    if (accountId === AMBIGUOUS_ACCOUNT) return { kind: 'ambiguous' };
    return { kind: 'located', match, accountId };
  }

  /** The account's state: from the cache at once when it has it, else loaded; `onUnavailable` when neither can say. */
  function withState(accountId: string, onState: (record: AccountRecord | null) => void, onUnavailable: (error: unknown) => void): void {
    const cached = cache.peek(accountId);
    if (cached !== undefined) {
      onState(cached);
      return;
    }
    cache.load(accountId).then(onState, onUnavailable);
  }

  // The hot path: route, resolve the account, decide from the in-process cache, act. No body parsing here.
  // It runs ahead of Express's router (see app.handle below) and uses only Node's request and response.
  function hotPath(req: IncomingMessage, res: ServerResponse, next: Next): void {
    // Decide on the path that is forwarded: "/kb/../api/x", "//api/x" or "http://h/api/x" must not slip past the table.
    const located = locate(req);
    if (located.kind === 'bad_target') {
      sendGatewayError(req, res, 400, 'BAD_REQUEST_TARGET', { message: 'The request target must be a path (origin form), not an absolute URL.' });
      return;
    }
    if (located.kind === 'reserved') {
      // "//admin/v1/…" normalised into a gateway path: the gateway's own router answers, never the upstream.
      next();
      return;
    }
    if (located.kind === 'ambiguous') {
      sendGatewayError(req, res, 400, 'AMBIGUOUS_ACCOUNT', { message: 'The request names more than one account (path, header or query disagree).' });
      return;
    }
    const { match, accountId } = located;
    if (!accountId) {
      countRequest(match?.surface ?? null, 'proxy');
      proxy.handler(config.defaultRegion)(req, res, next);
      return;
    }
    withState(
      accountId,
      (record) => {
        // The client may have left while the state loaded: start nothing for it (no upstream call, no store write).
        if (res.destroyed) return;
        act(req, res, next, match, accountId, record);
      },
      (error: unknown) => {
        logger.warn({ err: error, accountId }, 'account state unavailable');
        // Buffered writes cannot be stored, and an integration call cannot be checked against its suspension and
        // allocation (nor does it belong on a region upstream): those are refused whatever onStoreUnavailable says.
        const mustRefuse = match !== null && (isBufferSurface(match.surface) || match.surface === 'integration');
        if (config.onStoreUnavailable === 'pass' && !mustRefuse) {
          proxy.handler(config.defaultRegion)(req, res, next);
        } else {
          sendGatewayError(req, res, 503, 'STORE_UNAVAILABLE', { retryAfter: 30 });
        }
      },
    );
  }

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
  app.get('/metrics', (_req, res, next) => {
    metrics.registry.metrics().then((text) => {
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
      requestsPerMinute: config.limits.adminRequestsPerMinute,
      extras: parts.accountExtras ?? [],
      afterPut: parts.accountSavedListeners ?? [],
      locales: buildNotice.locales,
      subRouters: [bypassAdminRouter({ store, clock, secret: config.bypassSecret }), ...(parts.adminRouters ?? [])],
    }),
  );
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
    sendGatewayError(req, res, 500, 'INTERNAL');
  }
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => failRequest(error, req, res));

  // Proxied traffic does not go through Express's router (query parsing, request decoration, layer
  // matching): the app's own entry point sends everything but the gateway's reserved paths straight
  // to the hot path. This also holds when the app is mounted inside another Express app.
  const expressHandle = (app as unknown as { handle: ExpressHandle }).handle.bind(app);
  (app as unknown as { handle: ExpressHandle }).handle = (req, res, done) => {
    if (isReserved(req.url ?? '/')) {
      expressHandle(req, res, done);
      return;
    }
    hotPath(req, res, (error?: unknown) => {
      if (error === undefined) expressHandle(req, res, done);
      else failRequest(error, req, res);
    });
  };

  if (options.background !== false) parts.start?.();

  const ready = cache.start().catch((error: unknown) => {
    logger.error({ err: error }, 'invalidation subscription not established yet; it is retried on reconnect, and the cache TTL bounds staleness meanwhile');
  });

  function refuseUpgrade(socket: Socket, status: number, reason: string): void {
    // Close for good once written: the socket has left the HTTP server, which would otherwise keep it open.
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
  }

  function handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    // Upgrades are GETs; a reserved path has no socket to offer.
    const located = locate(req);
    if (located.kind !== 'located') {
      refuseUpgrade(socket, 400, 'Bad Request');
      return;
    }
    const { match, accountId } = located;
    const decideAndAct = (record: AccountRecord | null): void => {
      if (socket.destroyed) return;
      if (!record) {
        proxy.upgrade(config.defaultRegion)(req, socket, head);
        return;
      }
      const now = clock.now();
      const action = decide({ surface: match?.surface ?? null, method: 'GET', migration: record.migration, timeZone: record.settings.timezone, now });
      countRequest(match?.surface ?? null, action.kind === 'answer' ? `upgrade_${action.answer}` : `upgrade_${action.kind}`);
      if (action.kind === 'proxy') {
        proxy.upgrade(record.settings.dataLocation)(req, socket, head);
        return;
      }
      // A notice cannot be shown on a socket: its status says why (a hidden chat is simply unavailable).
      const status = action.kind === 'answer' ? buildNotice(action.answer, noticeContext(record, now, req)).status : 503;
      if (status === 477) refuseUpgrade(socket, 477, MIGRATION_IN_PROGRESS_REASON);
      else if (status === 422) refuseUpgrade(socket, 422, 'Unprocessable Content');
      else refuseUpgrade(socket, 503, 'Service Unavailable');
    };
    if (!accountId) {
      decideAndAct(null);
      return;
    }
    withState(accountId, decideAndAct, () => {
      if (config.onStoreUnavailable === 'pass' && match?.surface !== 'integration') decideAndAct(null);
      else refuseUpgrade(socket, 503, 'Service Unavailable');
    });
  }

  app.gateway = {
    ...core,
    ready,
    handleUpgrade,
    onClose(task) {
      closeTasks.push(task);
    },
    async close() {
      for (const task of closeTasks.reverse()) await task();
      await parts.close?.();
      proxy.close();
    },
  };
  return app;
}
