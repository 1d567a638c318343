// What the acceptor answers by itself (202 accepted, 413 too large, 503 not stored): HTML for browsers, JSON otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wantsHtml } from '../answers/negotiate';
import { FORM_ACCEPTED_MESSAGE } from '../answers/notices';
import { renderPage } from '../answers/page';
import { applySecurityHeaders } from '../answers/security-headers';
import type { BufferSurface } from '../store/buffer-store';

export { FORM_ACCEPTED_MESSAGE };

export const DEFAULT_ACCEPTED_MESSAGES: Record<BufferSurface, string> = {
  form: FORM_ACCEPTED_MESSAGE,
  meeting:
    'Your meeting request has been received. Due to system maintenance, it is not in the calendar yet: the organiser will receive it by email once maintenance is complete.',
  analytics: 'Event recorded. Due to system maintenance, it will be reported once maintenance is complete.',
  inbound: 'Accepted. Due to system maintenance, it will be processed once maintenance is complete.',
};

export interface BufferAnswer {
  status: number;
  title: string;
  paragraphs: string[];
  json: Record<string, unknown>;
  headers?: Record<string, string>;
}

export function sendBufferAnswer(req: IncomingMessage, res: ServerResponse, answer: BufferAnswer): void {
  if (res.headersSent || res.destroyed) return;
  applySecurityHeaders(res);
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  const html = wantsHtml(req);
  const body = html ? renderPage({ title: answer.title, paragraphs: answer.paragraphs }) : JSON.stringify(answer.json);
  res.setHeader('content-type', html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8');
  res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.writeHead(answer.status);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function acceptedAnswer(id: string, message: string): BufferAnswer {
  return {
    status: 202,
    title: 'Received',
    paragraphs: [message, `Reference: ${id}`],
    json: { status: 'accepted', id, message },
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export function tooLargeAnswer(limitBytes: number): BufferAnswer {
  const message = `The request body is larger than the limit of ${formatBytes(limitBytes)} (${limitBytes} bytes) accepted during system maintenance. Nothing was stored.`;
  return {
    status: 413,
    title: 'Request too large',
    paragraphs: [message],
    json: { status: 'error', category: 'PAYLOAD_TOO_LARGE', message, limitBytes },
    headers: { connection: 'close' },
  };
}

export function notStoredAnswer(retryAfterSeconds: number): BufferAnswer {
  const message =
    'Your request could not be stored because of a temporary problem during system maintenance. Nothing was submitted; please try again shortly.';
  return {
    status: 503,
    title: 'Please try again',
    paragraphs: [message],
    json: { status: 'error', category: 'BUFFER_UNAVAILABLE', message, retryAfterSeconds },
    headers: { 'retry-after': String(retryAfterSeconds) },
  };
}
