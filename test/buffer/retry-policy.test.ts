// The replayer's retry policy, row by row from the README ("Delivered = 2xx, or 302/303 …") and SPEC §9 (401/403).
import { classifyAnswer, nextStep, parseRetryAfterMs, rejectedByReceiver, type ReplayRetryPolicy } from '../../src/buffer/retry-policy';

/** The README's defaults: REPLAY_BACKOFF_BASE_MS 1000, REPLAY_BACKOFF_MAX_MS 300000, REPLAY_MAX_ATTEMPTS 20. */
const readme: ReplayRetryPolicy = { maxAttempts: 20, backoff: { baseMs: 1000, maxMs: 300_000 } };
const half = () => 0.5;
const noRandom = () => {
  throw new Error('no jitter expected here');
};

describe('which answers are delivered, retried or dead letters', () => {
  it.each([
    [200, 'delivered'],
    [201, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [302, 'delivered'],
    [303, 'delivered'],
    [301, 'redirected'],
    [300, 'redirected'],
    [304, 'redirected'],
    [307, 'redirected'],
    [308, 'redirected'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [null, 'retry'],
    [400, 'refused'],
    [401, 'refused'],
    [403, 'refused'],
    [404, 'refused'],
    [409, 'refused'],
    [410, 'refused'],
    [413, 'refused'],
    [422, 'refused'],
    [100, 'refused'],
  ] as const)('%s → %s', (status, expected) => {
    expect(classifyAnswer(status)).toBe(expected);
  });

  it.each([
    [401, true],
    [403, true],
    [400, false],
    [404, false],
    [407, false],
    [500, false],
    [null, false],
  ] as const)('a dead letter with %s is a rejected replay (SPEC §9): %s', (status, expected) => {
    expect(rejectedByReceiver(status)).toBe(expected);
  });
});

describe('the next step after an attempt', () => {
  it.each([
    [{ status: 200, retryAfterMs: null }, 1, { kind: 'delivered' }],
    [{ status: 303, retryAfterMs: null }, 20, { kind: 'delivered' }],
    [{ status: 422, retryAfterMs: null }, 1, { kind: 'dead', why: 'refused' }],
    [{ status: 401, retryAfterMs: null }, 1, { kind: 'dead', why: 'refused' }],
    [{ status: 403, retryAfterMs: 5000 }, 1, { kind: 'dead', why: 'refused' }],
    [{ status: 307, retryAfterMs: null }, 1, { kind: 'dead', why: 'redirected' }],
    [{ status: 503, retryAfterMs: null }, 20, { kind: 'dead', why: 'exhausted' }],
    [{ status: 429, retryAfterMs: 1000 }, 20, { kind: 'dead', why: 'exhausted' }],
    [{ status: null }, 20, { kind: 'dead', why: 'exhausted' }],
    [{ status: null }, 25, { kind: 'dead', why: 'exhausted' }],
  ] as const)('%j at attempt %i → %j', (answer, attempt, expected) => {
    expect(nextStep(readme, answer, attempt, noRandom)).toEqual(expected);
  });

  it('waits with full jitter over 1 s, 2 s, 4 s … 5 min (README defaults), attempt by attempt', () => {
    const waits = Array.from({ length: 19 }, (_, i) => nextStep(readme, { status: 500, retryAfterMs: null }, i + 1, half));
    // random() = 0.5: half of each ceiling; the ceiling stops growing at 5 min (attempt 10: 512 s > 300 s).
    expect(waits.map((w) => (w.kind === 'retry' ? w.delayMs : w.kind))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 150_000, 150_000, 150_000, 150_000, 150_000, 150_000, 150_000, 150_000,
      150_000, 150_000,
    ]);
  });

  it('spans the whole range from no wait to just under the ceiling', () => {
    expect(nextStep(readme, { status: null }, 3, () => 0)).toEqual({ kind: 'retry', delayMs: 0 });
    expect(nextStep(readme, { status: null }, 3, () => 0.999_999)).toEqual({ kind: 'retry', delayMs: 3999 });
  });

  it('honours Retry-After instead of the jitter, up to the 5 min ceiling', () => {
    expect(nextStep(readme, { status: 429, retryAfterMs: 0 }, 1, noRandom)).toEqual({ kind: 'retry', delayMs: 0 });
    expect(nextStep(readme, { status: 503, retryAfterMs: 120_000 }, 1, noRandom)).toEqual({ kind: 'retry', delayMs: 120_000 });
    expect(nextStep(readme, { status: 503, retryAfterMs: 3_600_000 }, 19, noRandom)).toEqual({ kind: 'retry', delayMs: 300_000 });
  });

  it('dead-letters after the configured number of attempts', () => {
    const three: ReplayRetryPolicy = { maxAttempts: 3, backoff: { baseMs: 10, maxMs: 20 } };
    const steps = [1, 2, 3].map((attempt) => nextStep(three, { status: 502, retryAfterMs: null }, attempt, () => 0.5));
    expect(steps).toEqual([
      { kind: 'retry', delayMs: 5 },
      { kind: 'retry', delayMs: 10 },
      { kind: 'dead', why: 'exhausted' },
    ]);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-03-30T10:00:00Z');
  it.each([
    ['120', 120_000],
    ['0', 0],
    [['7', '9'], 7000],
    ['Mon, 30 Mar 2026 10:00:30 GMT', 30_000],
    ['Mon, 30 Mar 2026 09:59:00 GMT', 0],
    ['-5', null],
    ['', null],
    ['soon', null],
    [undefined, null],
  ] as const)('%j → %s ms', (raw, expected) => {
    expect(parseRetryAfterMs(raw as string | string[] | undefined, now)).toBe(expected);
  });
});
