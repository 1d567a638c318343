// Replays each account's buffer to its upstream once the window has closed: in order, under a fenced lease, with retries and dead letters.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { windowOpen } from '../policy/phase';
import type { BufferedItem, BufferLease, BufferStore, DeadLetter, DeadLetterAnswer } from '../store/buffer-store';
import { bufferMetrics, type BufferMetrics } from './buffer-metrics';
import { createHttpSend, type ReplayResponse, type ReplaySend } from './http-send';
import { SIGNATURE_HEADER, signReplay } from './replay-signature';
import { nextStep, parseRetryAfterMs, rejectedByReceiver, type ReplayRetryPolicy } from './retry-policy';
import { NEVER_REPLAYED, REPLAY_HEADERS } from '../domain/http-headers';

export interface ReplayerOptions {
  /** Accounts replayed at the same time by this instance (each account is always sequential). */
  concurrency: number;
  /** Items read from the store at a time (bodies included, and bounded by batchBytes too). */
  batchSize: number;
  /**
   * Body bytes read from the store at a time per account (a single larger item still comes alone): with 10 MiB form
   * uploads, 25 items would be 250 MiB per account.
   */
  batchBytes: number;
  /** Lease lifetime; renewed every third of it while working, so a dead instance's accounts are free after this. */
  leaseTtlMs: number;
  /** Retry delay: full jitter over min(max, base · 2^(attempt-1)); a Retry-After from the upstream wins when given. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Attempts per item before it becomes a dead letter (a restart starts counting again). */
  maxAttempts: number;
  /** How often the index of accounts with waiting items is looked at. */
  pollIntervalMs: number;
  requestTimeoutMs: number;
  /** A progress line is logged every this many items of one account. */
  progressEvery: number;
  /** An account with nothing waiting leaves the index only after this long without an append (see BufferStore.settle). */
  settleGraceMs: number;
  /** On stop(), how long a request in flight may finish (and be acknowledged) before it is cut off. */
  stopGraceMs: number;
  /**
   * After a pass over an account (finished, in its window, held by another instance...), polling leaves it alone
   * this long: an account waiting for its window to close costs one read per recheck, not per poll. nudge() skips it.
   */
  recheckMs: number;
  /** SPEC §9 attestation key: every attempt carries X-Maintenance-Signature when set; null = unsigned. */
  signingSecret: string | null;
}

export const DEFAULT_REPLAYER_OPTIONS: ReplayerOptions = {
  concurrency: 8,
  batchSize: 25,
  batchBytes: 16 * 1024 * 1024,
  leaseTtlMs: 15_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 5 * 60_000,
  maxAttempts: 20,
  pollIntervalMs: 500,
  requestTimeoutMs: 30_000,
  progressEvery: 1000,
  settleGraceMs: 60_000,
  stopGraceMs: 5000,
  recheckMs: 5000,
  signingSecret: null,
};

export interface ReplayerDeps {
  store: BufferStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  getAccount(accountId: string): Promise<AccountRecord | null>;
  /** Base URL of the upstream the account's traffic goes to now (EU after a completed migration). */
  upstreamFor(record: AccountRecord): string;
  /** Transport; the default is Node's http/https with keep-alive. */
  send?: ReplaySend;
  options?: Partial<ReplayerOptions>;
  /** Names this instance in leases and logs. */
  owner?: string;
  /** Randomness for the jitter (tests make it predictable). */
  random?: () => number;
  /**
   * Tells the operator about a replay dead-lettered with 401/403 (SPEC §9 replay_rejected). Called under the
   * account's lease for each letter the store says is owed; resolving marks it sent, rejecting leaves it owed for
   * the next pass. Unset: nothing is owed (no letter is marked).
   */
  notifyRejected?: (letter: DeadLetter) => Promise<void>;
}

export type ReplayStatus = 'done' | 'busy' | 'window_open' | 'unknown_account' | 'lease_lost' | 'stopped' | 'error';

export interface ReplayOutcome {
  accountId: string;
  status: ReplayStatus;
  replayed: number;
  deadLettered: number;
  retries: number;
}

