// Defaults of limits that several parts apply (the configuration, the buffer, the answers) in one place.
import type { BufferSurface } from './surfaces';

/** Largest buffered body of the surfaces without their own limit (SPEC §9: 1 MiB). */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** SPEC §9 buffered body limits: file uploads go through forms; everything else stays small. */
export const DEFAULT_BUFFERED_BODY_LIMITS: Readonly<Record<BufferSurface, number>> = {
  form: 10 * 1024 * 1024,
  meeting: DEFAULT_BODY_LIMIT_BYTES,
  analytics: DEFAULT_BODY_LIMIT_BYTES,
  inbound: DEFAULT_BODY_LIMIT_BYTES,
};

/**
 * Bytes of request bodies the acceptor may hold at once, over all requests: 100 concurrent 10 MiB uploads would
 * otherwise sit in the process as 1 GiB (and each in-flight byte costs about two: ioredis serialises the command
 * into one more buffer). Past it a write waits, unread, for room; after budgetWaitMs it gets 503 + Retry-After
 * (nothing stored). See bench/buffer-uploads.ts.
 */
export const DEFAULT_IN_FLIGHT_BODY_BYTES = 64 * 1024 * 1024;

/** Retry-After's ceiling unless configured (`limits.maxRetryAfterSeconds`): clients resume soon after an early end. */
export const DEFAULT_MAX_RETRY_AFTER_SECONDS = 900;
