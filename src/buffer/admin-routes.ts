// Admin API for the buffer: what waits, what died and why (GET /accounts/:id/buffer), and re-drive of dead letters.
//
// Mounted by the admin router under /admin/v1, AFTER its auth middleware and after the middleware that loads the
// account: these routes assume `res.locals.account` holds the AccountRecord (an unknown account was already
// answered 404 there), so they never see an unauthenticated request or a missing account.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { accountParams, adminRoute } from '../domain/admin-route';
import type { AccountRecord } from '../domain/account';
import { GatewayError } from '../domain/errors';
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

function accountIdOf(req: Request, res: Response): string {
  const record = res.locals.account as AccountRecord | undefined;
  return record?.id ?? req.params.id;
}

/** A store failure is a 503 naming the buffer store, not the admin API's generic one. */
const STORE_UNAVAILABLE = { code: 'STORE_UNAVAILABLE', message: 'the buffer store could not be read; try again shortly' };

const count = z.number().int().min(0);
const instant = z.string().datetime();
const countsBySurface = z.record(z.string(), count);

const itemViewSchema = z.object({
  id: z.string(),
  surface: z.string(),
  method: z.string(),
  path: z.string(),
  query: z.string(),
  contentType: z.string().nullable(),
  bytes: count,
  receivedAt: instant,
  replayed: z.boolean().describe('False for meeting requests: kept and emailed to the link owner, never replayed (SPEC §9)'),
});

/** GET /accounts/:id/buffer. */
export const bufferViewSchema = z.object({
  accountId: z.string(),
  depth: count,
  counts: z.object({ waiting: countsBySurface, dead: countsBySurface }),
  oldestItemAt: instant.nullable(),
  replay: z.object({
    inProgress: z.boolean(),
    owner: z.string().nullable(),
    accepted: count,
    replayed: count,
    deadLettered: count,
    redriven: count,
    remaining: count,
  }),
  deadLetterCount: count,
  deadLetters: z.array(
    itemViewSchema.extend({
      answer: z.object({
        status: z.number().int().nullable(),
        body: z.string().nullable(),
        error: z.string().nullable(),
        attempts: count,
        at: instant.nullable(),
      }),
    }),
  ),
  items: z.array(itemViewSchema),
  meetingRequests: z.object({ waiting: count, kept: count, note: z.string(), items: z.array(itemViewSchema) }),
  nextAfter: z.string().nullable().describe('Pass as `after` for the next page'),
});

export const bufferQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,5}$/)
    .refine((raw) => Number(raw) >= 1 && Number(raw) <= MAX_LIMIT)
    .optional()
    .describe(`Items per page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`),
  after: z.string().regex(ITEM_ID).optional().describe('nextAfter of the previous page'),
});

function parseLimit(raw: unknown): number {
  const parsed = bufferQuerySchema.shape.limit.safeParse(raw);
  if (!parsed.success) throw new GatewayError(400, 'INVALID_LIMIT', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return parsed.data === undefined ? DEFAULT_LIMIT : Number(parsed.data);
}

function parseAfter(raw: unknown): string | undefined {
  const parsed = bufferQuerySchema.shape.after.safeParse(raw);
  if (!parsed.success) throw new GatewayError(400, 'INVALID_AFTER', 'after must be an item id from a previous page');
  return parsed.data;
}

export function bufferAdminRouter(deps: BufferAdminDeps): Router {
  const router = express.Router({ mergeParams: true });

  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts/{id}/buffer',
      operationId: 'getBuffer',
      tags: ['buffer'],
      summary: 'What is buffered: counts per surface, oldest item, replay progress, dead letters, a page of items (no bodies)',
      params: accountParams,
      query: bufferQuerySchema,
      responses: { 200: { description: 'The buffer', schema: bufferViewSchema } },
      errors: { 400: ['INVALID_LIMIT', 'INVALID_AFTER'], 503: ['STORE_UNAVAILABLE'] },
    },
    async (req, res) => {
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
    },
    { unavailable: STORE_UNAVAILABLE },
  );

  adminRoute(
    router,
    {
      method: 'post',
      path: '/accounts/{id}/buffer/redrive',
      operationId: 'redriveBuffer',
      tags: ['buffer'],
      summary: 'Put dead letters back in the replay queue',
      params: accountParams,
      responses: { 200: { description: 'How many were re-driven', schema: z.object({ accountId: z.string(), redriven: count }) } },
      errors: { 503: ['STORE_UNAVAILABLE'] },
    },
    async (req, res) => {
      const accountId = accountIdOf(req, res);
      const redriven = await deps.store.redrive(accountId);
      if (redriven > 0) {
        deps.nudge?.(accountId);
        await deps.audit?.(accountId, (res.locals.actor as string | undefined) ?? 'operator', 'buffer.redriven', { redriven });
      }
      deps.logger?.info({ accountId, redriven, actor: res.locals.actor as string | undefined }, 'dead letters re-driven');
      res.json({ accountId, redriven });
    },
    { unavailable: STORE_UNAVAILABLE },
  );

  return router;
}

/** The `buffered` field of GET /admin/v1/accounts/:id. */
export const bufferedExtraSchema = z.object({ waiting: count, deadLetters: count, bySurface: countsBySurface, meetingRequestsKept: count });

/** The `buffered` field of GET /admin/v1/accounts/:id (an AccountExtras for the admin router). */
export function bufferAccountExtras(store: BufferStore): (record: AccountRecord) => Promise<Record<string, unknown>> {
  return async (record) => {
    const stats = await store.stats(record.id);
    const dead = Object.values(stats.deadBySurface).reduce((a, n) => a + n, 0);
    return {
      buffered: {
        waiting: stats.depth,
        deadLetters: dead,
        bySurface: stats.pendingBySurface,
        meetingRequestsKept: stats.keptBySurface.meeting,
      },
    };
  };
}
