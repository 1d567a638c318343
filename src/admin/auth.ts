// Admin API authentication (bearer tokens, plain or SHA-256 hashed, compared in constant time) and the brute-force limit on failed attempts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { GatewayError } from '../domain/errors';

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Accepts `sha256:<64 hex>` (the digest of the token) or the token itself. */
export function tokenDigests(tokens: string[]): Buffer[] {
  return tokens.map((token) => (/^sha256:[0-9a-f]{64}$/i.test(token) ? Buffer.from(token.slice(7), 'hex') : sha256(token)));
}

/** The presented bearer token, when the Authorization header has the one accepted shape. */
function bearerToken(req: Request): string | undefined {
  return /^Bearer ([^\s]{1,512})$/.exec(req.headers.authorization ?? '')?.[1];
}

/** Whether the token is one of the digests, comparing against every one without stopping early (timing says nothing). */
function tokenMatches(token: string, digests: Buffer[]): boolean {
  const presented = sha256(token);
  let ok = false;
  for (const digest of digests) ok = timingSafeEqual(presented, digest) || ok;
  return ok;
}

export function requireAdminToken(digests: Buffer[]): RequestHandler {
  return (req, res, next) => {
    if (digests.length === 0) {
      next(new GatewayError(401, 'ADMIN_API_DISABLED', 'the admin API is disabled: no admin tokens are configured (ADMIN_TOKENS)'));
      return;
    }
    const token = bearerToken(req);
    if (!token) {
      res.setHeader('www-authenticate', 'Bearer');
      next(new GatewayError(401, 'UNAUTHORIZED', 'an Authorization: Bearer <token> header is required'));
      return;
    }
    const ok = tokenMatches(token, digests);
    if (!ok) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      next(new GatewayError(401, 'UNAUTHORIZED', 'the bearer token is not valid'));
      return;
    }
    next();
  };
}

export interface FailedAuthenticationLimit {
  /** Failed authentications allowed per client within one window; the next request from that client is refused. */
  limit: number;
  windowMs: number;
}

/** Guessing a token (brute force) gets 20 tries per client per 15 minutes; an operator who mistypes gets plenty. */
export const DEFAULT_FAILED_AUTHENTICATION_LIMIT: FailedAuthenticationLimit = { limit: 20, windowMs: 15 * 60_000 };

/**
 * Limits failed authentications per client (express-rate-limit, fixed window from the first failure, in memory per
 * gateway instance). Requests with a valid token are not counted, so an operator's bulk work (10,000 PUTs in one go) is
 * never limited; but once a client is over the limit every request from it is refused, a valid token included, or a
 * guesser would learn the right token from the one answer that is not 429. Mount it before requireAdminToken.
 */
export function limitFailedAuthentications(
  digests: Buffer[],
  options: FailedAuthenticationLimit = DEFAULT_FAILED_AUTHENTICATION_LIMIT,
): RequestHandler {
  // trust proxy is off in the gateway, so req.ip is the socket's address; IPv6 clients are grouped by /56 subnet.
  const clientKey = (req: Request): string => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    keyGenerator: clientKey,
    skip: async (req) => {
      const token = bearerToken(req);
      if (token === undefined || !tokenMatches(token, digests)) return false;
      const seen = await limiter.getKey(clientKey(req));
      return seen === undefined || seen.totalHits < options.limit;
    },
    // RateLimit / RateLimit-Policy (IETF draft 7) on counted answers tell a client how many tries are left;
    // the refusal carries Retry-After, the seconds to the window's end.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => {
      next(
        new GatewayError(
          429,
          'RATE_LIMITED',
          `more than ${options.limit} failed authentications from this client in ${Math.round(options.windowMs / 60_000)} minutes; retry after the time in Retry-After`,
        ),
      );
    },
  });
  return limiter;
}
