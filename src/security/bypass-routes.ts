// Admin route that mints an operator bypass token for one account, recorded in the account's audit trail.
import express, { type Router } from 'express';
import { z } from 'zod';
import { accountParams, adminRoute } from '../domain/admin-route';
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

export const bypassBodySchema = z
  .object({ ttlSeconds: z.number().int().min(1).max(MAX_BYPASS_TTL_SECONDS).describe('Lifetime of the token, at most 24 hours') })
  .strict();

export const bypassTokenSchema = z.object({
  account: z.string(),
  token: z.string().describe('Send as the X-Maintenance-Bypass header; shown once, never stored'),
  header: z.string(),
  expiresAt: z.string().datetime(),
  fingerprint: z.string().describe('Names the token in the audit trail'),
});

function ttlOf(body: unknown): number {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError(400, 'INVALID_BODY', 'the body must be a JSON object {"ttlSeconds": n} (Content-Type: application/json)');
  }
  const parsed = bypassBodySchema.safeParse(body);
  if (parsed.success) return parsed.data.ttlSeconds;
  const unknown = parsed.error.issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown) throw new GatewayError(400, 'INVALID_BODY', 'unknown field(s) in the body', { field: unknown.keys[0] });
  throw new GatewayError(400, 'INVALID_BODY', `ttlSeconds: must be an integer from 1 to ${MAX_BYPASS_TTL_SECONDS} (24 hours)`, {
    field: 'ttlSeconds',
  });
}

export function bypassAdminRouter(deps: BypassAdminDeps): Router {
  const router = express.Router();
  adminRoute(
    router,
    {
      method: 'post',
      path: '/accounts/{id}/bypass-token',
      operationId: 'mintBypassToken',
      tags: ['security'],
      summary: "Mint an operator bypass token: its holder reaches the account's real upstream during the window",
      params: accountParams,
      headers: z.object({ 'x-actor-id': z.string().describe('The operator the token is issued to') }),
      body: bypassBodySchema,
      responses: { 201: { description: 'The token (recorded in the audit trail by fingerprint only)', schema: bypassTokenSchema } },
      errors: { 400: ['MISSING_ACTOR'], 409: ['BYPASS_DISABLED'] },
    },
    async (req, res) => {
      if (!req.header('x-actor-id'))
        throw new GatewayError(400, 'MISSING_ACTOR', 'the X-Actor-Id header must name the operator the token is issued to');
      if (!deps.secret)
        throw new GatewayError(409, 'BYPASS_DISABLED', 'operator bypass is disabled: no bypass secret is configured (BYPASS_SECRET)');
      const ttlSeconds = ttlOf(req.body);
      const account = res.locals.account as AccountRecord;
      const actor = res.locals.actor as string;
      const now = deps.clock.now();
      const token = createBypassToken(deps.secret, account.id, ttlSeconds, now);
      const expiresAt = new Date((Math.floor(now / 1000) + ttlSeconds) * 1000).toISOString();
      // The audit trail names the token by fingerprint only: whoever can read the trail must not be able to use it.
      await deps.store.accounts.appendAudit(account.id, {
        at: now,
        actor,
        action: 'bypass.token_issued',
        detail: { ttlSeconds, expiresAt, fingerprint: bypassTokenFingerprint(token) },
      });
      res.setHeader('cache-control', 'no-store');
      res.status(201).json({ account: account.id, token, header: BYPASS_HEADER, expiresAt, fingerprint: bypassTokenFingerprint(token) });
    },
  );
  return router;
}