/** The same on every attempt of the same item, across restarts and instances. */
export function idempotencyKey(accountId: string, itemId: string): string {
  return `mg:${accountId}:${itemId}`;
}

/** After a replay_rejected notification failed, its account's owed notifications wait this long (this instance). */
const NOTIFY_RETRY_PAUSE_MS = 30_000;

type Delivery = { kind: 'delivered' } | { kind: 'dead'; answer: DeadLetterAnswer } | { kind: 'aborted' };

class Stop extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

function redirectNote(response: ReplayResponse): string {
  const location = response.headers.location;
  return `REDIRECTED to ${String(Array.isArray(location) ? location[0] : (location ?? '(no Location)')).slice(0, 500)}`;
}

function excerpt(response: ReplayResponse): string {
  return response.bodyExcerpt.toString('utf8').slice(0, 1000);
}

export class Replayer {
  private readonly options: ReplayerOptions;
  private readonly retry: ReplayRetryPolicy;
  private readonly send: ReplaySend;
  private readonly closeTransport: () => void;
  private readonly metrics: BufferMetrics;
  private readonly owner: string;
  private readonly random: () => number;
  /** `soft` asks a replay to stop before its next item; `hard` also cuts the request in flight. */
  private readonly running = new Map<string, { promise: Promise<ReplayOutcome>; soft: AbortController; hard: AbortController }>();
  /** Accounts nudged while every slot was busy: they go first when one frees up. */
  private readonly wanted = new Set<string>();
  /** Account → performance.now() before which polling does not look at it again. */
  private readonly resting = new Map<string, number>();
  /** Account → performance.now() before which owed notifications are not tried again (their channel just failed). */
  private readonly notifyPausedUntil = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private pollRound = 0;
  private stopped = false;

  constructor(private readonly deps: ReplayerDeps) {
    this.options = { ...DEFAULT_REPLAYER_OPTIONS, ...deps.options };
    this.retry = {
      maxAttempts: this.options.maxAttempts,
      backoff: { baseMs: this.options.backoffBaseMs, maxMs: this.options.backoffMaxMs },
    };
    if (deps.send) {
      this.send = deps.send;
      this.closeTransport = () => undefined;
    } else {
      const http = createHttpSend({ timeoutMs: this.options.requestTimeoutMs, maxSockets: this.options.concurrency * 2 });
      this.send = http.send;
      this.closeTransport = http.close;
    }
    this.metrics = bufferMetrics(deps.metrics.registry);
    this.owner = deps.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.random = deps.random ?? Math.random;
  }

  /** Polls the index of accounts with waiting items until stop(). */
  start(): void {
    if (this.pollTimer || this.stopped) return;
    const tick = () => {
      this.poll().finally(() => {
        // Background polling alone must not keep a process (or a test run) alive.
        if (!this.stopped) this.pollTimer = setTimeout(tick, this.options.pollIntervalMs).unref();
      });
    };
    this.pollTimer = setTimeout(tick, 0).unref();
  }

  /** Starts replaying an account now (e.g. its migration just completed or failed), or as soon as a slot frees. */
  nudge(accountId: string): void {
    this.resting.delete(accountId);
    if (this.stopped || this.running.has(accountId)) return;
    if (this.running.size >= this.options.concurrency) {
      this.wanted.add(accountId);
      return;
    }
    this.launch(accountId);
  }

