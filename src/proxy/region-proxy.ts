// Reverse proxy to each region's upstream: keep-alive agents, streamed bodies, clean 502/504 on failure.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createProxyMiddleware, type Plugin } from 'http-proxy-middleware';
import type { Region } from '../domain/account';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { sendGatewayError } from '../answers/gateway-error';
import type { CorsPolicy } from '../answers/cors';
import { sanitizeForwarded } from '../security/forwarded-headers';
import { rewriteUpstreamOrigin } from './response-headers';

export interface RegionProxyOptions {
  /** Per region: its base URL, and whether it gets the client's Host instead of its own (SPEC §8). */
  upstreams: Record<Region, { url: string; preserveHost: boolean }>;
  timeoutMs: number;
  /** CORS on the proxy's own error answers (502, 504, 413); proxied answers keep the upstream's headers. */
  cors?: CorsPolicy;
  /** Largest declared request body proxied; above it the answer is 413 and the upstream is not called. */
  maxBodyBytes: number;
  logger: Logger;
  metrics: Metrics;
  /** Headers removed before proxying (e.g. an untrusted account header). */
  stripHeaders?: (req: http.IncomingMessage) => void;
  /** True for a peer that is a proxy in front of the gateway: its X-Forwarded-Host/-Proto/-Port are kept. */
  trustedProxy?: (req: http.IncomingMessage) => boolean;
}

/** A Node-level handler: the gateway's hot path runs before Express's router. */
export type ProxyHandler = (req: http.IncomingMessage, res: http.ServerResponse, next: (error?: unknown) => void) => void;

/** Proxies a WebSocket (HTTP upgrade) to the region's upstream. */
export type UpgradeHandler = (req: http.IncomingMessage, socket: Socket, head: Buffer) => void;

export interface RegionProxy {
  handler(region: Region): ProxyHandler;
  upgrade(region: Region): UpgradeHandler;
  /** Destroys idle upstream sockets (shutdown). */
  close(): void;
}

const TIMED_OUT = Symbol('mgUpstreamTimedOut');
type MarkedRequest = http.IncomingMessage & { [TIMED_OUT]?: boolean };

/** Upstream network error codes that mean "could not reach it" (502); a timeout is 504. */
function statusFor(req: MarkedRequest, error: NodeJS.ErrnoException): { status: number; code: string } {
  if (req[TIMED_OUT]) return { status: 504, code: 'UPSTREAM_TIMEOUT' };
  if (error.code === 'ETIMEDOUT') return { status: 504, code: 'UPSTREAM_TIMEOUT' };
  return { status: 502, code: 'UPSTREAM_UNREACHABLE' };
}

export function createRegionProxy(options: RegionProxyOptions): RegionProxy {
  const agents: (http.Agent | https.Agent)[] = [];
  const handlers = new Map<Region, ProxyHandler>();
  const upgrades = new Map<Region, UpgradeHandler>();
  for (const region of ['us', 'eu'] as const) {
    const { url: target, preserveHost } = options.upstreams[region];
    const upstreamOrigin = new URL(target).origin;
    const upstreamHost = new URL(target).hostname;
    const secure = target.startsWith('https:');
    const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' as const };
    const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    agents.push(agent);
    const plugin: Plugin = (proxyServer) => {
      proxyServer.on('proxyReq', (proxyReq, req, res) => {
        // proxyReq already holds a copy of the headers: what stripHeaders deletes from req must be removed here too.
        const before = Object.keys(req.headers);
        options.stripHeaders?.(req);
        for (const name of before) if (!(name in req.headers)) proxyReq.removeHeader(name);
        sanitizeForwarded(proxyReq, req, options.trustedProxy?.(req) ?? false);
        proxyReq.setTimeout(options.timeoutMs, () => {
          (req as MarkedRequest)[TIMED_OUT] = true;
          proxyReq.destroy(Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' }));
        });
        // A client that goes away (waiting for the answer or mid-download) does not stop the upstream request by
        // itself: its request was complete, so http-proxy hears no 'aborted'. Left alone, the upstream socket stays
        // busy until the timeout.
        res.once('close', () => {
          if (!res.writableFinished && !proxyReq.destroyed) proxyReq.destroy();
        });
      });
      proxyServer.on('proxyReqWs', (proxyReq, req) => {
        const before = Object.keys(req.headers);
        options.stripHeaders?.(req);
        for (const name of before) if (!(name in req.headers)) proxyReq.removeHeader(name);
        sanitizeForwarded(proxyReq, req, options.trustedProxy?.(req) ?? false, true);
      });
      proxyServer.on('proxyRes', (proxyRes, req, res) => {
        // Links naming the upstream's own origin would send the client past the gateway: point them at the gateway.
        rewriteUpstreamOrigin(proxyRes.headers, upstreamOrigin, req, options.trustedProxy?.(req) ?? false);
        // pipe() alone leaves the client waiting forever when the upstream dies mid-body: cut its response too.
        proxyRes.once('close', () => {
          if (!proxyRes.complete) res.destroy();
        });
      });
      proxyServer.on('error', (error: NodeJS.ErrnoException, req, res) => {
        const { status, code } = statusFor(req as MarkedRequest, error);
        options.metrics.upstreamErrors.inc({ region, code });
        // The path only: query strings carry API keys and tokens, which must not reach the logs.
        const path = (req.url ?? '').split('?', 1)[0];
        options.logger.warn({ region, code, err: { code: error.code, message: error.message }, path }, 'upstream request failed');
        if (res instanceof http.ServerResponse) {
          if (res.headersSent) {
            // The upstream failed mid-response: the client must see a broken response, not a short one.
            res.destroy();
          } else {
            sendGatewayError(req, res, status, code, { cors: options.cors });
          }
        } else {
          (res as Socket).destroy();
        }
      });
    };
    const middleware = createProxyMiddleware({
      target,
      changeOrigin: !preserveHost,
      // A cookie scoped to the upstream's host name would be scoped to a host the client never talks to: drop Domain.
      cookieDomainRewrite: { [upstreamHost]: '', [`.${upstreamHost}`]: '' },
      xfwd: true,
      agent,
      ejectPlugins: true,
      plugins: [plugin],
    });
    upgrades.set(region, (req, socket, head) => middleware.upgrade(req, socket, head));
    handlers.set(region, (req, res, next) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > options.maxBodyBytes) {
        // The unread body would follow on this connection: close it after the answer.
        res.setHeader('connection', 'close');
        sendGatewayError(req, res, 413, 'PAYLOAD_TOO_LARGE', {
          message: `The request body is larger than the ${options.maxBodyBytes} bytes the gateway forwards.`,
          cors: options.cors,
        });
        return;
      }
      middleware(req, res, next);
    });
  }
  return {
    handler(region: Region): ProxyHandler {
      return handlers.get(region) as ProxyHandler;
    },
    upgrade(region: Region): UpgradeHandler {
      return upgrades.get(region) as UpgradeHandler;
    },
    close(): void {
      for (const agent of agents) agent.destroy();
    },
  };
}
