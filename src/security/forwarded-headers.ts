// Header hygiene on the way to the upstream: hop-by-hop headers dropped, X-Forwarded-Host/-Proto/-Port from the gateway's own view.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { HOP_BY_HOP } from '../domain/http-headers';

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same client: compare IPv4 peers in one form whatever the listening socket. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function namedInConnection(req: IncomingMessage): string[] {
  const value = req.headers.connection;
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0 && name !== 'close' && name !== 'keep-alive');
}

/**
 * Called on the outgoing request before it is sent. Hop-by-hop headers describe the client's connection to the
 * gateway, not the gateway's to the upstream. X-Forwarded-For keeps the client's chain with the real peer last
 * (http-proxy appends it); Host/Proto/Port are what this gateway saw unless the peer is a trusted proxy in front of it,
 * so a client cannot pass itself off as arriving on another host or over TLS.
 */
export function sanitizeForwarded(proxyReq: ClientRequest, req: IncomingMessage, peerIsTrustedProxy: boolean, upgrade = false): void {
  // transfer-encoding stays: Node frames the body it streams from the client with it. An upgrade keeps the
  // Connection and Upgrade headers that ask the upstream to switch protocols.
  const keep = upgrade ? ['transfer-encoding', 'connection', 'upgrade'] : ['transfer-encoding'];
  const named = upgrade ? [] : namedInConnection(req);
  for (const name of [...HOP_BY_HOP.filter((h) => !keep.includes(h)), ...named]) proxyReq.removeHeader(name);
  if (peerIsTrustedProxy) return;
  const encrypted = Boolean((req.socket as TLSSocket).encrypted);
  if (req.headers.host) proxyReq.setHeader('x-forwarded-host', req.headers.host);
  else proxyReq.removeHeader('x-forwarded-host');
  proxyReq.setHeader('x-forwarded-proto', encrypted ? 'https' : 'http');
  if (req.socket.localPort) proxyReq.setHeader('x-forwarded-port', String(req.socket.localPort));
}
