// The replayer's default transport: one HTTP(S) request per item over keep-alive agents, answer body cut to an excerpt.
import http from 'node:http';
import https from 'node:https';

export interface ReplayRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ReplayResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The first bytes of the answer body (the rest is drained and dropped). */
  bodyExcerpt: Buffer;
}

/** Delivers one request; rejects on network errors, timeouts and aborts (the error's `code` names which). */
export type ReplaySend = (request: ReplayRequest, signal: AbortSignal) => Promise<ReplayResponse>;

const EXCERPT_BYTES = 2048;

export class ReplaySendError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReplaySendError';
  }
}

export function createHttpSend(options: { timeoutMs: number; maxSockets: number }): { send: ReplaySend; close(): void } {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
  const send: ReplaySend = (request, signal) =>
    new Promise((resolve, reject) => {
      const url = new URL(request.url);
      const isHttps = url.protocol === 'https:';
      const req = (isHttps ? https : http).request(url, {
        method: request.method,
        headers: request.headers,
        agent: isHttps ? agents['https:'] : agents['http:'],
        signal,
      });
      req.setTimeout(options.timeoutMs, () => req.destroy(new ReplaySendError('ETIMEDOUT', `no answer within ${options.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        reject(err instanceof ReplaySendError ? err : new ReplaySendError(err.code ?? err.name ?? 'ERROR', err.message));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept >= EXCERPT_BYTES) return;
          chunks.push(chunk.subarray(0, EXCERPT_BYTES - kept));
          kept += Math.min(chunk.length, EXCERPT_BYTES - kept);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bodyExcerpt: Buffer.concat(chunks) }));
        res.on('error', (err: NodeJS.ErrnoException) => reject(new ReplaySendError(err.code ?? 'ERESPONSE', err.message)));
      });
      req.end(request.body);
    });
  return {
    send,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
