// The gateway's own error answers (502/504/503/404…): a fixed message per code, never the raw error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wantsHtml } from './negotiate';
import { renderPage } from './page';
import { applySecurityHeaders } from './security-headers';
import { applyCors, type CorsPolicy } from './cors';

const MESSAGES: Record<string, string> = {
  UPSTREAM_UNREACHABLE: 'The service could not be reached. Please try again in a moment.',
  UPSTREAM_TIMEOUT: 'The service took too long to answer. Please try again in a moment.',
  STORE_UNAVAILABLE: 'The request could not be stored right now. Nothing was saved; please try again shortly.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the gateway accepts.',
  INTERNAL: 'Something went wrong in the gateway. Please try again.',
};

export function sendGatewayError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  options: { retryAfter?: number; message?: string; cors?: CorsPolicy } = {},
): void {
  const message = options.message ?? MESSAGES[code] ?? MESSAGES.INTERNAL ?? '';
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (options.retryAfter !== undefined) headers['retry-after'] = String(options.retryAfter);
  applySecurityHeaders(res);
  // A cross-origin caller (an embedded form's fetch) must be able to read why it failed, as for every answer of the gateway's own (SPEC §10).
  if (options.cors) applyCors(req, res, options.cors);
  if (wantsHtml(req)) {
    res.writeHead(status, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    res.end(renderPage({ title: 'Service temporarily unavailable', paragraphs: [message] }));
  } else {
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ status: 'error', category: code, message }));
  }
}
