// Carries out a decided action, the same for a plain request and a WebSocket upgrade: proxy, answer, buffer, guard or refuse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccountRecord, Region } from '../domain/account';
import type { Action } from '../policy/decide';
import type { RouteMatch } from '../routing/route-table';
import type { NoticeBuilder, NoticeContext } from '../answers/notices';
import { MIGRATION_IN_PROGRESS_REASON } from '../answers/status';
import { sendNotice } from '../answers/send-notice';
import { sendGatewayError } from '../answers/gateway-error';
import type { CorsPolicy } from '../answers/cors';
import type { RegionProxy } from '../proxy/region-proxy';
import type { GatewayParts } from './contract';

/** A request and where its answer goes: an HTTP response, or the raw socket of an upgrade. */
export type Exchange =
  | { kind: 'http'; req: IncomingMessage; res: ServerResponse; next: (error?: unknown) => void }
  | { kind: 'upgrade'; req: IncomingMessage; socket: Socket; head: Buffer };

/** What the hot path learnt about the request before deciding. */
export interface Facts {
  match: RouteMatch | null;
  accountId: string | null;
  record: AccountRecord | null;
  now: number;
}

export interface ResponderDeps {
  proxy: RegionProxy;
  cors: CorsPolicy;
  defaultRegion: Region;
  parts: Pick<GatewayParts, 'acceptBuffered' | 'handleIntegration'>;
  buildNotice: NoticeBuilder;
  noticeContext: (record: AccountRecord, req: IncomingMessage, now: number) => NoticeContext;
}

/** Reason phrases of the statuses an upgrade can be refused with (a socket gets a status line, not a page). */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  422: 'Unprocessable Content',
  477: MIGRATION_IN_PROGRESS_REASON,
  503: 'Service Unavailable',
};

export function refuseUpgrade(socket: Socket, status: number): void {
  const reason = REASONS[status] ?? REASONS[503];
  // Close for good once written: the socket has left the HTTP server, which would otherwise keep it open.
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}

/** The path the upstream gets: the route's rewrite (SPEC §8) with the query kept byte for byte. */
function applyRewrite(req: IncomingMessage, match: RouteMatch | null): void {
  if (!match?.forwardPath) return;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  req.url = match.forwardPath + (q < 0 ? '' : url.slice(q));
}

export function createResponder(deps: ResponderDeps): (exchange: Exchange, action: Action, facts: Facts) => void {
  const { proxy, parts } = deps;

  function forward(exchange: Exchange, region: Region, match: RouteMatch | null): void {
    applyRewrite(exchange.req, match);
    if (exchange.kind === 'http') proxy.handler(region)(exchange.req, exchange.res, exchange.next);
    else proxy.upgrade(region)(exchange.req, exchange.socket, exchange.head);
  }

  function refuseUnavailable(exchange: Exchange): void {
    if (exchange.kind === 'http')
      sendGatewayError(exchange.req, exchange.res, 503, 'STORE_UNAVAILABLE', { retryAfter: 30, cors: deps.cors });
    else refuseUpgrade(exchange.socket, 503);
  }

  return function respond(exchange: Exchange, action: Action, facts: Facts): void {
    const { record, match } = facts;
    const region = record?.settings.dataLocation ?? deps.defaultRegion;
    switch (action.kind) {
      case 'proxy':
      case 'bypass':
        forward(exchange, region, match);
        return;
      case 'answer': {
        // decide() answers only for a known account; a record is there.
        if (!record) return refuseUnavailable(exchange);
        const notice = deps.buildNotice(action.answer, deps.noticeContext(record, exchange.req, facts.now));
        // A notice cannot be shown on a socket: its status says why (a hidden chat is simply unavailable).
        if (exchange.kind === 'http') sendNotice(exchange.req, exchange.res, notice);
        else refuseUpgrade(exchange.socket, notice.status === 477 || notice.status === 422 ? notice.status : 503);
        return;
      }
      case 'buffer':
        // Nothing can be stored durably without the buffer (or on a socket): refuse rather than pretend.
        if (exchange.kind !== 'http' || !parts.acceptBuffered || !facts.accountId) return refuseUnavailable(exchange);
        applyRewrite(exchange.req, match);
        // The buffer's answers (202, 413, 503) speak the negotiated language and carry CORS like the notices.
        if (record) deps.buildNotice.remember(exchange.req, deps.noticeContext(record, exchange.req, facts.now));
        parts.acceptBuffered(exchange.req, exchange.res, { accountId: facts.accountId, surface: action.surface }).catch(exchange.next);
        return;
      case 'integration': {
        if (exchange.kind !== 'http' || !record) return refuseUnavailable(exchange);
        if (!parts.handleIntegration) return forward(exchange, region, match);
        const url = exchange.req.url ?? '/';
        Promise.resolve(
          parts.handleIntegration(exchange.req, exchange.res, {
            account: record,
            integration: match?.params.integration ?? '',
            forwardPath: (match?.rest || '/') + (url.includes('?') ? url.slice(url.indexOf('?')) : ''),
          }),
        ).catch(exchange.next);
        return;
      }
      case 'unavailable':
        refuseUnavailable(exchange);
        return;
    }
  };
}
