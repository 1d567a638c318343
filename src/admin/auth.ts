// Admin API authentication (bearer tokens, plain or SHA-256 hashed, compared in constant time) and rate limiting.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Clock } from '../domain/clock';
import { sendAdminError } from './errors';

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Accepts `sha256:<64 hex>` (the digest of the token) or the token itself. */
export function tokenDigests(tokens: string[]): Buffer[] {
  return tokens.map((token) => (/^sha256:[0-9a-f]{64}$/i.test(token) ? Buffer.from(token.slice(7), 'hex') : sha256(token)));
}

export function requireAdminToken(digests: Buffer[]): RequestHandler {
  return (req, res, next) => {
    if (digests.length === 0) {
      sendAdminError(res, 401, 'ADMIN_API_DISABLED', 'the admin API is disabled: no admin tokens are configured (ADMIN_TOKENS)');
      return;
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([^\s]{1,512})$/.exec(header);
    if (!match?.[1]) {
      res.setHeader('www-authenticate', 'Bearer');
      sendAdminError(res, 401, 'UNAUTHORIZED', 'an Authorization: Bearer <token> header is required');
      return;
    }
    const presented = sha256(match[1]);
    // Compare against every digest, without stopping early, so timing says nothing about which one matched.
    let ok = false;
    for (const digest of digests) ok = timingSafeEqual(presented, digest) || ok;
    if (!ok) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      sendAdminError(res, 401, 'UNAUTHORIZED', 'the bearer token is not valid');
      return;
    }
    next();
  };
}

/** A fixed-window limit per client address; admin traffic is small, so memory stays bounded by clients seen per minute. */
export function rateLimit(perMinute: number, clock: Clock): RequestHandler {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return (req, res, next) => {
    const now = clock.now();
    if (now - windowStart >= 60_000) {
      windowStart = now;
      counts = new Map();
    }
    const key = req.socket.remoteAddress ?? 'unknown';
    const used = (counts.get(key) ?? 0) + 1;
    counts.set(key, used);
    if (used > perMinute) {
      res.setHeader('retry-after', String(Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000))));
      sendAdminError(res, 429, 'RATE_LIMITED', `more than ${perMinute} admin requests in a minute from this client`);
      return;
    }
    next();
  };
}
