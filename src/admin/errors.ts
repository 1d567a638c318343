// Admin API error answers: {"error":{"code","message"}} and nothing internal.
import type { Response } from 'express';

export function sendAdminError(res: Response, status: number, code: string, message: string, detail: Record<string, unknown> = {}): void {
  res.status(status).type('application/json').send(JSON.stringify({ error: { code, message, ...detail } }));
}
