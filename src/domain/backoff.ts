// Retry timing (pure): exponential backoff with an optional full jitter, and the wait left before a next attempt.

export interface BackoffPolicy {
  /** Delay after the first attempt. */
  baseMs: number;
  /** No delay grows beyond this. */
  maxMs: number;
}

/** base, 2·base, 4·base … capped at max. `attempts` counts the attempts already made (values below 1 count as 1). */
export function backoffDelayMs(policy: BackoffPolicy, attempts: number): number {
  const exponent = Math.max(0, Math.floor(attempts) - 1);
  // 2 ** exponent overflows to Infinity long after the cap has been reached; min() keeps the cap.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/**
 * "Full jitter": a uniform delay in [0, backoffDelayMs), so clients that failed together do not retry together.
 * `random` returns [0, 1) like Math.random (tests pass a fixed one).
 */
export function fullJitterDelayMs(policy: BackoffPolicy, attempts: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffDelayMs(policy, attempts));
}

/** Milliseconds from `now` until `delayMs` after `lastAttemptAt` has passed; 0 once it has. */
export function waitLeftMs(lastAttemptAt: number, delayMs: number, now: number): number {
  return Math.max(0, lastAttemptAt + delayMs - now);
}
