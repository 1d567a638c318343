// Writes a Notice: HTML for browsers, JSON for API clients, with Retry-After and helmet's headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wantsHtml } from './negotiate';
import type { Notice } from './notices';
import { renderPage } from './page';
import { applySecurityHeaders } from './security-headers';

export function sendNotice(req: IncomingMessage, res: ServerResponse, notice: Notice): void {
  applySecurityHeaders(res);
  res.setHeader('cache-control', 'no-store');
  if (notice.retryAfter !== undefined) res.setHeader('retry-after', String(notice.retryAfter));
  if (notice.status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  if (!notice.jsonOnly && wantsHtml(req)) {
    res.writeHead(notice.status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : renderPage({ title: notice.title, paragraphs: notice.paragraphs }));
    return;
  }
  res.writeHead(notice.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(req.method === 'HEAD' ? undefined : JSON.stringify(notice.json));
}
