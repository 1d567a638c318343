// GET /admin/v1/accounts/:id/preview?at=<ISO-8601>: the preview of one account at a moment (default now). Changes nothing.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { buildPreview, type Preview } from './preview';
import { rescheduleSchema } from './validation';

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

/** Mounted by the admin router after auth and the account loader (res.locals.account). */
export function previewRouter(deps: { clock: Clock }): Router {
  const router = express.Router();
  router.get('/accounts/:id/preview', (req: Request, res: Response, next: NextFunction) => {
    try {
      const at = parseAt(req.query.at, deps.clock.now());
      res.json(previewJson(buildPreview(res.locals.account as AccountRecord, at)));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
