// Sends notifications: SMTP (nodemailer) and/or a JSON webhook; with neither configured, the log is the channel.
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../observability/logger';
import { safeErrorText } from '../observability/safe-error-text';
import type { DeliveryChannel, Notification } from '../store/outbox-store';

export interface DeliveryOptions {
  /** smtp://user:pass@host:port (query options such as ?ignoreTLS=true are passed to nodemailer). */
  smtpUrl?: string;
  from?: string;
  webhookUrl?: string;
  /** Per channel and attempt; keep it well under the scheduler's delivery lease. */
  timeoutMs?: number;
  logger: Logger;
}

export interface ChannelSender {
  readonly name: DeliveryChannel;
  send(n: Notification): Promise<void>;
  close(): void;
}

export interface DeliveryResult {
  delivered: DeliveryChannel[];
  /** All configured channels now hold it (counting those that already did). */
  complete: boolean;
  /** The failures of this attempt, one line per channel; null when none failed. */
  error: string | null;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_FROM = 'maintenance-gateway@localhost';

/** SMTP connections kept open and shared: notices due at one moment go out over a few connections, not one each. */
const SMTP_POOL_CONNECTIONS = 32;

/**
 * nodemailer reads a `url` transport's options from the URL alone (options beside it are ignored), so the timeouts
 * and the pool go into its query, unless the operator's URL sets them.
 */
function withDefaults(url: string, timeoutMs: number): string {
  const parsed = new URL(url);
  const defaults: Record<string, string> = {
    pool: 'true',
    maxConnections: String(SMTP_POOL_CONNECTIONS),
    connectionTimeout: String(timeoutMs),
    greetingTimeout: String(timeoutMs),
    socketTimeout: String(timeoutMs),
  };
  for (const [name, value] of Object.entries(defaults)) if (!parsed.searchParams.has(name)) parsed.searchParams.set(name, value);
  return parsed.href;
}

interface SocketOptions {
  host?: string;
  port?: number;
  secure?: boolean;
}
type SocketCallback = (error: Error | null, socket?: { connection: net.Socket }) => void;

function connectNoDelay(options: SocketOptions, timeoutMs: number, done: SocketCallback): void {
  // nodemailer's own defaults: localhost, 465 for smtps://, else 587.
  const socket = net.connect({
    host: options.host ?? 'localhost',
    port: Number(options.port) || (options.secure ? 465 : 587),
    noDelay: true,
  });
  let settled = false;
  const finish = (error: Error | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.removeListener('error', finish);
    if (error) {
      socket.destroy();
      done(error);
    } else {
      done(null, { connection: socket });
    }
  };
  const timer = setTimeout(() => finish(new Error('SMTP connection timed out')), timeoutMs);
  socket.once('connect', () => finish(null));
  socket.once('error', finish);
}

class SmtpSender implements ChannelSender {
  readonly name = 'smtp' as const;
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    timeoutMs: number,
  ) {
    this.transport = nodemailer.createTransport(withDefaults(url, timeoutMs));
    // nodemailer's own sockets keep Nagle's algorithm on: the end of each message then waits for the server's delayed
    // ACK (~40 ms a mail on one connection, measured). Its documented getSocket hook hands it sockets without it;
    // TLS (smtps://, STARTTLS) is still negotiated by nodemailer over them.
    // (Not with a proxy: nodemailer reaches the proxy through the same hook.)
    if (!new URL(url).searchParams.has('proxy')) {
      const pool = this.transport.transporter as unknown as { getSocket: (options: SocketOptions, done: SocketCallback) => void };
      pool.getSocket = (options, done) => connectNoDelay(options, timeoutMs, done);
    }
  }

  async send(n: Notification): Promise<void> {
    if (n.recipients.length === 0) throw new Error('no recipients (the account has no super admin email)');
    await this.transport.sendMail({
      from: this.from,
      to: n.recipients,
      subject: n.subject,
      text: n.text,
      // A stable Message-ID lets mail systems drop a duplicate if a crash made us send twice.
      messageId: `<${n.id}@maintenance-gateway>`,
      headers: { 'X-Notification-Id': n.id, 'X-Notification-Kind': n.kind, 'X-Account-Id': n.accountId },
    });
  }

  close(): void {
    this.transport.close();
  }
}

class WebhookSender implements ChannelSender {
  readonly name = 'webhook' as const;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async send(n: Notification): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': n.id },
      body: JSON.stringify({
        id: n.id,
        kind: n.kind,
        accountId: n.accountId,
        migrationId: n.migrationId,
        recipients: n.recipients,
        subject: n.subject,
        text: n.text,
        createdAt: new Date(n.createdAt).toISOString(),
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`answered ${response.status}`);
  }

  close(): void {}
}

/** With no transport configured the notification is written to the log, and that counts as its delivery. */
class LogSender implements ChannelSender {
  readonly name = 'log' as const;
  constructor(private readonly logger: Logger) {}

  async send(n: Notification): Promise<void> {
    this.logger.info(
      { notification: { id: n.id, accountId: n.accountId, kind: n.kind, recipients: n.recipients, subject: n.subject, text: n.text } },
      'notification (no SMTP_URL or NOTIFY_WEBHOOK_URL configured: logged only)',
    );
  }

  close(): void {}
}

export class Delivery {
  readonly channels: readonly ChannelSender[];

  constructor(options: DeliveryOptions) {
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const channels: ChannelSender[] = [];
    if (options.smtpUrl) channels.push(new SmtpSender(options.smtpUrl, options.from ?? DEFAULT_FROM, timeout));
    if (options.webhookUrl) channels.push(new WebhookSender(options.webhookUrl, timeout));
    if (channels.length === 0) channels.push(new LogSender(options.logger));
    this.channels = channels;
  }

  /** Sends to every channel that does not hold it yet; one channel failing does not stop the others. */
  async deliver(n: Notification): Promise<DeliveryResult> {
    const pending = this.channels.filter((c) => !n.delivered.includes(c.name));
    const results = await Promise.allSettled(pending.map((c) => c.send(n)));
    const delivered: DeliveryChannel[] = [];
    const errors: string[] = [];
    results.forEach((result, i) => {
      const channel = pending[i] as ChannelSender;
      if (result.status === 'fulfilled') delivered.push(channel.name);
      else errors.push(`${channel.name}: ${safeErrorText(result.reason)}`);
    });
    return { delivered, complete: errors.length === 0, error: errors.length > 0 ? errors.join('; ') : null };
  }

  close(): void {
    for (const c of this.channels) c.close();
  }
}
