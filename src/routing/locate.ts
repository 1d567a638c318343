// Where a request goes in the route table: its target normalised, the gateway's own paths set apart, the route matched.
import type { IncomingMessage } from 'node:http';
import { normalizeTarget } from '../security/request-target';
import { pathOf } from './request-url';
import type { RouteMatch, RouteTable } from './route-table';

/** Paths the gateway answers itself (Express's router): never proxied, never decided on. */
const RESERVED = ['/admin/', '/healthz', '/readyz', '/metrics', '/console'];

export function isReserved(url: string): boolean {
  // "/metrics" is the gateway's, "/metrics-dashboard" the upstream's: a name without a trailing slash must end there.
  return RESERVED.some((prefix) => {
    if (!url.startsWith(prefix)) return false;
    if (prefix.endsWith('/')) return true;
    const next = url.charAt(prefix.length);
    return next === '' || next === '/' || next === '?';
  });
}

export type Located = { kind: 'bad_target' } | { kind: 'reserved' } | { kind: 'routed'; match: RouteMatch | null };

/**
 * Normalises the request target (req.url becomes the path that is decided on and forwarded), then finds the route.
 * The same for plain requests and upgrades, so neither can be routed past the other.
 */
export function locate(req: IncomingMessage, routes: RouteTable): Located {
  const target = normalizeTarget(req.url ?? '/');
  if (target === null) return { kind: 'bad_target' };
  req.url = target;
  if (isReserved(target)) return { kind: 'reserved' };
  return { kind: 'routed', match: routes.match(req.method ?? 'GET', pathOf(target)) };
}
