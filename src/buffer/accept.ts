// Accepts a write during the maintenance window: reads the raw body, stores it, and only then answers 202.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { systemClock, type Clock } from '../domain/clock';
import { silentLogger, type Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { BufferedItem, BufferRequest, BufferStore, BufferSurface } from '../store/buffer-store';
import { acceptedAnswer, DEFAULT_ACCEPTED_MESSAGES, notStoredAnswer, sendBufferAnswer, tooLargeAnswer } from './buffer-answers';
import { bufferMetrics, type BufferMetrics } from './buffer-metrics';
import { DEFAULT_HEADER_ALLOW_LIST } from '../domain/http-headers';
import { DEFAULT_BUFFERED_BODY_LIMITS, DEFAULT_IN_FLIGHT_BODY_BYTES } from '../domain/limits';

/** Retry-After of a write that waited for the budget in vain. */
const BUSY_RETRY_AFTER_SECONDS = 5;

export interface BufferAcceptorDeps {
  store: BufferStore;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /** One limit for every surface (tests); `bodyLimits` wins per surface. */
  bodyLimitBytes?: number;
  /** Per-surface limits (config limits.maxBufferedBodyBytes); default DEFAULT_BUFFERED_BODY_LIMITS. */
  bodyLimits?: Partial<Record<BufferSurface, number>>;
  /** Bytes of bodies held at once over all requests (config limits.maxBufferingBytes). */
  inFlightBytes?: number;
  /** How long a write waits for room in that budget, its upload held back, before it gets 503 + Retry-After. */
  budgetWaitMs?: number;
  /** Header names (any case) kept with the item; everything else is dropped (cookies, authorization...). */
  headerAllowList?: readonly string[];
  /** Peers whose X-Forwarded-Host/-Proto/-Port are believed (a load balancer in front); default: none. */
  trustedProxy?: (req: IncomingMessage) => boolean;
  /** The header that may name the account (config account.header): kept, with the account the gateway resolved. */
  accountHeader?: string;
  /** How long the store may take to confirm before the client gets 503 instead. */
  storeTimeoutMs?: number;
  /** Retry-After (seconds) on a 503 when the store could not confirm. */
  retryAfterSeconds?: number;
  messages?: Partial<Record<BufferSurface, string>>;
  /** Called once the item is stored and answered (the timeline uses it for meeting requests); errors are logged only. */
  onAccepted?: (item: BufferedItem) => void | Promise<void>;
}

export interface BufferContext {
  accountId: string;
  surface: BufferSurface;
}

/** Works on Node's request and response: the gateway's hot path runs before Express's router. */
export type BufferAcceptor = (req: IncomingMessage, res: ServerResponse, ctx: BufferContext) => Promise<void>;

type BodyOutcome = { kind: 'body'; body: Buffer } | { kind: 'too_large' } | { kind: 'busy' } | { kind: 'aborted' };

/**
 * The in-flight byte budget shared by every request the acceptor reads (bounded memory whatever the concurrency).
 * A request that does not fit waits its turn (first come, first served) with its body unread: TCP holds the client
 * back, so nothing is uploaded twice and the process holds no more than the budget.
 */
export class BodyBudget {
  private used = 0;
  private readonly queue: { bytes: number; grant: () => void }[] = [];
  constructor(readonly max: number) {}

  /** Takes `bytes` from the budget, waiting at most `waitMs` for them; false (nothing taken) when the wait ran out. */
  take(bytes: number, waitMs: number): Promise<boolean> {
    if (this.queue.length === 0 && this.used + bytes <= this.max) {
      this.used += bytes;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(entry), 1);
        resolve(false);
        // The one that gave up may have been blocking smaller requests behind it.
        this.pump();
      }, waitMs);
      this.queue.push(entry);
    });
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0 && this.used + this.queue[0].bytes <= this.max) {
      const next = this.queue.shift() as { bytes: number; grant: () => void };
      this.used += next.bytes;
      next.grant();
    }
  }

  get inUse(): number {
    return this.used;
  }

  get waiting(): number {
    return this.queue.length;
  }
}

/** Bytes taken from the budget by one request; given back once the body is stored (or refused). */
interface Reservation {
  bytes: number;
}

/** A body without a declared length reserves in steps of this size as it arrives. */
const CHUNKED_STEP_BYTES = 1024 * 1024;

/**
 * Reads the whole body, giving up as soon as it passes the limit, the budget stays spent for `waitMs`, or the client
 * goes away. A declared Content-Length is reserved before a byte is read; a chunked body reserves as it comes,
 * pausing the upload while it waits.
 */
