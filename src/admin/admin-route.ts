// An admin route and its OpenAPI description in one call: the zod schemas that validate it are the ones the document shows.
import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import type { AnyZodObject, ZodTypeAny } from 'zod';
import { wrap, type AsyncHandler } from './async-handler';

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
