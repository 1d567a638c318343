// Admin API for the buffer: what waits, what died and why (GET /accounts/:id/buffer), and re-drive of dead letters.
//
// Mounted by the admin router under /admin/v1, AFTER its auth middleware and after the middleware that loads the
// account: these routes assume `res.locals.account` holds the AccountRecord (an unknown account was already
// answered 404 there), so they never see an unauthenticated request or a missing account.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AccountRecord } from '../domain/account';
import { sendAdminError } from '../admin/errors';
import type { Logger } from '../observability/logger';
import type { BufferedItemSummary, BufferStore } from '../store/buffer-store';

export interface BufferAdminDeps {
  store: BufferStore;
  /** Called after a re-drive so the replay starts at once (Replayer.nudge). */
  nudge?: (accountId: string) => void;
  logger?: Logger;
  /** Appends to the account's audit trail (every admin change is recorded there). */
  audit?: (accountId: string, actor: string, action: string, detail: Record<string, unknown>) => Promise<void>;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const ITEM_ID = /^[0-9]+(-[0-9]+)?$/;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function itemView(item: BufferedItemSummary): Record<string, unknown> {
  return {
    id: item.id,
    surface: item.surface,
    method: item.method,
    path: item.path,
    query: item.query,
    contentType: item.contentType,
    bytes: item.bytes,
    receivedAt: iso(item.receivedAt),
    // SPEC §9: meeting requests are kept and emailed to the link owner, never replayed to the upstream.
    replayed: item.surface !== 'meeting',
  };
}

class BadRequest extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = typeof raw === 'string' && /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw new BadRequest('INVALID_LIMIT', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return limit;
}

function parseAfter(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !ITEM_ID.test(raw)) throw new BadRequest('INVALID_AFTER', 'after must be an item id from a previous page');
  return raw;
}

function accountIdOf(req: Request, res: Response): string {
  const record = res.locals.account as AccountRecord | undefined;
  return record?.id ?? req.params.id;
}

type Handler = (req: Request, res: Response) => Promise<void>;

export function bufferAdminRouter(deps: BufferAdminDeps): Router {
  const router = express.Router({ mergeParams: true });
  const wrap =
    (handler: Handler) =>
    (req: Request, res: Response, _next: NextFunction): void => {
      handler(req, res).catch((err: unknown) => {
        if (err instanceof BadRequest) {
          sendAdminError(res, 400, err.code, err.message);
          return;
        }
        deps.logger?.warn({ err: (err as Error).message, path: req.path }, 'buffer admin: store unavailable');
        sendAdminError(res, 503, 'STORE_UNAVAILABLE', 'the buffer store could not be read; try again shortly');
      });
    };

  router.get(
    '/accounts/:id/buffer',
    wrap(async (req, res) => {
      const limit = parseLimit(req.query.limit);
      const after = parseAfter(req.query.after);
      const accountId = accountIdOf(req, res);
      const [stats, dead, page, kept] = await Promise.all([
        deps.store.stats(accountId),
        deps.store.deadLetters(accountId, limit),
        // Summaries: a page of 10 MiB uploads must not be read into the process to be listed.
        deps.store.pendingSummaries(accountId, { limit: limit + 1, after }),
        deps.store.kept(accountId, limit),
      ]);
      const items = page.slice(0, limit).map(itemView);
      const deadCount = Object.values(stats.deadBySurface).reduce((a, n) => a + n, 0);
      res.json({
        accountId,
        depth: stats.depth,
        counts: { waiting: stats.pendingBySurface, dead: stats.deadBySurface },
        oldestItemAt: iso(stats.oldestReceivedAt),
        replay: {
          inProgress: stats.lease !== null,
          owner: stats.lease?.owner ?? null,
          accepted: stats.accepted,
          replayed: stats.replayed,
          deadLettered: stats.deadLettered,
          redriven: stats.redriven,
          remaining: stats.depth,
        },
        deadLetterCount: deadCount,
        deadLetters: dead.map((d) => ({
          ...itemView(d.item),
          answer: {
            status: d.answer.status,
            body: d.answer.bodyExcerpt,
            error: d.answer.error,
            attempts: d.answer.attempts,
            at: iso(d.answer.at),
          },
        })),
        items,
        // Apart from what is replayed: waiting ones are still in `items` (replayed: false) until the window closes.
        meetingRequests: {
          waiting: stats.pendingBySurface.meeting,
          kept: stats.keptBySurface.meeting,
          note: 'Meeting requests are not replayed to the upstream: they are kept and emailed to the link owner after the window.',
          items: kept.map(itemView),
        },
        nextAfter: page.length > limit ? (items[items.length - 1].id as string) : null,
      });
    }),
  );

  router.post(
    '/accounts/:id/buffer/redrive',
    wrap(async (req, res) => {
      const accountId = accountIdOf(req, res);
      const redriven = await deps.store.redrive(accountId);
      if (redriven > 0) {
        deps.nudge?.(accountId);
        await deps.audit?.(accountId, (res.locals.actor as string | undefined) ?? 'operator', 'buffer.redriven', { redriven });
      }
      deps.logger?.info({ accountId, redriven, actor: res.locals.actor as string | undefined }, 'dead letters re-driven');
      res.json({ accountId, redriven });
    }),
  );

  return router;
}

/** The `buffered` field of GET /admin/v1/accounts/:id (an AccountExtras for the admin router). */
export function bufferAccountExtras(store: BufferStore): (record: AccountRecord) => Promise<Record<string, unknown>> {
  return async (record) => {
    const stats = await store.stats(record.id);
    const dead = Object.values(stats.deadBySurface).reduce((a, n) => a + n, 0);
    return {
      buffered: { waiting: stats.depth, deadLetters: dead, bySurface: stats.pendingBySurface, meetingRequestsKept: stats.keptBySurface.meeting },
    };
  };
}
