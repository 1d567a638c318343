// Writes a Notice: HTML for browsers, JSON for API clients, with Retry-After, CORS, Content-Language and helmet's headers.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendPreflight } from './cors';
import { wantsHtml } from './negotiate';
import type { Notice } from './notices';
import { renderPage } from './page';
import { securityHeaders } from './security-headers';

interface Prepared {
  body: Buffer;
  /** Every header but Access-Control-Allow-Origin when it depends on the request's Origin. */
  headers: OutgoingHttpHeaders;
}

/**
 * Bodies and header sets are prepared once per notice and form (the builder hands out the same Notice object for the
 * same account, language and second): the 477 path then only looks them up and writes them in one writeHead.
 */
const prepared = new WeakMap<Notice, { html?: Prepared; json?: Prepared }>();

function prepare(notice: Notice, html: boolean): Prepared {
  let forms = prepared.get(notice);
  if (!forms) {
    forms = {};
    prepared.set(notice, forms);
  }
  const existing = html ? forms.html : forms.json;
  if (existing) return existing;
  const body = Buffer.from(
    html ? renderPage({ title: notice.title, paragraphs: notice.paragraphs, lang: notice.lang }) : JSON.stringify(notice.json),
  );
  const headers: OutgoingHttpHeaders = Object.fromEntries(securityHeaders());
  if (notice.cors.fixed) headers['access-control-allow-origin'] = notice.cors.allowOrigin(undefined) ?? undefined;
  headers.vary = 'Origin';
  headers['cache-control'] = 'no-store';
  if (notice.retryAfter !== undefined) headers['retry-after'] = String(notice.retryAfter);
  if (notice.status !== 204) {
    headers['content-language'] = notice.lang;
    headers['content-type'] = html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
    headers['content-length'] = String(body.length);
  }
  const ready = { body, headers };
  if (html) forms.html = ready;
  else forms.json = ready;
  return ready;
}

export function sendNotice(req: IncomingMessage, res: ServerResponse, notice: Notice): void {
  if (notice.preflight) {
    sendPreflight(req, res, notice.cors);
    return;
  }
  const html = notice.status !== 204 && !notice.jsonOnly && wantsHtml(req);
  const { body, headers } = prepare(notice, html);
  let out = headers;
  if (!notice.cors.fixed) {
    const origin = req.headers.origin;
    const allowed = notice.cors.allowOrigin(typeof origin === 'string' ? origin : undefined);
    if (allowed !== null) out = { ...headers, 'access-control-allow-origin': allowed };
  }
  if (notice.statusMessage !== undefined) res.writeHead(notice.status, notice.statusMessage, out);
  else res.writeHead(notice.status, out);
  res.end(notice.status === 204 || req.method === 'HEAD' ? undefined : body);
}
