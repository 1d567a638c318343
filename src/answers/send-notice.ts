// Writes a Notice: HTML for browsers, JSON for API clients, with Retry-After, CORS, Content-Language and helmet's headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyCors, sendPreflight } from './cors';
import { wantsHtml } from './negotiate';
import type { Notice } from './notices';
import { renderPage } from './page';
import { applySecurityHeaders } from './security-headers';

export function sendNotice(req: IncomingMessage, res: ServerResponse, notice: Notice): void {
  if (notice.preflight) {
    sendPreflight(req, res, notice.cors);
    return;
  }
  applySecurityHeaders(res);
  applyCors(req, res, notice.cors);
  res.setHeader('cache-control', 'no-store');
  if (notice.retryAfter !== undefined) res.setHeader('retry-after', String(notice.retryAfter));
  if (notice.statusMessage !== undefined) res.statusMessage = notice.statusMessage;
  if (notice.status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  res.setHeader('content-language', notice.lang);
  if (!notice.jsonOnly && wantsHtml(req)) {
    res.writeHead(notice.status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : renderPage({ title: notice.title, paragraphs: notice.paragraphs, lang: notice.lang }));
    return;
  }
  res.writeHead(notice.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(notice.json));
}
