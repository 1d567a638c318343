// A local SMTP sink for the scale benchmark: counts every mail per notification id and notes when it arrived.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkMail {
  notificationId: string;
  accountId: string;
  kind: string;
  /** Date.now() when the whole message had arrived. */
  at: number;
}

export interface SmtpSink {
  url: string;
  mails: SinkMail[];
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(raw);
  return match?.[1]?.trim() ?? '';
}

export async function startSmtpSink(listenPort = 0): Promise<SmtpSink> {
  const mails: SinkMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 1000,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        // Only the headers matter; the text is read and dropped.
        if (head.length < 8192) head += chunk.toString('utf8');
      });
      stream.on('end', () => {
        mails.push({
          notificationId: header(head, 'X-Notification-Id'),
          accountId: header(head, 'X-Account-Id'),
          kind: header(head, 'X-Notification-Kind'),
          at: Date.now(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
