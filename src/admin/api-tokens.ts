// Admin API: an account's API tokens (register by secret or digest, list, delete); only SHA-256 digests are stored.
import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { tokenIdOf, type ApiTokenRecord } from '../store/directory-store';
import type { Store } from '../store/types';
import { wrap } from './async-handler';
import { apiTokenSchema, parseBody } from './validation';

export interface ApiTokenDeps {
  store: Store;
  clock: Clock;
}

const TOKEN_ID = /^[0-9a-f]{12}$/;

const view = (token: ApiTokenRecord) => ({ id: tokenIdOf(token.digest), label: token.label, createdAt: new Date(token.createdAt).toISOString() });

/** Mounted by the admin router after it loaded the account (404 when missing) into res.locals.account. */
export function apiTokenRouter(deps: ApiTokenDeps): Router {
  const router = express.Router();
  const { store, clock } = deps;

  router.post(
    '/accounts/:id/api-tokens',
    wrap(async (req, res) => {
      const account = res.locals.account as AccountRecord;
      const actor = res.locals.actor as string;
      const body = parseBody(apiTokenSchema, req.body);
      // The secret is hashed at once and goes nowhere else: not into the store, the audit trail or a log line.
      const digest = body.sha256 ?? createHash('sha256').update(body.token ?? '').digest('hex');
      const result = await store.directory.registerToken({ digest, accountId: account.id, label: body.label ?? null, createdAt: clock.now() });
      if (result.outcome === 'taken') {
        throw new GatewayError(409, 'TOKEN_TAKEN', 'this token is already registered to another account (or its id to another token of this account)');
      }
      if (result.outcome === 'exists') {
        // Registering the same token again is a retry, not a conflict: the stored token, unchanged.
        res.status(200).json(view(result.token));
        return;
      }
      await store.accounts.appendAudit(account.id, { at: clock.now(), actor, action: 'api-token.registered', detail: { tokenId: tokenIdOf(digest), label: body.label ?? null } });
      res.status(201).json(view(result.token));
    }),
  );

  router.get(
    '/accounts/:id/api-tokens',
    wrap(async (_req, res) => {
      const account = res.locals.account as AccountRecord;
      res.json({ tokens: (await store.directory.tokensOf(account.id)).map(view) });
    }),
  );

  router.delete(
    '/accounts/:id/api-tokens/:tokenId',
    wrap(async (req, res) => {
      const account = res.locals.account as AccountRecord;
      const tokenId = (req.params.tokenId ?? '').toLowerCase();
      if (!TOKEN_ID.test(tokenId) || !(await store.directory.deleteToken(account.id, tokenId))) {
        throw new GatewayError(404, 'TOKEN_NOT_FOUND', 'this account has no API token with that id (12 hex digits)');
      }
      await store.accounts.appendAudit(account.id, { at: clock.now(), actor: res.locals.actor as string, action: 'api-token.deleted', detail: { tokenId } });
      res.status(204).end();
    }),
  );

  return router;
}
