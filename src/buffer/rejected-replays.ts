// SPEC §9 replay_rejected: tells the operator (webhook and/or email) about a replay the receiver refused with 401/403.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../observability/logger';
import { safeErrorText } from '../observability/safe-error-text';
import type { DeadLetter } from '../store/buffer-store';
import { idempotencyKey } from './replayer';

export interface RejectedReplayNotifierOptions {
  /** JSON POST, like the timeline's notifications (NOTIFY_WEBHOOK_URL). */
  webhookUrl?: string;
  /** The operator's address (NOTIFY_OPERATOR_EMAIL), sent through smtpUrl (SMTP_URL). */
  operatorEmail?: string;
  smtpUrl?: string;
  from?: string;
  timeoutMs?: number;
  logger: Logger;
}

export interface RejectedReplayNotifier {
  /** Resolves once every configured channel took it; rejects when one failed (the whole notification is retried). */
  send(letter: DeadLetter): Promise<void>;
  close(): void;
}

export const REPLAY_REJECTED = 'replay_rejected';

/** The notification's id: stable per item, so a repeat after a crash can be dropped by the receiver. */
export function rejectedNotificationId(letter: DeadLetter): string {
  return `${REPLAY_REJECTED}:${letter.item.accountId}:${letter.item.id}`;
}

function describe(letter: DeadLetter): { subject: string; text: string } {
  const { item, answer } = letter;
  const subject = `Replay rejected with HTTP ${answer.status ?? '?'} for account ${item.accountId}`;
  const text = [
    `The upstream refused a buffered ${item.surface} request replayed after the maintenance window:`,
    `HTTP ${answer.status ?? '?'} to ${item.method} ${item.path}${item.query ? `?${item.query}` : ''}.`,
    `Item ${item.id} (Idempotency-Key ${idempotencyKey(item.accountId, item.id)}), received ${new Date(item.receivedAt).toISOString()}, ${answer.attempts} attempt(s).`,
    'It is in the dead letters. A 401/403 usually means the receiver rejects the replay itself: check that it trusts',
    'X-Maintenance-Signature (REPLAY_SIGNING_SECRET) and judges the sender timestamp against X-Maintenance-Original-Received-At,',
    'then re-drive: POST /admin/v1/accounts/<id>/buffer/redrive.',
    answer.bodyExcerpt ? `Answer (excerpt): ${answer.bodyExcerpt.replace(/\s+/g, ' ').slice(0, 300)}` : '',
  ].filter(Boolean);
  return { subject, text: text.join('\n') };
}

export function createRejectedReplayNotifier(options: RejectedReplayNotifierOptions): RejectedReplayNotifier {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const mail: Transporter | null =
    options.operatorEmail && options.smtpUrl
      ? nodemailer.createTransport({
          url: options.smtpUrl,
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        })
      : null;
  if (options.operatorEmail && !options.smtpUrl)
    options.logger.warn('NOTIFY_OPERATOR_EMAIL is set without SMTP_URL: replay_rejected is not emailed');

  return {
    async send(letter) {
      const id = rejectedNotificationId(letter);
      const { subject, text } = describe(letter);
      const sends: Promise<unknown>[] = [];
      if (options.webhookUrl) {
        const url = options.webhookUrl;
        sends.push(
          (async () => {
            const response = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'idempotency-key': id },
              body: JSON.stringify({
                id,
                kind: REPLAY_REJECTED,
                accountId: letter.item.accountId,
                recipients: options.operatorEmail ? [options.operatorEmail] : [],
                subject,
                text,
                item: {
                  id: letter.item.id,
                  surface: letter.item.surface,
                  method: letter.item.method,
                  path: letter.item.path,
                  receivedAt: new Date(letter.item.receivedAt).toISOString(),
                },
                answer: { status: letter.answer.status, attempts: letter.answer.attempts, at: new Date(letter.answer.at).toISOString() },
                createdAt: new Date().toISOString(),
              }),
              signal: AbortSignal.timeout(timeoutMs),
            });
            await response.arrayBuffer().catch(() => undefined);
            if (!response.ok) throw new Error(`webhook answered ${response.status}`);
          })(),
        );
      }
      if (mail && options.operatorEmail) {
        sends.push(
          mail.sendMail({
            from: options.from ?? 'maintenance-gateway@localhost',
            to: options.operatorEmail,
            subject,
            text,
            // A stable Message-ID lets mail systems drop the repeat a crash between send and mark could cause.
            messageId: `<${id.replace(/[^A-Za-z0-9._-]/g, '.')}@maintenance-gateway>`,
            headers: { 'X-Notification-Id': id, 'X-Notification-Kind': REPLAY_REJECTED, 'X-Account-Id': letter.item.accountId },
          }),
        );
      }
      if (sends.length === 0) {
        options.logger.warn(
          { notification: { id, kind: REPLAY_REJECTED, subject, text } },
          'replay_rejected (no NOTIFY_WEBHOOK_URL or NOTIFY_OPERATOR_EMAIL configured: logged only)',
        );
        return;
      }
      const failed = (await Promise.allSettled(sends)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) throw new Error(failed.map((f) => safeErrorText(f.reason)).join('; '));
    },
    close() {
      mail?.close();
    },
  };
}
