// The one way an admin route is written: an async function whose rejection (a GatewayError or not) reaches the admin error handler.
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../domain/errors';

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
