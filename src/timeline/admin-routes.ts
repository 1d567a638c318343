// Admin API for the timeline: the notifications outbox and the post-migration checklist of an account.
//
// Mount under /admin/v1 AFTER the admin authentication middleware. That middleware is expected to have
// authenticated the caller, put the actor id in `res.locals.actor` and, for /accounts/:id routes, the
// AccountRecord in `res.locals.account`. When the account is not there the router loads it itself and
// answers 404 ACCOUNT_NOT_FOUND, so it also works mounted on its own (tests).
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { Notification } from '../store/outbox-store';
import type { Store } from '../store/types';
import { CHECKLIST_ITEMS, checklistItem } from './checklist';

export interface TimelineAdminDeps {
  store: Store;
  clock: Clock;
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function notificationView(n: Notification) {
  return {
    id: n.id,
    kind: n.kind,
    recipients: n.recipients,
    subject: n.subject,
    status: n.status,
    attempts: n.attempts,
    createdAt: iso(n.createdAt),
    migrationId: n.migrationId,
    nextAttemptAt: n.status === 'pending' ? iso(n.nextAttemptAt) : null,
    sentAt: iso(n.sentAt),
    lastError: n.lastError,
    channels: n.delivered,
    text: n.text,
  };
}

async function loadAccount(deps: TimelineAdminDeps, req: Request, res: Response): Promise<AccountRecord | null> {
  const fromMiddleware = res.locals.account as AccountRecord | undefined;
  if (fromMiddleware && fromMiddleware.id === req.params.id) return fromMiddleware;
  const account = await deps.store.accounts.get(String(req.params.id));
  if (!account) sendError(res, 404, 'ACCOUNT_NOT_FOUND', 'No account with this id.');
  return account;
}

/** Wraps an async handler so a store failure becomes a 503 JSON error instead of an unhandled rejection. */
function handle(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response): void => {
    fn(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 503, 'STORE_UNAVAILABLE', 'The store could not be reached; try again.');
    });
  };
}

export function timelineAdminRouter(deps: TimelineAdminDeps): Router {
  const router = Router();

  router.get(
    '/accounts/:id/notifications',
    handle(async (req, res) => {
      const account = await loadAccount(deps, req, res);
      if (!account) return;
      const notifications = await deps.store.timeline.outbox.list(account.id);
      res.json({ notifications: notifications.map(notificationView) });
    }),
  );

  /**
   * Before the migration completed the checklist is not open: the items are still listed (so an admin can
   * prepare) with `open: false` and every `done` false; marking them is refused until it opens.
   */
  router.get(
    '/accounts/:id/checklist',
    handle(async (req, res) => {
      const account = await loadAccount(deps, req, res);
      if (!account) return;
      const state = await deps.store.timeline.checklists.get(account.id);
      res.json({
        open: state !== null,
        migrationId: state?.migrationId ?? null,
        openedAt: iso(state?.openedAt ?? null),
        items: CHECKLIST_ITEMS.map((item) => {
          const mark = state?.marks[item.id];
          return { ...item, done: mark?.done ?? false, doneAt: mark?.done ? iso(mark.at) : null, doneBy: mark?.done ? mark.by : null };
        }),
      });
    }),
  );

  router.patch(
    '/accounts/:id/checklist/:item',
    express.json({ limit: '16kb' }),
    handle(async (req, res) => {
      const account = await loadAccount(deps, req, res);
      if (!account) return;
      const item = checklistItem(String(req.params.item));
      if (!item) {
        sendError(res, 404, 'CHECKLIST_ITEM_NOT_FOUND', `No checklist item with this id; known: ${CHECKLIST_ITEMS.map((i) => i.id).join(', ')}.`);
        return;
      }
      const body: unknown = req.body;
      const done = body && typeof body === 'object' ? (body as Record<string, unknown>).done : undefined;
      if (typeof done !== 'boolean') {
        sendError(res, 400, 'INVALID_BODY', 'Field "done" is required and must be true or false.');
        return;
      }
      const actor = typeof res.locals.actor === 'string' ? res.locals.actor : 'unknown';
      const now = deps.clock.now();
      if (!(await deps.store.timeline.checklists.mark(account.id, item.id, { done, at: now, by: actor }))) {
        sendError(res, 409, 'CHECKLIST_NOT_OPEN', 'The post-migration checklist opens when the migration completes.');
        return;
      }
      // Every change made through the admin API is in the account's audit trail (who, what, when).
      await deps.store.accounts.appendAudit(account.id, { at: now, actor, action: 'checklist.marked', detail: { item: item.id, done } });
      res.json({ item: { ...item, done, doneAt: done ? iso(now) : null, doneBy: done ? actor : null } });
    }),
  );

  // A body that is not JSON at all: 400 like any other malformed body, not the default HTML error page.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if ((error as { type?: string } | null)?.type === 'entity.parse.failed') {
      sendError(res, 400, 'INVALID_BODY', 'The body must be JSON with a boolean field "done".');
      return;
    }
    next(error);
  });

  return router;
}
