// Admin route that mints an operator bypass token for one account, recorded in the account's audit trail.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import type { AccountStore } from '../store/types';
import { MAX_BYPASS_TTL_SECONDS, bypassTokenFingerprint, createBypassToken } from './bypass';
import { BYPASS_HEADER } from '../domain/http-headers';

export interface BypassAdminDeps {
  store: { accounts: AccountStore };
  clock: Clock;
  /** Unset: the route answers 409 BYPASS_DISABLED. */
  secret: string | undefined;
}

function ttlOf(body: unknown): number {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError(400, 'INVALID_BODY', 'the body must be a JSON object {"ttlSeconds": n} (Content-Type: application/json)');
  }
  const unknown = Object.keys(body).filter((key) => key !== 'ttlSeconds');
  if (unknown.length > 0) throw new GatewayError(400, 'INVALID_BODY', 'unknown field(s) in the body', { field: unknown[0] });
  const ttl = (body as Record<string, unknown>).ttlSeconds;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_BYPASS_TTL_SECONDS) {
    throw new GatewayError(400, 'INVALID_BODY', `ttlSeconds: must be an integer from 1 to ${MAX_BYPASS_TTL_SECONDS} (24 hours)`, { field: 'ttlSeconds' });
  }
  return ttl;
}

export function bypassAdminRouter(deps: BypassAdminDeps): Router {
  const router = express.Router();
  router.post('/accounts/:id/bypass-token', (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      if (!req.header('x-actor-id')) throw new GatewayError(400, 'MISSING_ACTOR', 'the X-Actor-Id header must name the operator the token is issued to');
      if (!deps.secret) throw new GatewayError(409, 'BYPASS_DISABLED', 'operator bypass is disabled: no bypass secret is configured (BYPASS_SECRET)');
      const ttlSeconds = ttlOf(req.body);
      const account = res.locals.account as AccountRecord;
      const actor = res.locals.actor as string;
      const now = deps.clock.now();
      const token = createBypassToken(deps.secret, account.id, ttlSeconds, now);
      const expiresAt = new Date((Math.floor(now / 1000) + ttlSeconds) * 1000).toISOString();
      // The audit trail names the token by fingerprint only: whoever can read the trail must not be able to use it.
      await deps.store.accounts.appendAudit(account.id, { at: now, actor, action: 'bypass.token_issued', detail: { ttlSeconds, expiresAt, fingerprint: bypassTokenFingerprint(token) } });
      res.setHeader('cache-control', 'no-store');
      res.status(201).json({ account: account.id, token, header: BYPASS_HEADER, expiresAt, fingerprint: bypassTokenFingerprint(token) });
    })().catch(next);
  });
  return router;
}
