// Admin API: an account's API tokens (register by secret or digest, list, delete); only SHA-256 digests are stored.
import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { tokenIdOf, type ApiTokenRecord } from '../store/directory-store';
import type { Store } from '../store/types';
import { accountParams, adminRoute } from '../domain/admin-route';
import { apiTokenSchema, parseBody } from './validation';

export interface ApiTokenDeps {
  store: Store;
  clock: Clock;
}

const TOKEN_ID = /^[0-9a-f]{12}$/;

export const apiTokenViewSchema = z.object({
  id: z.string().regex(TOKEN_ID).describe('The first 12 hex digits of the SHA-256 digest'),
  label: z.string().nullable(),
  createdAt: z.string().datetime(),
});

const view = (token: ApiTokenRecord) => ({
  id: tokenIdOf(token.digest),
  label: token.label,
  createdAt: new Date(token.createdAt).toISOString(),
});

/** Mounted by the admin router after it loaded the account (404 when missing) into res.locals.account. */
export function apiTokenRouter(deps: ApiTokenDeps): Router {
  const router = express.Router();
  const { store, clock } = deps;

  adminRoute(
    router,
    {
      method: 'post',
      path: '/accounts/{id}/api-tokens',
      operationId: 'registerApiToken',
      tags: ['accounts'],
      summary: 'Register an API token (its secret, hashed on arrival, or its SHA-256 digest): requests bearing it name this account',
      params: accountParams,
      body: apiTokenSchema,
      responses: {
        200: { description: 'Already registered to this account: the stored token, unchanged', schema: apiTokenViewSchema },
        201: { description: 'Registered', schema: apiTokenViewSchema },
      },
      errors: { 409: ['TOKEN_TAKEN'] },
    },
    async (req, res) => {
      const account = res.locals.account as AccountRecord;
      const actor = res.locals.actor as string;
      const body = parseBody(apiTokenSchema, req.body);
      // The secret is hashed at once and goes nowhere else: not into the store, the audit trail or a log line.
      const digest =
        body.sha256 ??
        createHash('sha256')
          .update(body.token ?? '')
          .digest('hex');
      const result = await store.directory.registerToken({
        digest,
        accountId: account.id,
        label: body.label ?? null,
        createdAt: clock.now(),
      });
      if (result.outcome === 'taken') {
        throw new GatewayError(
          409,
          'TOKEN_TAKEN',
          'this token is already registered to another account (or its id to another token of this account)',
        );
      }
      if (result.outcome === 'exists') {
        // Registering the same token again is a retry, not a conflict: the stored token, unchanged.
        res.status(200).json(view(result.token));
        return;
      }
      await store.accounts.appendAudit(account.id, {
        at: clock.now(),
        actor,
        action: 'api-token.registered',
        detail: { tokenId: tokenIdOf(digest), label: body.label ?? null },
      });
      res.status(201).json(view(result.token));
    },
  );

  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts/{id}/api-tokens',
      operationId: 'listApiTokens',
      tags: ['accounts'],
      summary: "The account's API tokens, oldest first (ids and labels; secrets are never stored)",
      params: accountParams,
      responses: { 200: { description: 'The tokens', schema: z.object({ tokens: z.array(apiTokenViewSchema) }) } },
    },
    async (_req, res) => {
      const account = res.locals.account as AccountRecord;
      res.json({ tokens: (await store.directory.tokensOf(account.id)).map(view) });
    },
  );

  adminRoute(
    router,
    {
      method: 'delete',
      path: '/accounts/{id}/api-tokens/{tokenId}',
      operationId: 'deleteApiToken',
      tags: ['accounts'],
      summary: 'Delete an API token: requests bearing it no longer name the account',
      params: accountParams.extend({ tokenId: z.string().describe('12 hex digits, as listed') }),
      responses: { 204: { description: 'Deleted' } },
      errors: { 404: ['TOKEN_NOT_FOUND'] },
    },
    async (req, res) => {
      const account = res.locals.account as AccountRecord;
      const tokenId = (req.params.tokenId ?? '').toLowerCase();
      if (!TOKEN_ID.test(tokenId) || !(await store.directory.deleteToken(account.id, tokenId))) {
        throw new GatewayError(404, 'TOKEN_NOT_FOUND', 'this account has no API token with that id (12 hex digits)');
      }
      await store.accounts.appendAudit(account.id, {
        at: clock.now(),
        actor: res.locals.actor as string,
        action: 'api-token.deleted',
        detail: { tokenId },
      });
      res.status(204).end();
    },
  );

  return router;
}
