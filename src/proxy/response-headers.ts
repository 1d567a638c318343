// Upstream response headers that name the upstream's own origin, rewritten to the origin the client used (SPEC §8).
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

const LINK_HEADERS = ['location', 'content-location'] as const;

/** The origin the client addressed: its Host over the gateway's scheme, or what a trusted proxy in front says. */
export function clientOrigin(req: IncomingMessage, peerIsTrustedProxy: boolean): string | null {
  const first = (value: string | string[] | undefined): string | undefined =>
    (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  const forwardedHost = peerIsTrustedProxy ? first(req.headers['x-forwarded-host']) : undefined;
  const forwardedProto = peerIsTrustedProxy ? first(req.headers['x-forwarded-proto']) : undefined;
  const host = forwardedHost ?? req.headers.host;
  if (!host || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) return null;
  const proto =
    forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${proto}://${host}`;
}

/**
 * `Location: http://10.0.0.5:9001/posts/2` becomes `Location: https://help.acme.com/posts/2`. Only absolute URLs
 * whose origin is exactly the upstream's are touched: relative links and links to other sites are left alone.
 */
export function rewriteUpstreamOrigin(
  headers: IncomingHttpHeaders,
  upstreamOrigin: string,
  req: IncomingMessage,
  peerIsTrustedProxy: boolean,
): void {
  for (const name of LINK_HEADERS) {
    const value = headers[name];
    if (typeof value !== 'string' || !value.startsWith(upstreamOrigin)) continue;
    const after = value.charAt(upstreamOrigin.length);
    // "http://up:9001" must not match "http://up:90011/x".
    if (after !== '' && after !== '/' && after !== '?' && after !== '#') continue;
    const origin = clientOrigin(req, peerIsTrustedProxy);
    if (origin) headers[name] = origin + value.slice(upstreamOrigin.length);
  }
}
