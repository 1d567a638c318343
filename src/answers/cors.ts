// CORS on the gateway's own answers and its answers to preflights in the window (SPEC §10); never credentials.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type CorsOrigins = '*' | readonly string[];

export interface CorsPolicy {
  /** The Access-Control-Allow-Origin for a request's Origin, or null when it is not allowed. */
  allowOrigin(origin: string | undefined): string | null;
  /** True when the answer is the same whatever the Origin ("*"): its headers can be prepared once. */
  fixed: boolean;
}

export function createCorsPolicy(origins: CorsOrigins = '*'): CorsPolicy {
  if (origins === '*') return { allowOrigin: () => '*', fixed: true };
  const listed = new Set(origins.map((o) => o.toLowerCase()));
  return { allowOrigin: (origin) => (origin !== undefined && listed.has(origin.toLowerCase()) ? origin : null), fixed: false };
}

export const DEFAULT_CORS_POLICY = createCorsPolicy('*');

/** The methods a preflight is told: every method the gateway answers or buffers by itself. */
export const PREFLIGHT_ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
/** Short: once the window closes the upstream answers preflights again, with its own rules. */
export const PREFLIGHT_MAX_AGE_SECONDS = 60;

const TOKEN_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/;

/** The method a CORS preflight asks about (OPTIONS with Access-Control-Request-Method), or undefined for any other request. */
export function preflightMethodOf(req: IncomingMessage): string | undefined {
  if (req.method !== 'OPTIONS') return undefined;
  const asked = req.headers['access-control-request-method'];
  return typeof asked === 'string' && METHOD.test(asked) ? asked.toUpperCase() : undefined;
}

/** Allow-Origin and Vary on one of the gateway's own answers. */
export function applyCors(req: IncomingMessage, res: ServerResponse, policy: CorsPolicy): void {
  const origin = req.headers.origin;
  const allowed = policy.allowOrigin(typeof origin === 'string' ? origin : undefined);
  if (allowed !== null) res.setHeader('access-control-allow-origin', allowed);
  res.setHeader('vary', 'Origin');
}

/** The 204 answer to a preflight: Allow-Origin as for any answer, the methods, and the headers asked for (token lists only). */
export function sendPreflight(req: IncomingMessage, res: ServerResponse, policy: CorsPolicy): void {
  applyCors(req, res, policy);
  res.setHeader('access-control-allow-methods', PREFLIGHT_ALLOW_METHODS);
  const asked = req.headers['access-control-request-headers'];
  if (typeof asked === 'string' && asked.length <= 2000 && TOKEN_LIST.test(asked.trim()))
    res.setHeader('access-control-allow-headers', asked.trim());
  res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
  res.setHeader('cache-control', 'no-store');
  res.writeHead(204);
  res.end();
}
