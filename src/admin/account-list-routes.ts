// GET /admin/v1/accounts?state=<in_window|upcoming|suspended|dead_letters>&cursor=&limit=: the operator's lists.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { ATTENTION_STATES, isAttentionState, type AttentionState } from '../store/attention-store';
import type { Store } from '../store/types';
import { DEFAULT_LIST_LIMIT, listAccounts, MAX_LIST_LIMIT } from './account-list';

export function parseListQuery(query: Record<string, unknown>): { state: AttentionState; cursor?: string; limit: number } {
  const { state, cursor, limit } = query;
  if (!isAttentionState(state)) {
    throw new GatewayError(400, 'INVALID_STATE', `state: must be one of ${ATTENTION_STATES.join(', ')}`, { field: 'state' });
  }
  if (cursor !== undefined && typeof cursor !== 'string') {
    throw new GatewayError(400, 'INVALID_CURSOR', 'cursor: must be the nextCursor of a previous page', { field: 'cursor' });
  }
  let parsedLimit = DEFAULT_LIST_LIMIT;
  if (limit !== undefined) {
    parsedLimit = typeof limit === 'string' && /^[0-9]{1,4}$/.test(limit) ? Number(limit) : NaN;
    if (!(parsedLimit >= 1 && parsedLimit <= MAX_LIST_LIMIT)) {
      throw new GatewayError(400, 'INVALID_LIMIT', `limit: must be a whole number from 1 to ${MAX_LIST_LIMIT}`, { field: 'limit' });
    }
  }
  return { state, cursor: cursor === '' ? undefined : cursor, limit: parsedLimit };
}

/** Mounted by the admin router after auth. */
export function accountListRouter(deps: { store: Store; clock: Clock }): Router {
  const router = express.Router();
  router.get('/accounts', (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(async () => {
        const { state, cursor, limit } = parseListQuery(req.query as Record<string, unknown>);
        res.json(await listAccounts(deps.store, state, { cursor, limit, now: deps.clock.now() }));
      })
      .catch(next);
  });
  return router;
}
