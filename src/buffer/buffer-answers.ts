// What the acceptor answers by itself (202 accepted, 413 too large, 503 not stored): HTML for browsers, JSON otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BufferSurface } from '../store/buffer-store';

export const FORM_ACCEPTED_MESSAGE =
  'Your response has been submitted. Due to system maintenance, it may take up to a day to complete processing.';

export const DEFAULT_ACCEPTED_MESSAGES: Record<BufferSurface, string> = {
  form: FORM_ACCEPTED_MESSAGE,
  meeting:
    'Your meeting request has been received. Due to system maintenance, it is not in the calendar yet: the organiser will receive it by email once maintenance is complete.',
  analytics: 'Event recorded. Due to system maintenance, it will be reported once maintenance is complete.',
  inbound: 'Accepted. Due to system maintenance, it will be processed once maintenance is complete.',
};

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/** Browsers navigating (Accept prefers text/html over JSON) get a page; everything else JSON. */
export function prefersHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (!accept) return false;
  let html = -1;
  let json = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) || 0 : 1;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, weight);
    if (type === 'application/json' || type.endsWith('+json')) json = Math.max(json, weight);
  }
  return html > 0 && html >= json;
}

function page(title: string, paragraphs: string[]): string {
  const body = paragraphs.map((p) => `    <p>${escapeHtml(p)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>body{font-family:system-ui,sans-serif;margin:0;background:#f5f7fa;color:#1f2933}main{max-width:40rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:8px}</style>
</head>
<body>
  <main>
    <h1>${escapeHtml(title)}</h1>
${body}
  </main>
</body>
</html>
`;
}

export interface BufferAnswer {
  status: number;
  title: string;
  paragraphs: string[];
  json: Record<string, unknown>;
  headers?: Record<string, string>;
}

export function sendBufferAnswer(req: IncomingMessage, res: ServerResponse, answer: BufferAnswer): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ...answer.headers,
  };
  const html = prefersHtml(req);
  const body = html ? page(answer.title, answer.paragraphs) : JSON.stringify(answer.json);
  headers['content-type'] = html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(answer.status, headers);
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
