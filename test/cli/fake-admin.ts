// Test helpers for mgctl: a fake admin server that records every call and answers as told, and an in-process mgctl run.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runMgctl } from '../../src/cli/run-mgctl';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export interface FakeAdmin {
  url: string;
  seen: Seen[];
  reply(next: Reply | ((seen: Seen) => Reply)): void;
  close(): Promise<void>;
}

export async function startFakeAdmin(): Promise<FakeAdmin> {
  const seen: Seen[] = [];
  let replier: (seen: Seen) => Reply = () => ({ status: 200, body: {} });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(entry);
      const { status, body } = replier(entry);
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    reply(next) {
      replier = typeof next === 'function' ? next : () => next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Run {
  code: number;
  out: string;
  err: string;
}

export async function mgctl(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMgctl(args, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
