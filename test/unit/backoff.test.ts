// The one backoff helper: exponential delays, full jitter within them, and the wait left before the next attempt.
import { backoffDelayMs, fullJitterDelayMs, waitLeftMs } from '../../src/domain/backoff';

const policy = { baseMs: 1000, maxMs: 300_000 };

describe('backoffDelayMs', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [9, 256_000],
    [10, 300_000],
    [20, 300_000],
    [5000, 300_000],
  ])('after %i attempts waits %i ms (1 s doubling, capped at 5 min)', (attempts, expected) => {
    expect(backoffDelayMs(policy, attempts)).toBe(expected);
  });

  it('treats no attempt yet, or a fraction, as the first attempt', () => {
    expect(backoffDelayMs(policy, 0)).toBe(1000);
    expect(backoffDelayMs(policy, -3)).toBe(1000);
    expect(backoffDelayMs(policy, 2.9)).toBe(2000);
  });

  it('keeps the cap even when the exponent overflows', () => {
    expect(backoffDelayMs(policy, 2000)).toBe(300_000);
  });
});

describe('fullJitterDelayMs', () => {
  it('spreads the delay uniformly below the exponential one', () => {
    expect(fullJitterDelayMs(policy, 3, () => 0)).toBe(0);
    expect(fullJitterDelayMs(policy, 3, () => 0.5)).toBe(2000);
    expect(fullJitterDelayMs(policy, 3, () => 0.999_999)).toBe(3999);
    expect(fullJitterDelayMs(policy, 30, () => 0.5)).toBe(150_000);
  });
});

describe('waitLeftMs', () => {
  it('counts down from the last attempt and never goes below 0', () => {
    expect(waitLeftMs(10_000, 60_000, 10_000)).toBe(60_000);
    expect(waitLeftMs(10_000, 60_000, 69_999)).toBe(1);
    expect(waitLeftMs(10_000, 60_000, 70_000)).toBe(0);
    expect(waitLeftMs(10_000, 60_000, 99_000)).toBe(0);
  });
});