async function readBody(req: IncomingMessage, limit: number, budget: BodyBudget, held: Reservation, waitMs: number): Promise<BodyOutcome> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return { kind: 'too_large' };
  if (Number.isFinite(declared) && declared > 0) {
    if (!(await budget.take(declared, waitMs))) return { kind: 'busy' };
    held.bytes = declared;
  }
  if (req.complete && req.readableEnded) return { kind: 'body', body: Buffer.alloc(0) };
  // Gone before we started reading (the gateway was loading the account, or we waited for the budget): 'aborted' and
  // 'close' have fired already, so the listeners below would wait forever, holding the request.
  if (req.destroyed && !req.complete) return { kind: 'aborted' };
  return new Promise((resolve) => {
    // With a declared length the body is copied once into its final buffer: no chunk list plus a concatenated copy.
    const whole = Number.isFinite(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
      req.off('close', onClose);
      resolve(outcome);
    };
    const refuse = (outcome: BodyOutcome) => {
      chunks.length = 0;
      finish(outcome);
    };
    const keep = (chunk: Buffer) => {
      if (whole) chunk.copy(whole, size - chunk.length);
      else chunks.push(chunk);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return refuse({ kind: 'too_large' });
      if (size <= held.bytes) return keep(chunk);
      // Chunked: wait for the next step of the budget with the upload paused.
      const step = Math.min(Math.max(size - held.bytes, CHUNKED_STEP_BYTES), limit - held.bytes);
      req.pause();
      budget.take(step, waitMs).then(
        (ok) => {
          if (!ok) return refuse({ kind: 'busy' });
          held.bytes += step;
          if (settled) return;
          keep(chunk);
          req.resume();
        },
        () => refuse({ kind: 'busy' }),
      );
    };
    const onEnd = () => finish({ kind: 'body', body: whole ? whole.subarray(0, size) : Buffer.concat(chunks, size) });
    const onAbort = () => finish({ kind: 'aborted' });
    const onClose = () => {
      if (!req.complete) finish({ kind: 'aborted' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
    req.on('close', onClose);
  });
}

/**
 * Reads and drops what is left of the body; resolves when it ended, the client went away, or more than `capBytes`
 * were dropped (a client sending far more is then cut off with the answer rather than read to the end).
 */
function drain(req: IncomingMessage, capBytes = Infinity): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let dropped = 0;
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > capBytes) done();
    };
    const done = () => {
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    req.on('data', onData);
    req.on('end', done);
    req.on('close', done);
    req.on('error', done);
    req.resume();
  });
}

interface HeaderPolicy {
  allow: ReadonlySet<string>;
  trustedProxy: (req: IncomingMessage) => boolean;
  accountHeader: string | null;
}

/**
 * The headers kept for replay, shaped like the proxy would forward them: X-Forwarded-For gets the real peer appended;
 * X-Forwarded-Host/-Proto/-Port are the gateway's own view unless the peer is a trusted proxy; the account header
 * carries the account the gateway resolved, never a value it ignored.
 */
