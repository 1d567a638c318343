// Admin API error answers: {"error":{"code","message"}} and nothing internal; the one error handler every admin router ends in.
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { GatewayError } from '../domain/errors';
import type { Logger } from '../observability/logger';

export function sendAdminError(res: Response, status: number, code: string, message: string, detail: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ error: { code, message, ...detail } }));
}

/** The error body, with the codes one operation can answer for one status (extra fields such as `field` name the problem). */
export function errorBodySchema(codes: readonly [string, ...string[]]) {
  return z.object({
    error: z
      .object({
        code: z.enum(codes),
        message: z.string(),
        field: z.string().optional().describe('The offending field or parameter (400)'),
      })
      .passthrough(),
  });
}

/**
 * Renders whatever an admin route threw: a GatewayError as itself, express's body-parser refusals by their kind,
 * anything else as 503 UNAVAILABLE (logged, never shown).
 */
export function adminErrorHandler(options: { logger?: Logger; bodyLimitBytes?: number }) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    // An answer already under way cannot become an error answer: express's own handler ends the connection.
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof GatewayError) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause !== undefined) options.logger?.warn({ err: cause, code: error.code }, 'admin request failed');
      sendAdminError(res, error.status, error.code, error.message, error.detail);
      return;
    }
    const bodyError = error as { type?: string; status?: number; limit?: number } | null;
    if (bodyError?.type === 'entity.parse.failed') {
      sendAdminError(res, 400, 'MALFORMED_JSON', 'the body is not valid JSON');
      return;
    }
    if (bodyError?.type === 'entity.too.large') {
      sendAdminError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${options.bodyLimitBytes ?? bodyError.limit} bytes`);
      return;
    }
    if (bodyError?.status && bodyError.status >= 400 && bodyError.status < 500) {
      sendAdminError(res, bodyError.status, 'BAD_REQUEST', 'the request could not be read');
      return;
    }
    options.logger?.error({ err: error }, 'admin request failed');
    sendAdminError(res, 503, 'UNAVAILABLE', 'the admin request could not be completed; try again');
  };
}