  /**
   * Ends every replay under way and releases the leases. A request in flight may finish within stopGraceMs so its
   * answer is recorded; after that it is cut off and its item is replayed again later (same Idempotency-Key).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    const runs = [...this.running.values()];
    for (const { soft } of runs) soft.abort();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopGraceMs);
    });
    await Promise.race([Promise.allSettled(runs.map((r) => r.promise)), grace]);
    clearTimeout(timer);
    for (const { hard } of runs) hard.abort();
    await Promise.allSettled(runs.map((r) => r.promise));
    this.closeTransport();
  }

  /** Accounts being replayed by this instance right now. */
  active(): string[] {
    return [...this.running.keys()];
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const listed = await this.deps.store.pendingAccounts();
      // Start at a different account each time: with more accounts than slots, the first ones (busy elsewhere,
      // or still in their window) must not starve the rest.
      const offset = listed.length > 0 ? this.pollRound++ % listed.length : 0;
      const accounts = [...listed.slice(offset), ...listed.slice(0, offset)];
      const now = performance.now();
      for (const [accountId, until] of this.resting) if (until <= now) this.resting.delete(accountId);
      for (const accountId of [...this.wanted, ...accounts]) {
        if (this.running.size >= this.options.concurrency || this.stopped) break;
        if (!this.running.has(accountId) && !this.resting.has(accountId)) this.launch(accountId);
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'replay poll failed; trying again');
    } finally {
      this.polling = false;
    }
  }

  private launch(accountId: string): void {
    this.wanted.delete(accountId);
    const soft = new AbortController();
    const hard = new AbortController();
    const promise = this.replay(accountId, soft.signal, hard.signal).finally(() => {
      this.running.delete(accountId);
      this.resting.set(accountId, performance.now() + this.options.recheckMs);
      const next = [...this.wanted].find((id) => !this.running.has(id));
      if (next !== undefined && !this.stopped) this.launch(next);
    });
    this.running.set(accountId, { promise, soft, hard });
  }

  /** Replays one account to the end (or until the lease is lost or stop()); resolves with what happened. */
  replayAccount(accountId: string): Promise<ReplayOutcome> {
    const current = this.running.get(accountId);
    if (current) return current.promise;
    if (this.stopped) return Promise.resolve({ accountId, status: 'stopped', replayed: 0, deadLettered: 0, retries: 0 });
    this.launch(accountId);
    return (this.running.get(accountId) as { promise: Promise<ReplayOutcome> }).promise;
  }

  private async replay(accountId: string, soft: AbortSignal, hard: AbortSignal): Promise<ReplayOutcome> {
    const { store, logger } = this.deps;
    const outcome: ReplayOutcome = { accountId, status: 'done', replayed: 0, deadLettered: 0, retries: 0 };
    let lease: BufferLease | null = null;
    let renewTimer: NodeJS.Timeout | null = null;
    const lost = new AbortController();
    // `halt`: stop before the next item or retry; `cut`: abort the request in flight too (a newer holder may send it).
    const halt = AbortSignal.any([soft, hard, lost.signal]);
    const cut = AbortSignal.any([hard, lost.signal]);
    try {
      // Look before taking the lease: accounts still in their window are polled often and should cost one read.
      const first = await this.deps.getAccount(accountId);
      if (!first) return { ...outcome, status: 'unknown_account' };
      if (windowOpen(first.migration, this.deps.clock.now())) {
        // Keeps mg_buffer_depth current while the window fills the buffer (once per recheck).
        await this.report(accountId, outcome, null);
        return { ...outcome, status: 'window_open' };
      }
      lease = await store.acquireLease(accountId, this.owner, this.options.leaseTtlMs);
      if (!lease) return { ...outcome, status: 'busy' };
      const held = lease;
      // Real elapsed time, not the injected clock: the lease expires in the store's real time.
      let renewedAt = performance.now();
      renewTimer = setInterval(
        () => {
          store.renewLease(held, this.options.leaseTtlMs).then(
            (ok) => {
              if (ok) renewedAt = performance.now();
              else lost.abort();
            },
            () => {
              // The store is unreachable: the lease may lapse; stop before another instance can take over.
              if (performance.now() - renewedAt > this.options.leaseTtlMs * 0.66) lost.abort();
            },
          );
        },
        Math.max(10, Math.floor(this.options.leaseTtlMs / 3)),
      );

      let sinceLog = 0;
      for (;;) {
        if (halt.aborted) throw new Stop();
        // Read the account again per batch: its upstream changes when the migration completes, and a new window stops us.
        const record = await this.deps.getAccount(accountId);
        if (!record) return { ...outcome, status: 'unknown_account' };
        if (windowOpen(record.migration, this.deps.clock.now())) return { ...outcome, status: 'window_open' };
        const base = this.deps.upstreamFor(record).replace(/\/+$/, '');
        // Owed notifications first: a pass after a crash sends what the dead instance could not.
        await this.flushRejected(held, lost);
        const batch = await store.pending(accountId, { limit: this.options.batchSize, maxBytes: this.options.batchBytes });
        if (batch.length === 0) {
          await store.settle(accountId, this.options.settleGraceMs);
          return outcome;
        }
        for (const item of batch) {
          if (halt.aborted) throw new Stop();
          if (item.surface === 'meeting') {
            // SPEC §9: meeting requests are not put in the calendar; the owner is emailed them after the window.
            if ((await store.keep(held, item)) === 'fenced') {
              lost.abort();
              throw new Stop();
            }
            continue;
          }
          const delivery = await this.deliver(base, item, outcome, halt, cut);
          if (delivery.kind === 'aborted') throw new Stop();
          if (delivery.kind === 'delivered') {
            if ((await store.ack(held, item)) === 'fenced') {
              lost.abort();
              throw new Stop();
            }
            outcome.replayed += 1;
            this.metrics.replayed.inc();
          } else {
            const owed = rejectedByReceiver(delivery.answer.status) && this.deps.notifyRejected !== undefined;
            if ((await store.deadLetter(held, item.id, delivery.answer, owed)) === 'fenced') {
              lost.abort();
              throw new Stop();
            }
            outcome.deadLettered += 1;
            this.metrics.deadLetters.inc({ status: delivery.answer.status === null ? 'none' : String(delivery.answer.status) });
            if (owed) await this.flushRejected(held, lost);
            logger.warn(
              {
                accountId,
                itemId: item.id,
                status: delivery.answer.status,
                error: delivery.answer.error,
                attempts: delivery.answer.attempts,
              },
              'buffered request moved to the dead letters',
            );
          }
          sinceLog += 1;
          if (sinceLog >= this.options.progressEvery) {
            sinceLog = 0;
            await this.report(accountId, outcome, 'replay progress');
          }
        }
      }
    } catch (err) {
      if (err instanceof Stop) return { ...outcome, status: lost.signal.aborted ? 'lease_lost' : 'stopped' };
      logger.error({ accountId, err: (err as Error).message }, 'replay interrupted by an error; will try again');
      return { ...outcome, status: 'error' };
    } finally {
      if (renewTimer) clearInterval(renewTimer);
      if (lease) {
        await store.releaseLease(lease).catch(() => undefined);
        // A pass that found nothing to do (the account lingers in the index for the settle grace) stays quiet.
        const worked = outcome.replayed + outcome.deadLettered + outcome.retries > 0;
        await this.report(accountId, outcome, worked ? 'replay pass ended' : null);
      }
    }
  }

  /**
   * Sends the operator notifications the store says are owed, each marked sent right after: one per rejected item,
   * repeated only when a crash falls between the send and the mark (receivers can drop it by its stable id).
   */
  private async flushRejected(lease: BufferLease, lost: AbortController): Promise<void> {
    const notify = this.deps.notifyRejected;
    if (!notify) return;
    // A channel that just failed is left alone a while: the replay of the other items must not wait on it.
    if ((this.notifyPausedUntil.get(lease.accountId) ?? 0) > performance.now()) return;
    this.notifyPausedUntil.delete(lease.accountId);
    for (const letter of await this.deps.store.rejectedDue(lease.accountId)) {
      try {
        await notify(letter);
      } catch (err) {
        this.notifyPausedUntil.set(lease.accountId, performance.now() + NOTIFY_RETRY_PAUSE_MS);
        this.deps.logger.warn(
          { accountId: lease.accountId, itemId: letter.item.id, err: (err as Error).message },
          `replay_rejected notification failed; tried again in ${NOTIFY_RETRY_PAUSE_MS / 1000} s`,
        );
        return;
      }
      if ((await this.deps.store.rejectedNotified(lease, letter.item.id)) === 'fenced') {
        lost.abort();
        throw new Stop();
      }
    }
  }

  /** Updates the depth gauge and logs progress under `message` (null: gauge only). */
  private async report(accountId: string, outcome: ReplayOutcome, message: string | null): Promise<void> {
    try {
      const stats = await this.deps.store.stats(accountId);
      // An empty buffer drops its series: one per account ever migrated would grow the scrape without end.
      if (stats.depth > 0) this.metrics.depth.set({ account: accountId }, stats.depth);
      else this.metrics.depth.remove({ account: accountId });
      if (message === null) return;
      this.deps.logger.info(
        {
          accountId,
          replayed: outcome.replayed,
          deadLettered: outcome.deadLettered,
          retries: outcome.retries,
          remaining: stats.depth,
          dead: stats.deadLettered - stats.redriven,
        },
        message,
      );
    } catch {
      if (message !== null) this.deps.logger.info({ accountId, replayed: outcome.replayed, deadLettered: outcome.deadLettered }, message);
    }
  }

  /** Sends one item until it is delivered, refused for good, out of attempts, or we must stop. Never skips ahead. */
  private async deliver(base: string, item: BufferedItem, outcome: ReplayOutcome, halt: AbortSignal, cut: AbortSignal): Promise<Delivery> {
    const headers: Record<string, string> = {};
    // Replay headers come from the replayer only, even if an operator allow-listed them (SPEC §9 "Forgery").
    for (const [name, value] of Object.entries(item.headers))
      if (!NEVER_REPLAYED.has(name) && !REPLAY_HEADERS.includes(name)) headers[name] = value;
    if (item.contentType !== null) headers['content-type'] = item.contentType;
    headers['content-length'] = String(item.body.length);
    headers['idempotency-key'] = idempotencyKey(item.accountId, item.id);
    headers['x-maintenance-replay'] = '1';
    headers['x-maintenance-original-received-at'] = new Date(item.receivedAt).toISOString();
    const url = `${base}${item.path}${item.query ? `?${item.query}` : ''}`;
    // Signed over the request target the receiver sees: the upstream's base path included, scheme and host not.
    const target = url.slice(new URL(url).origin.length) || '/';
    const secret = this.options.signingSecret;

    for (let attempt = 1; ; attempt += 1) {
      if (halt.aborted) return { kind: 'aborted' };
      let response: ReplayResponse | null = null;
      let error: string | null = null;
      if (secret !== null) {
        // A fresh t on every attempt: a receiver's replay window holds for the retry, not just the first try.
        headers[SIGNATURE_HEADER] = signReplay(secret, {
          t: Math.floor(Date.now() / 1000),
          idempotencyKey: headers['idempotency-key'],
          originalReceivedAt: headers['x-maintenance-original-received-at'],
          method: item.method,
          target,
          body: item.body,
        });
      }
      try {
        response = await this.send({ url, method: item.method, headers, body: item.body }, cut);
      } catch (err) {
        if (cut.aborted) return { kind: 'aborted' };
        error = (err as { code?: string }).code ?? (err as Error).message;
      }
      // An HTTP-date Retry-After is read against real time, like the sleep that follows.
      const verdict = nextStep(
        this.retry,
        response
          ? { status: response.status, retryAfterMs: parseRetryAfterMs(response.headers['retry-after'], Date.now()) }
          : { status: null },
        attempt,
        this.random,
      );
      if (verdict.kind === 'delivered') return { kind: 'delivered' };
      const answer: DeadLetterAnswer = {
        status: response?.status ?? null,
        bodyExcerpt: response ? excerpt(response) : '',
        error: error ?? (response && verdict.kind === 'dead' && verdict.why === 'redirected' ? redirectNote(response) : null),
        attempts: attempt,
        at: this.deps.clock.now(),
      };
      if (verdict.kind === 'dead' && verdict.why !== 'exhausted') return { kind: 'dead', answer };
      if (halt.aborted) return { kind: 'aborted' };
      if (verdict.kind === 'dead') return { kind: 'dead', answer: { ...answer, error: error ?? 'ATTEMPTS_EXHAUSTED' } };
      outcome.retries += 1;
      this.metrics.retries.inc();
      const delay = verdict.delayMs;
      this.deps.logger.debug(
        { accountId: item.accountId, itemId: item.id, attempt, status: answer.status, error, delay },
        'replay attempt failed; retrying',
      );
      await sleep(delay, halt);
    }
  }
}
