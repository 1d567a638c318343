// The replayer's retry policy (pure): what an upstream's answer to a replayed request means and how long to wait.
import { fullJitterDelayMs, type BackoffPolicy } from '../domain/backoff';

export interface ReplayRetryPolicy {
  /** Attempts per item before it becomes a dead letter. */
  maxAttempts: number;
  /** Full jitter over min(max, base · 2^(attempt-1)); a Retry-After wins when given, capped at the same max. */
  backoff: BackoffPolicy;
}

/** One attempt's answer: an HTTP status (with its Retry-After in ms, if any), or none (network error, timeout). */
export type AttemptAnswer = { status: number; retryAfterMs: number | null } | { status: null };

/** What a status means on its own, before attempts are counted. */
export type AnswerClass = 'delivered' | 'retry' | 'refused' | 'redirected';

export type RetryVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  /** `refused`: an answer that will not change (most 4xx); `redirected`: 301/307/308…; `exhausted`: out of attempts. */
  | { kind: 'dead'; why: 'refused' | 'redirected' | 'exhausted' };

/**
 * First matching row wins; a status no row matches is refused (any other 4xx, and 1xx). 302/303 after a POST is how
 * form handlers say "taken, now go there"; other redirects ask for the request elsewhere and are not followed (the
 * upstream's address may be wrong), so the item waits as a dead letter naming the Location.
 */
const STATUS_TABLE: readonly { matches: (status: number) => boolean; answer: AnswerClass }[] = [
  { matches: (s) => s >= 200 && s < 300, answer: 'delivered' },
  { matches: (s) => s === 302 || s === 303, answer: 'delivered' },
  { matches: (s) => s >= 300 && s < 400, answer: 'redirected' },
  { matches: (s) => s >= 500 || s === 408 || s === 429, answer: 'retry' },
];

/** The class of an answer; no answer at all (null) is worth another try. */
export function classifyAnswer(status: number | null): AnswerClass {
  if (status === null) return 'retry';
  return STATUS_TABLE.find((row) => row.matches(status))?.answer ?? 'refused';
}

/** Answers that say the receiver does not trust the replay: an operator must look (SPEC §9 replay_rejected). */
export function rejectedByReceiver(status: number | null): boolean {
  return status === 401 || status === 403;
}

/**
 * What to do after attempt number `attempt` (1 for the first) got `answer`. `random` is [0, 1) like Math.random and
 * is called only when a jittered wait is needed.
 */
export function nextStep(policy: ReplayRetryPolicy, answer: AttemptAnswer, attempt: number, random: () => number): RetryVerdict {
  const answerClass = classifyAnswer(answer.status);
  if (answerClass === 'delivered') return { kind: 'delivered' };
  if (answerClass !== 'retry') return { kind: 'dead', why: answerClass };
  if (attempt >= policy.maxAttempts) return { kind: 'dead', why: 'exhausted' };
  const hinted = answer.status === null ? null : answer.retryAfterMs;
  const delayMs = hinted !== null ? Math.min(policy.backoff.maxMs, hinted) : fullJitterDelayMs(policy.backoff, attempt, random);
  return { kind: 'retry', delayMs };
}

/**
 * A Retry-After header in ms: delay-seconds, or an HTTP-date (RFC 9110 §10.2.3) read against `now` (a date already
 * past means "now"). Null when absent or unreadable (a negative number included).
 */
export function parseRetryAfterMs(raw: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return null;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
