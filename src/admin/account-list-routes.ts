// GET /admin/v1/accounts?state=<in_window|upcoming|suspended|dead_letters>&cursor=&limit=: the operator's lists.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { ATTENTION_STATES, type AttentionState } from '../store/attention-store';
import type { Store } from '../store/types';
import { adminRoute } from '../domain/admin-route';
import { accountListPageSchema, DEFAULT_LIST_LIMIT, listAccounts, MAX_LIST_LIMIT } from './account-list';

/** The query of GET /accounts; parseListQuery validates with it and names the parameter that is wrong. */
export const listQuerySchema = z.object({
  state: z.enum(ATTENTION_STATES),
  cursor: z.string().optional().describe('nextCursor of the previous page'),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/)
    .refine((raw) => Number(raw) >= 1 && Number(raw) <= MAX_LIST_LIMIT)
    .optional()
    .describe(`1 to ${MAX_LIST_LIMIT} (default ${DEFAULT_LIST_LIMIT})`),
});

export function parseListQuery(query: Record<string, unknown>): { state: AttentionState; cursor?: string; limit: number } {
  const { shape } = listQuerySchema;
  const state = shape.state.safeParse(query.state);
  if (!state.success)
    throw new GatewayError(400, 'INVALID_STATE', `state: must be one of ${ATTENTION_STATES.join(', ')}`, { field: 'state' });
  const cursor = shape.cursor.safeParse(query.cursor);
  if (!cursor.success)
    throw new GatewayError(400, 'INVALID_CURSOR', 'cursor: must be the nextCursor of a previous page', { field: 'cursor' });
  const limit = shape.limit.safeParse(query.limit);
  if (!limit.success)
    throw new GatewayError(400, 'INVALID_LIMIT', `limit: must be a whole number from 1 to ${MAX_LIST_LIMIT}`, { field: 'limit' });
  return {
    state: state.data,
    cursor: cursor.data === '' ? undefined : cursor.data,
    limit: limit.data === undefined ? DEFAULT_LIST_LIMIT : Number(limit.data),
  };
}

/** Mounted by the admin router after auth. */
export function accountListRouter(deps: { store: Store; clock: Clock }): Router {
  const router = express.Router();
  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts',
      operationId: 'listAccounts',
      tags: ['accounts'],
      summary: 'Accounts by what needs an operator, from the attention index (upcoming: soonest first)',
      query: listQuerySchema,
      responses: { 200: { description: 'One page', schema: accountListPageSchema } },
      errors: { 400: ['INVALID_STATE', 'INVALID_CURSOR', 'INVALID_LIMIT'] },
    },
    async (req, res) => {
      const { state, cursor, limit } = parseListQuery(req.query as Record<string, unknown>);
      res.json(await listAccounts(deps.store, state, { cursor, limit, now: deps.clock.now() }));
    },
  );
  return router;
}
