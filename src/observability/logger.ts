// JSON logs (pino). Secrets are redacted by path; callers never put tokens in messages.
import pino, { type Logger } from 'pino';

export type { Logger };

/** `level` is the parsed LOG_LEVEL on the server (default info); the logger never reads the environment itself. */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'maintenance-gateway' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'token',
          'bypassToken',
          'req.headers["x-maintenance-bypass"]',
          'headers["x-maintenance-bypass"]',
          '*.password',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

/** A logger that writes nothing: the default for createGateway() in a user's test suite. */
export const silentLogger: Logger = pino({ level: 'silent' });
