// Express 4 does not pass a rejected promise to the error handler: admin routes written as async functions go through here.
import type { NextFunction, Request, Response } from 'express';

export type AsyncHandler = (req: Request, res: Response) => Promise<void>;

export const wrap =
  (handler: AsyncHandler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
