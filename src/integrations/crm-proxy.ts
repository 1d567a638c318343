// Forwards one guarded call to the CRM and relays its answer: success bodies stream through, error bodies are read (up to an excerpt) for classification first.
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { applySecurityHeaders } from '../answers/security-headers';
import { stripReplayHeaders } from '../security/replay-headers';
import { BYPASS_HEADER } from '../domain/http-headers';
import { HOP_BY_HOP } from '../domain/http-headers';

/** Never sent to a CRM: connection headers, the gateway's view of Host, and the operator's bypass secret. */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', BYPASS_HEADER]);

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_FORWARDED.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The guard's own JSON answers (never the CRM's), with the gateway's security headers. */
export function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>, retryAfterSeconds?: number): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  applySecurityHeaders(res);
  res.writeHead(status, headers);
  res.end(text);
}

/** The CRM URL for a call: the integration's base URL plus the forwarded path; never another origin. */
export function crmTarget(baseUrl: string, forwardPath: string): URL | null {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return null;
  }
  const path = forwardPath.startsWith('/') ? forwardPath : `/${forwardPath}`;
  const target = new URL(base.href.replace(/\/+$/, '') + path);
  return target.origin === base.origin ? target : null;
}

/**
 * The client left while the guard consulted its store: its 'close' has fired already, so a CRM call would wait for
 * a body that never comes, time out, and be counted as an outage of the CRM.
 */
export function clientLeft(req: IncomingMessage, res: ServerResponse): boolean {
  return res.destroyed || (req.destroyed && !req.complete);
}

/** What the guard records about the answer; the proxy decides only when the caller sees it. */
export interface CrmAnswerHooks {
  /** Below 400: the body streams through; the promise (which never rejects) is awaited before the caller's answer ends. */
  success(status: number, headers: IncomingHttpHeaders): Promise<void>;
  /** 400 and above, with up to `errorExcerptBytes` of the body: awaited before the caller sees the answer; a rejection answers 503. */
  error(status: number, headers: IncomingHttpHeaders, excerpt: Buffer): Promise<void>;
  /** No answer (refused, reset, timed out): awaited (it never rejects) before the guard answers 502 or 504. */
  unreachable(err: NodeJS.ErrnoException, timedOut: boolean): Promise<void>;
  /** Recording the answer failed (or relaying it threw). */
  relayFailed(err: unknown): void;
}

export interface CrmProxyOptions {
  /** Idle time after which a CRM call is abandoned with 504. */
  upstreamTimeoutMs: number;
  /** How much of an error body is read to classify it; the rest streams through unread. */
  errorExcerptBytes: number;
}

export interface CrmProxy {
  forward(req: IncomingMessage, res: ServerResponse, target: URL, hooks: CrmAnswerHooks): void;
  /** Destroys idle keep-alive sockets to the CRMs (shutdown). */
  close(): void;
}

class TimedOut extends Error {
  readonly code = 'ETIMEDOUT';
}

/**
 * Hand-written on node:http rather than on http-proxy with selfHandleResponse: with selfHandleResponse every step
 * after the request (timeouts, an answer broken mid-body, the excerpt, holding the end until the state is recorded)
 * is ours anyway, and http-proxy would still need a hook to drop the bypass header and Connection-named headers.
 */
export function createCrmProxy(options: CrmProxyOptions): CrmProxy {
  const agentOptions = { keepAlive: true, maxSockets: 128, maxFreeSockets: 32 };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  function forward(req: IncomingMessage, res: ServerResponse, target: URL, hooks: CrmAnswerHooks): void {
    const secure = target.protocol === 'https:';
    const headers = endToEnd(req.headers);
    // Only the replayer may claim a replay (SPEC §9): a client's forged replay headers never reach the CRM either.
    stripReplayHeaders(headers);
    const upstreamReq = (secure ? https : http).request(target, {
      method: req.method,
      headers,
      agent: secure ? httpsAgent : httpAgent,
    });
    let clientGone = false;
    let answered = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        upstreamReq.destroy();
      }
    });
    upstreamReq.setTimeout(options.upstreamTimeoutMs, () => upstreamReq.destroy(new TimedOut('CRM call timed out')));

    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (clientGone) return;
      if (answered) {
        // The CRM failed mid-answer: the caller must see a broken response, not a short one.
        res.destroy();
        return;
      }
      answered = true;
      const timedOut = err instanceof TimedOut;
      void hooks.unreachable(err, timedOut).finally(() =>
        sendJson(res, timedOut ? 504 : 502, {
          status: 'error',
          category: timedOut ? 'CRM_TIMEOUT' : 'CRM_UNREACHABLE',
          message: timedOut ? 'The CRM took too long to answer.' : 'The CRM could not be reached.',
        }),
      );
    });

    upstreamReq.on('response', (upstream) => {
      answered = true;
      void relay(upstream).catch((err: unknown) => {
        hooks.relayFailed(err);
        if (res.headersSent) res.destroy();
        else
          sendJson(
            res,
            503,
            { status: 'error', category: 'STORE_UNAVAILABLE', message: 'The gateway could not record the CRM answer.' },
            5,
          );
      });
    });

    async function relay(upstream: IncomingMessage): Promise<void> {
      const status = upstream.statusCode ?? 502;
      if (status < 400) {
        // Success bodies stream through unread; the state writes finish before the caller sees the end.
        const recorded = hooks.success(status, upstream.headers);
        res.writeHead(status, endToEnd(upstream.headers));
        upstream.pipe(res, { end: false });
        upstream.on('end', () => {
          void recorded.then(() => res.end());
        });
        upstream.on('error', () => res.destroy());
        return;
      }

      const { excerpt, ended, broken } = await readExcerpt(upstream, options.errorExcerptBytes);
      await hooks.error(status, upstream.headers, excerpt);
      // The caller of the call that failed hears the CRM's own answer.
      res.writeHead(status, endToEnd(upstream.headers));
      res.write(excerpt);
      // A CRM that dropped the connection mid-body must not look like a complete (short) answer.
      if (broken) res.destroy();
      else if (ended) res.end();
      else {
        upstream.pipe(res);
        upstream.resume();
      }
    }

    req.pipe(upstreamReq);
  }

  return {
    forward,
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** Reads up to `limit` bytes of a stream, then pauses it so the rest can be piped on. */
function readExcerpt(stream: IncomingMessage, limit: number): Promise<{ excerpt: Buffer; ended: boolean; broken: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (ended: boolean, broken = false): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onError);
      resolve({ excerpt: Buffer.concat(chunks), ended, broken });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        stream.pause();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    // A broken error body still counts as the CRM's error; classify what arrived.
    const onError = (): void => finish(true, true);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onError);
  });
}
