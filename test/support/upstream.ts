// A real local upstream for tests: records every request and answers as each test scripts it (statuses, delays, hangs, resets).
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Path without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Filled once the request body has fully arrived (empty until then, and for aborted uploads). */
  body: Buffer;
  /** Date.now() when the request line arrived. */
  at: number;
  /** True once the whole body was read. */
  complete: boolean;
}

/** Answers one request; the body is already read into `request.body` when it is called. */
export type UpstreamHandler = (request: RecordedRequest, res: ServerResponse, req: IncomingMessage) => void | Promise<void>;

export interface UpstreamOptions {
  /** Shown in the default JSON answer as `upstream`, so a test can tell regions apart. */
  name?: string;
  handler?: UpstreamHandler;
  /** Port to listen on; a free one when omitted. */
  port?: number;
}

export interface Upstream {
  name: string;
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Replaces the handler for the following requests; undefined restores the default JSON answer. */
  setHandler(handler: UpstreamHandler | undefined): void;
  /** Stops accepting connections (clients get ECONNREFUSED) and drops open ones, keeping the port for resume(). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Open sockets right now (to check a client does not leak connections). */
  openSockets(): number;
  close(): Promise<void>;
}

export function defaultAnswer(name: string): UpstreamHandler {
  return (request, res) => {
    const body = JSON.stringify({ upstream: name, method: request.method, path: request.path });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}

export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const name = options.name ?? 'upstream';
  const requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const fallback = defaultAnswer(name);
  let handler: UpstreamHandler = options.handler ?? fallback;

  const server = http.createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      url: rawUrl,
      path: queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt),
      headers: req.headers,
      body: Buffer.alloc(0),
      at: Date.now(),
      complete: false,
    };
    requests.push(request);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    req.on('end', () => {
      request.body = Buffer.concat(chunks);
      request.complete = true;
      const current = handler;
      Promise.resolve()
        .then(() => current(request, res, req))
        .catch(() => {
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  const port = await listen(options.port ?? 0);
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    setHandler(next) {
      handler = next ?? fallback;
    },
    pause: stopListening,
    async resume() {
      await listen(port);
    },
    openSockets: () => sockets.size,
    close: stopListening,
  };
}

/** Ready-made behaviours for setHandler. */
export const handlers = {
  /** Answers with each status in turn (the last one repeats), with a small JSON body. */
  statusSequence(statuses: number[], body: (status: number) => unknown = (status) => ({ status })): UpstreamHandler {
    let index = 0;
    return (_request, res) => {
      const status = statuses[Math.min(index, statuses.length - 1)];
      index += 1;
      const text = JSON.stringify(body(status));
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
  },
  /** Waits `ms` before handing over to `then` (the default JSON answer when omitted). */
  delay(ms: number, then: UpstreamHandler = defaultAnswer('upstream')): UpstreamHandler {
    return (request, res, req) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => resolve(then(request, res, req)), ms);
        res.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
  },
  /** Never answers: the request stays open until the client or close() gives up. */
  hang(): UpstreamHandler {
    return () => undefined;
  },
  /** Sends the status line, headers and part of the body, then drops the connection. */
  closeMidResponse(partial = '{"partial":'): UpstreamHandler {
    return (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write(partial, () => res.socket?.destroy());
    };
  },
  /** Drops the connection without any answer (the client sees a reset / socket hang up). */
  reset(): UpstreamHandler {
    return (_request, res) => {
      res.socket?.destroy();
    };
  },
  /** A fixed answer. */
  reply(status: number, body: string | Buffer | object, headers: Record<string, string> = {}): UpstreamHandler {
    return (_request, res) => {
      const isObject = typeof body === 'object' && !Buffer.isBuffer(body);
      const payload = isObject ? JSON.stringify(body) : body;
      res.writeHead(status, {
        'content-type': isObject ? 'application/json' : 'text/plain',
        ...headers,
        'content-length': String(Buffer.byteLength(payload)),
      });
      res.end(payload);
    };
  },
};