function pickHeaders(req: IncomingMessage, policy: HeaderPolicy, accountId: string): Record<string, string> {
  const { allow } = policy;
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (value === undefined || !allow.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const peer = req.socket?.remoteAddress;
  if (allow.has('x-forwarded-for') && peer) {
    kept['x-forwarded-for'] = kept['x-forwarded-for'] ? `${kept['x-forwarded-for']}, ${peer}` : peer;
  }
  if (!policy.trustedProxy(req)) {
    const own: Record<string, string | undefined> = {
      'x-forwarded-host': req.headers.host,
      'x-forwarded-proto': (req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http',
      'x-forwarded-port': req.socket?.localPort ? String(req.socket.localPort) : undefined,
    };
    for (const [name, value] of Object.entries(own)) {
      if (!allow.has(name)) continue;
      if (value === undefined) delete kept[name];
      else kept[name] = value;
    }
  }
  if (policy.accountHeader && kept[policy.accountHeader] !== undefined) kept[policy.accountHeader] = accountId;
  return kept;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store did not confirm within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createBufferAcceptor(deps: BufferAcceptorDeps): BufferAcceptor {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const limits: Record<BufferSurface, number> = { ...DEFAULT_BUFFERED_BODY_LIMITS };
  if (deps.bodyLimitBytes !== undefined) for (const s of Object.keys(limits) as BufferSurface[]) limits[s] = deps.bodyLimitBytes;
  Object.assign(limits, deps.bodyLimits);
  // Never below the largest single body, or such a body could never be accepted.
  const budget = new BodyBudget(Math.max(deps.inFlightBytes ?? DEFAULT_IN_FLIGHT_BODY_BYTES, ...Object.values(limits)));
  const accountHeader = deps.accountHeader?.toLowerCase() ?? null;
  const allow = new Set(
    [...(deps.headerAllowList ?? DEFAULT_HEADER_ALLOW_LIST), ...(accountHeader ? [accountHeader] : [])].map((h) => h.toLowerCase()),
  );
  const headerPolicy: HeaderPolicy = { allow, trustedProxy: deps.trustedProxy ?? (() => false), accountHeader };
  const storeTimeoutMs = deps.storeTimeoutMs ?? 5000;
  const budgetWaitMs = deps.budgetWaitMs ?? 30_000;
  const retryAfter = deps.retryAfterSeconds ?? 5;
  const messages = { ...DEFAULT_ACCEPTED_MESSAGES, ...deps.messages };
  const metrics: BufferMetrics | null = deps.metrics ? bufferMetrics(deps.metrics.registry) : null;

  return async (req, res, ctx) => {
    const held: Reservation = { bytes: 0 };
    try {
      await accept(req, res, ctx, held);
    } finally {
      budget.give(held.bytes);
    }
  };

  async function accept(req: IncomingMessage, res: ServerResponse, ctx: BufferContext, held: Reservation): Promise<void> {
    const receivedAt = clock.now();
    const limit = limits[ctx.surface];
    const outcome = await readBody(req, limit, budget, held, budgetWaitMs);
    if (outcome.kind === 'aborted') {
      logger.info({ accountId: ctx.accountId, surface: ctx.surface }, 'client went away mid-upload: nothing buffered');
      return;
    }
    if (outcome.kind === 'too_large') {
      // A client still uploading when the answer and the connection's end come may see a cut connection (EPIPE)
      // instead of the 413: read and drop a body up to four times the limit first, so the refusal is heard.
      const declared = Number(req.headers['content-length']);
      if (!(declared > 4 * limit)) await drain(req, 4 * limit);
      // Names the setting an operator would raise, next to the size the message already gives.
      sendBufferAnswer(req, res, tooLargeAnswer(limit, `limits.maxBufferedBodyBytes.${ctx.surface}`));
      return;
    }
    if (outcome.kind === 'busy') {
      logger.warn(
        {
          accountId: ctx.accountId,
          surface: ctx.surface,
          inFlightBytes: budget.inUse,
          max: budget.max,
          waiting: budget.waiting,
          waitedMs: budgetWaitMs,
        },
        'no room in the buffer in-flight byte budget: answered 503',
      );
      // The rest of the body is read and dropped (it costs no memory) before answering: a client still uploading
      // when the answer and the connection's end came would see its upload cut off (EPIPE) instead of the 503.
      await drain(req);
      sendBufferAnswer(req, res, notStoredAnswer(BUSY_RETRY_AFTER_SECONDS));
      return;
    }
    // req.url, not originalUrl: it is what the proxy forwards (normalised by the gateway, relative to its mount point).
    const url = req.url || '/';
    const queryAt = url.indexOf('?');
    const contentType = req.headers['content-type'];
    const request: BufferRequest = {
      accountId: ctx.accountId,
      surface: ctx.surface,
      method: req.method ?? 'POST',
      path: queryAt === -1 ? url : url.slice(0, queryAt),
      query: queryAt === -1 ? '' : url.slice(queryAt + 1),
      headers: pickHeaders(req, headerPolicy, ctx.accountId),
      body: outcome.body,
      contentType: contentType ?? null,
      receivedAt,
    };
    let item: BufferedItem;
    try {
      item = await withTimeout(deps.store.append(request), storeTimeoutMs);
    } catch (err) {
      // Never 202 what the store did not confirm. A write that times out may still land: the client retries,
      // and the duplicate is replayed with its own Idempotency-Key (at-least-once, never lost).
      logger.warn(
        { accountId: ctx.accountId, surface: ctx.surface, err: (err as Error).message },
        'buffer store did not confirm: answered 503',
      );
      sendBufferAnswer(req, res, notStoredAnswer(retryAfter));
      return;
    }
    metrics?.buffered.inc({ surface: ctx.surface });
    sendBufferAnswer(req, res, acceptedAnswer(item.id, messages[ctx.surface]));
    if (deps.onAccepted) {
      try {
        await deps.onAccepted(item);
      } catch (err) {
        logger.error({ accountId: ctx.accountId, itemId: item.id, err: (err as Error).message }, 'onAccepted hook failed');
      }
    }
  }
}
