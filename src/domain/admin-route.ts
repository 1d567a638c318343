// The one way an admin route is written, shared by every router under /admin/v1 (admin and the parts that mount there):
// an async handler whose rejection reaches the admin error handler, and the OpenAPI description of the route in the
// same call, so the zod schemas that validate it are the ones the document shows. Here, at the bottom, because the
// parts (buffer, timeline, integrations, security) sit below admin/ and may not import it.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z, type AnyZodObject, type ZodTypeAny } from 'zod';
import { ACCOUNT_ID_PATTERN } from './account';
import { GatewayError } from './errors';

/** The `:id` of every /accounts/{id} route; the admin router checks it (400 INVALID_ACCOUNT_ID) before any of them runs. */
export const accountParams = z.object({
  id: z.string().regex(ACCOUNT_ID_PATTERN).describe('Account id: 1-64 letters, digits, ".", "-" or "_"'),
});

export type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<void>;

/**
 * Express 4 does not pass a rejected promise to the error handler, so every admin route goes through here.
 * `unavailable`: what a failure that is not a GatewayError (a store that cannot be read) is answered with instead of
 * the admin API's generic 503 UNAVAILABLE; the original error is kept as its `cause` for the log.
 */
export const wrap =
  (handler: AsyncHandler, unavailable?: { code: string; message: string }) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res, next).catch((error: unknown) => {
      if (unavailable && !(error instanceof GatewayError)) {
        next(Object.assign(new GatewayError(503, unavailable.code, unavailable.message), { cause: error }));
        return;
      }
      next(error);
    });
  };

export type AdminMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

export interface AdminOperation {
  method: AdminMethod;
  /** Relative to /admin/v1, in OpenAPI syntax (`/accounts/{id}`); express gets `:id`. */
  path: string;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** Served without the bearer token (only the document itself). */
  open?: boolean;
  params?: AnyZodObject;
  query?: AnyZodObject;
  headers?: AnyZodObject;
  /** The JSON request body, as the route parses it. */
  body?: ZodTypeAny;
  /** Success answers by status; no schema means no body (204). */
  responses: Record<number, { description: string; schema?: ZodTypeAny }>;
  /** The error codes the route itself answers, by status; the admin API's common ones (auth, account, body, store) are added. */
  errors?: Record<number, string[]>;
}

const OPERATIONS = new WeakMap<Router, AdminOperation[]>();

/** Mounts `handler` (through the one async wrapper) and records the operation for the OpenAPI document. */
export function adminRoute(
  router: Router,
  operation: AdminOperation,
  handler: AsyncHandler,
  options: { before?: (RequestHandler | ErrorRequestHandler)[]; unavailable?: { code: string; message: string } } = {},
): void {
  const expressPath = operation.path.replace(/\{(\w+)\}/g, ':$1');
  router[operation.method](expressPath, ...(options.before ?? []), wrap(handler, options.unavailable));
  OPERATIONS.set(router, [...operationsOf(router), operation]);
}

/** The operations mounted on a router with adminRoute, in mounting order. */
export function operationsOf(router: Router): AdminOperation[] {
  return OPERATIONS.get(router) ?? [];
}
