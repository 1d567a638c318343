// Admin API for the timeline: the notifications outbox and the post-migration checklist of an account.
//
// Mount under /admin/v1 AFTER the admin authentication middleware. That middleware is expected to have
// authenticated the caller, put the actor id in `res.locals.actor` and, for /accounts/:id routes, the
// AccountRecord in `res.locals.account`. When the account is not there the router loads it itself and
// answers 404 ACCOUNT_NOT_FOUND, so it also works mounted on its own (tests), followed by adminErrorHandler, which
// renders the GatewayErrors its routes throw.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { accountParams, adminRoute } from '../domain/admin-route';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import type { Notification } from '../store/outbox-store';
import type { Store } from '../store/types';
import { z } from 'zod';
import { CHECKLIST_ITEMS, checklistItem } from './checklist';

export interface TimelineAdminDeps {
  store: Store;
  clock: Clock;
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

async function loadAccount(deps: TimelineAdminDeps, req: Request, res: Response): Promise<AccountRecord> {
  const fromMiddleware = res.locals.account as AccountRecord | undefined;
  if (fromMiddleware && fromMiddleware.id === req.params.id) return fromMiddleware;
  const account = await deps.store.accounts.get(String(req.params.id));
  if (!account) throw new GatewayError(404, 'ACCOUNT_NOT_FOUND', 'No account with this id.');
  return account;
}

/** A store failure is a 503 naming the store, not the admin API's generic one. */
const STORE_UNAVAILABLE = { code: 'STORE_UNAVAILABLE', message: 'The store could not be reached; try again.' };

const instant = z.string().datetime();
const CHECKLIST_ITEM_IDS = CHECKLIST_ITEMS.map((item) => item.id) as [string, ...string[]];

export const notificationViewSchema = z.object({
  id: z.string(),
  kind: z.string().describe('What the notice is about (scheduled, week_of, day_before, completed, failed, rescheduled, cancelled, …)'),
  recipients: z.array(z.string()),
  subject: z.string(),
  status: z.enum(['pending', 'sent', 'failed', 'void']),
  attempts: z.number().int().min(0),
  createdAt: instant,
  migrationId: z.string().nullable(),
  nextAttemptAt: instant.nullable(),
  sentAt: instant.nullable(),
  lastError: z.string().nullable(),
  channels: z.array(z.string()).describe('Where it went: smtp, webhook, or log when no transport is configured'),
  text: z.string(),
});

const checklistItemSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  done: z.boolean(),
  doneAt: instant.nullable(),
  doneBy: z.string().nullable(),
});

export const checklistViewSchema = z.object({
  open: z.boolean().describe('False until the migration completed: the items are listed, marking them is refused'),
  migrationId: z.string().nullable(),
  openedAt: instant.nullable(),
  items: z.array(checklistItemSchema),
});

/** PATCH body: other fields are ignored. */
export const checklistMarkSchema = z.object({ done: z.boolean() });

export function timelineAdminRouter(deps: TimelineAdminDeps): Router {
  const router = Router();

  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts/{id}/notifications',
      operationId: 'listNotifications',
      tags: ['timeline'],
      summary: "The account's notifications outbox",
      params: accountParams,
      responses: { 200: { description: 'Notifications', schema: z.object({ notifications: z.array(notificationViewSchema) }) } },
      errors: { 503: ['STORE_UNAVAILABLE'] },
    },
    async (req, res) => {
      const account = await loadAccount(deps, req, res);
      const notifications = await deps.store.timeline.outbox.list(account.id);
      res.json({ notifications: notifications.map(notificationView) });
    },
    { unavailable: STORE_UNAVAILABLE },
  );

  /**
   * Before the migration completed the checklist is not open: the items are still listed (so an admin can
   * prepare) with `open: false` and every `done` false; marking them is refused until it opens.
   */
  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts/{id}/checklist',
      operationId: 'getChecklist',
      tags: ['timeline'],
      summary: 'The post-migration checklist (open once the migration completed)',
      params: accountParams,
      responses: { 200: { description: 'The checklist', schema: checklistViewSchema } },
      errors: { 503: ['STORE_UNAVAILABLE'] },
    },
    async (req, res) => {
      const account = await loadAccount(deps, req, res);
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
    },
    { unavailable: STORE_UNAVAILABLE },
  );

  adminRoute(
    router,
    {
      method: 'patch',
      path: '/accounts/{id}/checklist/{item}',
      operationId: 'markChecklistItem',
      tags: ['timeline'],
      summary: 'Mark a checklist item done or not done',
      params: accountParams.extend({
        item: z.enum(CHECKLIST_ITEM_IDS).describe('A checklist item id (404 CHECKLIST_ITEM_NOT_FOUND for any other)'),
      }),
      body: checklistMarkSchema,
      responses: { 200: { description: 'The item', schema: z.object({ item: checklistItemSchema }) } },
      errors: { 404: ['CHECKLIST_ITEM_NOT_FOUND'], 409: ['CHECKLIST_NOT_OPEN'], 503: ['STORE_UNAVAILABLE'] },
    },
    async (req, res) => {
      const account = await loadAccount(deps, req, res);
      const item = checklistItem(String(req.params.item));
      if (!item) {
        throw new GatewayError(
          404,
          'CHECKLIST_ITEM_NOT_FOUND',
          `No checklist item with this id; known: ${CHECKLIST_ITEMS.map((i) => i.id).join(', ')}.`,
        );
      }
      const parsed = checklistMarkSchema.safeParse(req.body);
      if (!parsed.success) throw new GatewayError(400, 'INVALID_BODY', 'Field "done" is required and must be true or false.');
      const { done } = parsed.data;
      const actor = typeof res.locals.actor === 'string' ? res.locals.actor : 'unknown';
      const now = deps.clock.now();
      if (!(await deps.store.timeline.checklists.mark(account.id, item.id, { done, at: now, by: actor }))) {
        throw new GatewayError(409, 'CHECKLIST_NOT_OPEN', 'The post-migration checklist opens when the migration completes.');
      }
      // Every change made through the admin API is in the account's audit trail (who, what, when).
      await deps.store.accounts.appendAudit(account.id, { at: now, actor, action: 'checklist.marked', detail: { item: item.id, done } });
      res.json({ item: { ...item, done, doneAt: done ? iso(now) : null, doneBy: done ? actor : null } });
    },
    { before: [express.json({ limit: '16kb' }), jsonParseFailure], unavailable: STORE_UNAVAILABLE },
  );

  return router;
}

/** Mounted on its own (no admin body parser before it), a body that is not JSON is a 400 like any other malformed body. */
function jsonParseFailure(error: unknown, _req: Request, _res: Response, next: NextFunction): void {
  if ((error as { type?: string } | null)?.type === 'entity.parse.failed') {
    next(new GatewayError(400, 'INVALID_BODY', 'The body must be JSON with a boolean field "done".'));
    return;
  }
  next(error);
}
