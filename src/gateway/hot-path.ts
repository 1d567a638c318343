// The hot path: locate the route, identify the account, decide from the in-process state, respond. No body parsing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { decide, decideWithoutState, type Action } from '../policy/decide';
import { pathOf, queryParam } from '../routing/request-url';
import { preflightMethodOf } from '../answers/cors';
import { locate } from '../routing/locate';
import type { RouteTable } from '../routing/route-table';
import { identify, type Identity, type IdentifyOptions } from '../routing/identify';
import { sendGatewayError } from '../answers/gateway-error';
import type { CorsPolicy } from '../answers/cors';
import { hasValidBypass } from '../security/bypass';
import type { StateCache } from '../state/state-cache';
import type { Logger } from '../observability/logger';
import { boundIncrement, type Metrics } from '../observability/metrics';
import { refuseUpgrade, type Exchange, type Facts } from './respond';

export interface HotPathDeps {
  routes: RouteTable;
  cors: CorsPolicy;
  identifyOptions: IdentifyOptions;
  cache: StateCache;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  bypassSecret: string | undefined;
  onStoreUnavailable: 'pass' | 'unavailable';
  respond: (exchange: Exchange, action: Action, facts: Facts) => void;
}

export interface HotPath {
  /** A plain request; `next()` hands it to Express (the gateway's own paths), `next(error)` fails it. */
  handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** A WebSocket upgrade: decided like a GET of the same path. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void;
}

const PROXY: Action = { kind: 'proxy' };

function actionLabel(action: Action): string {
  return action.kind === 'answer' ? action.answer : action.kind;
}

export function createHotPath(deps: HotPathDeps): HotPath {
  const { cache, clock, logger } = deps;

  const countRequest = boundIncrement(deps.metrics.requests);
  const count = (surface: string | null, label: string): void => countRequest([surface ?? 'none', label]);

  function gone(exchange: Exchange): boolean {
    return exchange.kind === 'http' ? exchange.res.destroyed : exchange.socket.destroyed;
  }

  /** The one place a known account's request is decided: everything it needs is read here, decide() rules. */
  function decideFor(exchange: Exchange, facts: Facts & { record: AccountRecord; accountId: string }): Action {
    const req = exchange.req;
    const surface = facts.match?.surface ?? null;
    // Upgrades are decided like a GET of the same path.
    const method = exchange.kind === 'upgrade' ? 'GET' : (req.method ?? 'GET');
    let sendAt: number | undefined;
    if (surface === 'email') {
      const raw = req.headers['x-send-at'] ?? queryParam(req.url ?? '/', 'sendAt');
      const parsed = typeof raw === 'string' ? Date.parse(raw) : NaN;
      if (Number.isFinite(parsed)) sendAt = parsed;
    }
    return decide({
      surface,
      method,
      migration: facts.record.migration,
      timeZone: facts.record.settings.timezone,
      now: facts.now,
      sendAt,
      preflightMethod: exchange.kind === 'http' ? preflightMethodOf(req) : undefined,
      bypass: deps.bypassSecret !== undefined && hasValidBypass(req, deps.bypassSecret, facts.accountId, facts.now),
    });
  }

  function act(exchange: Exchange, facts: Facts, action: Action): void {
    // The client may have left while state loaded: start nothing for it (no upstream call, no store write).
    if (gone(exchange)) return;
    const surface = facts.match?.surface ?? null;
    count(surface, exchange.kind === 'upgrade' ? `upgrade_${actionLabel(action)}` : actionLabel(action));
    deps.respond(exchange, action, facts);
  }

  function withAccount(exchange: Exchange, facts: Facts, accountId: string): void {
    const onState = (record: AccountRecord | null): void => {
      const now = clock.now();
      const known = { ...facts, accountId, record, now };
      // An account the gateway does not know is proxied unchanged to the default region.
      act(exchange, known, record ? decideFor(exchange, { ...known, record }) : PROXY);
    };
    const cached = cache.peek(accountId);
    if (cached !== undefined) {
      onState(cached);
      return;
    }
    cache.load(accountId).then(onState, (error: unknown) => {
      logger.warn({ err: error, accountId }, 'account state unavailable');
      act(exchange, { ...facts, accountId, now: clock.now() }, decideWithoutState(facts.match?.surface ?? null, deps.onStoreUnavailable));
    });
  }

  function route(exchange: Exchange, facts: Facts, identity: Identity): void {
    switch (identity.kind) {
      case 'account':
        withAccount(exchange, facts, identity.accountId);
        return;
      case 'none':
        act(exchange, facts, PROXY);
        return;
      case 'unavailable':
        logger.warn({ err: identity.error }, 'account lookup unavailable');
        act(exchange, facts, decideWithoutState(facts.match?.surface ?? null, deps.onStoreUnavailable));
        return;
      case 'ambiguous':
        if (exchange.kind === 'upgrade') {
          refuseUpgrade(exchange.socket, 400);
          return;
        }
        sendGatewayError(exchange.req, exchange.res, 400, 'AMBIGUOUS_ACCOUNT', {
          cors: deps.cors,
          message: `The request names more than one account (${identity.sources[0]} and ${identity.sources[1]} disagree).`,
        });
        return;
    }
  }

  /** Locate, identify, then decide and respond; `reserved` only for plain requests (upgrades have none). */
  function start(exchange: Exchange, onReserved: () => void): void {
    const located = locate(exchange.req, deps.routes);
    if (located.kind === 'bad_target') {
      if (exchange.kind === 'upgrade') refuseUpgrade(exchange.socket, 400);
      else {
        sendGatewayError(exchange.req, exchange.res, 400, 'BAD_REQUEST_TARGET', {
          cors: deps.cors,
          message: 'The request target must be a path (origin form), not an absolute URL.',
        });
      }
      return;
    }
    if (located.kind === 'reserved') {
      onReserved();
      return;
    }
    // A CORS preflight is routed as the request it announces (a POST-only form route matches its OPTIONS preflight).
    const preflight = exchange.kind === 'http' ? preflightMethodOf(exchange.req) : undefined;
    const match =
      preflight === undefined ? located.match : (deps.routes.match(preflight, pathOf(exchange.req.url ?? '/')) ?? located.match);
    const facts: Facts = { match, accountId: null, record: null, now: 0 };
    const identity = identify(exchange.req, match?.params.accountId, deps.identifyOptions);
    if (identity instanceof Promise) {
      identity.then((found) => route(exchange, facts, found), exchange.kind === 'http' ? exchange.next : () => exchange.socket.destroy());
    } else {
      route(exchange, facts, identity);
    }
  }

  return {
    handle(req, res, next) {
      // "//admin/v1/…" normalised into a gateway path: the gateway's own router answers, never the upstream.
      start({ kind: 'http', req, res, next }, () => next());
    },
    upgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      // A reserved path has no socket to offer.
      start({ kind: 'upgrade', req, socket, head }, () => refuseUpgrade(socket, 400));
    },
  };
}
