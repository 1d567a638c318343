// Content negotiation for the gateway's own answers: HTML for browsers, JSON for everything else.
import type { IncomingMessage } from 'node:http';

/** True when the client prefers HTML over JSON (a browser navigation), judged from Accept. */
export function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (!accept) return false;
  let html = -1;
  let json = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    if (type === 'application/json' || type.endsWith('+json')) json = Math.max(json, q);
  }
  return html > 0 && html >= json;
}
