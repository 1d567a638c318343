// GET /admin/v1/accounts/:id/preview?at=<ISO-8601>: the preview of one account at a moment (default now). Changes nothing.
import express, { type Router } from 'express';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { accountParams, adminRoute } from '../domain/admin-route';
import { migrationViewSchema } from './account-view';
import { buildPreview, type Preview } from './preview';
import { rescheduleSchema } from './validation';
import { z } from 'zod';

/** The schedule's own date-time rule, so `at` accepts exactly what `start` accepts. */
const isoInstant = rescheduleSchema.shape.start;

/** The `at` query parameter as epoch ms; absent means now. A bad value is a 400 naming the parameter. */
export function parseAt(raw: unknown, now: number): number {
  if (raw === undefined) return now;
  const parsed = isoInstant.safeParse(raw);
  if (!parsed.success) {
    throw new GatewayError(400, 'INVALID_AT', `at: ${parsed.error.issues[0]?.message ?? 'is not a valid date-time'}`, { field: 'at' });
  }
  return parsed.data;
}

/** The JSON form: instants as UTC and local ISO strings only. */
export function previewJson(preview: Preview): Record<string, unknown> {
  return { ...preview, timeline: preview.timeline.map(({ at: _at, ...event }) => event) };
}

const outcomeSchema = z.object({
  action: z.enum(['proxy', 'buffer', 'answer', 'integration', 'bypass', 'unavailable']),
  answer: z.string().nullable(),
  status: z.number().int().nullable(),
});
const timeViewSchema = z.object({ utc: z.string().datetime(), local: z.string().datetime({ offset: true }) });

/** GET /accounts/:id/preview (previewJson of a Preview). */
export const previewJsonSchema = z.object({
  accountId: z.string(),
  at: timeViewSchema,
  timeZone: z.string(),
  phase: migrationViewSchema.shape.phase,
  migration: z.object({ id: z.string(), status: z.string(), start: z.string().datetime(), expectedEnd: z.string().datetime() }).nullable(),
  surfaces: z.array(z.object({ surface: z.string(), read: outcomeSchema, write: outcomeSchema })),
  emailSendAtStart: outcomeSchema.nullable().describe('Scheduling a marketing email to send at the start; null without a migration'),
  timeline: z.array(timeViewSchema.extend({ kind: z.string(), passed: z.boolean() })),
});

/** Mounted by the admin router after auth and the account loader (res.locals.account). */
export function previewRouter(deps: { clock: Clock }): Router {
  const router = express.Router();
  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts/{id}/preview',
      operationId: 'previewAccount',
      tags: ['accounts'],
      summary:
        'What the gateway would do at a moment (default now): the phase, every surface for a read and a write, the timeline in UTC and the account zone. Changes nothing.',
      params: accountParams,
      query: z.object({ at: isoInstant.optional().describe('ISO-8601 with a zone (default now)') }),
      responses: { 200: { description: 'The preview', schema: previewJsonSchema } },
      errors: { 400: ['INVALID_AT'] },
    },
    async (req, res) => {
      const at = parseAt(req.query.at, deps.clock.now());
      res.json(previewJson(buildPreview(res.locals.account as AccountRecord, at)));
    },
  );
  return router;
}
