// The integration guard's pure decisions (SPEC §6): which suspension refuses at once, when the next trial call may
// pass, what a full allocation does, and what each kind of CRM answer does to the state.
import { ACTIVE_STATE, type IntegrationState } from '../../src/store/integration-store';
import { allocationStep, answerEffect, failFast, suspensionStep } from '../../src/integrations/guard';

const T0 = Date.parse('2026-11-02T09:00:00Z');
const COOLDOWN = 60_000;
const suspended = (reason: IntegrationState['reason'], extra: Partial<IntegrationState> = {}): IntegrationState => ({
  ...ACTIVE_STATE,
  state: 'suspended',
  reason,
  since: T0,
  consecutiveFailures: 3,
  ...extra,
});

describe('suspensionStep', () => {
  it.each([
    ['active', ACTIVE_STATE, { kind: 'proceed' }],
    // The allocation decides an allocation suspension (it lifts automatically when calls are available again).
    ['allocation', suspended('API_ALLOCATION_EXCEEDED'), { kind: 'proceed' }],
    // "Clear Suspension, or by itself": a trial call may lift these.
    ['org locked', suspended('ORG_LOCKED'), { kind: 'try_probe', reason: 'ORG_LOCKED' }],
    ['org unavailable', suspended('ORG_UNAVAILABLE'), { kind: 'try_probe', reason: 'ORG_UNAVAILABLE' }],
    ['unknown error', suspended('UNKNOWN_ERROR'), { kind: 'try_probe', reason: 'UNKNOWN_ERROR' }],
    ['no stored reason', suspended(null), { kind: 'try_probe', reason: 'UNKNOWN_ERROR' }],
    // Only Clear Suspension lifts these: refused at once, the CRM never reached.
    ['storage', suspended('STORAGE_LIMIT_EXCEEDED'), { kind: 'fail_fast', reason: 'STORAGE_LIMIT_EXCEEDED' }],
    ['API disabled', suspended('CRM_API_DISABLED'), { kind: 'fail_fast', reason: 'CRM_API_DISABLED' }],
    ['mappings', suspended('MISSING_FIELD_MAPPINGS'), { kind: 'fail_fast', reason: 'MISSING_FIELD_MAPPINGS' }],
  ])('%s', (_label, state, expected) => {
    expect(suspensionStep(state)).toEqual(expected);
  });
});

describe('failFast', () => {
  it('refuses a manual suspension with 503 and no Retry-After', () => {
    expect(failFast(suspended('STORAGE_LIMIT_EXCEEDED'), 'STORAGE_LIMIT_EXCEEDED', T0 + 5000, COOLDOWN)).toEqual({ status: 503 });
  });

  it('tells the client when the next trial call can pass: a cool-down after the suspension, then after each trial', () => {
    expect(failFast(suspended('ORG_UNAVAILABLE'), 'ORG_UNAVAILABLE', T0 + 15_000, COOLDOWN)).toEqual({
      status: 503,
      retryAfterSeconds: 45,
    });
    const probed = suspended('ORG_UNAVAILABLE', { lastProbeAt: T0 + 90_000 });
    expect(failFast(probed, 'ORG_UNAVAILABLE', T0 + 100_000, COOLDOWN)).toEqual({ status: 503, retryAfterSeconds: 50 });
    // Due already (another instance's trial is under way): at least one second.
    expect(failFast(probed, 'ORG_UNAVAILABLE', T0 + 200_000, COOLDOWN)).toEqual({ status: 503, retryAfterSeconds: 1 });
  });
});

describe('allocationStep', () => {
  const refused = { allowed: false, count: 10, retryAfterMs: 21 * 3600_000 };
  const allowed = { allowed: true, count: 3, retryAfterMs: 0 };

  it('suspends an active integration that ran out, from now, with Retry-After until a call leaves the window', () => {
    expect(allocationStep(ACTIVE_STATE, refused, T0)).toEqual({ kind: 'refuse', suspend: true, since: T0, retryAfterSeconds: 21 * 3600 });
  });

  it('keeps an allocation suspension going from when it began', () => {
    expect(allocationStep(suspended('API_ALLOCATION_EXCEEDED', { since: T0 - 5000 }), refused, T0)).toEqual({
      kind: 'refuse',
      suspend: false,
      since: T0 - 5000,
      retryAfterSeconds: 21 * 3600,
    });
  });

  it('leaves another reason in place when its trial call meets a full allocation', () => {
    expect(allocationStep(suspended('ORG_LOCKED'), refused, T0)).toMatchObject({ kind: 'refuse', suspend: false });
  });

  it('lifts an allocation suspension once a call is allowed again, and only that one', () => {
    expect(allocationStep(suspended('API_ALLOCATION_EXCEEDED'), allowed, T0)).toEqual({ kind: 'proceed', liftAllocationSuspension: true });
    expect(allocationStep(ACTIVE_STATE, allowed, T0)).toEqual({ kind: 'proceed', liftAllocationSuspension: false });
    expect(allocationStep(suspended('ORG_LOCKED'), allowed, T0)).toEqual({ kind: 'proceed', liftAllocationSuspension: false });
  });
});

describe('answerEffect', () => {
  const failure = { kind: 'failure', reason: 'ORG_LOCKED', immediate: false, errorCode: 'ORG_LOCKED' } as const;
  it.each([
    [
      'a successful trial call lifts the suspension',
      { kind: 'ok' } as const,
      suspended('ORG_LOCKED'),
      true,
      { result: 'success', effect: 'lift_suspension' },
    ],
    [
      'a success ends a run of failures',
      { kind: 'ok' } as const,
      { ...ACTIVE_STATE, consecutiveFailures: 2 },
      false,
      { result: 'success', effect: 'reset_failures' },
    ],
    [
      'a success with no failures before writes nothing',
      { kind: 'ok' } as const,
      ACTIVE_STATE,
      false,
      { result: 'success', effect: 'none' },
    ],
    [
      "the caller's own error changes nothing",
      { kind: 'caller_error', errorCode: 'NOT_FOUND' } as const,
      { ...ACTIVE_STATE, consecutiveFailures: 2 },
      false,
      { result: 'caller_error', effect: 'none' },
    ],
    [
      'nor does it lift a suspension on a trial call',
      { kind: 'caller_error', errorCode: null } as const,
      suspended('ORG_LOCKED'),
      true,
      { result: 'caller_error', effect: 'none' },
    ],
    ['a CRM failure is recorded', failure, ACTIVE_STATE, false, { result: 'crm_error', effect: 'record_failure' }],
  ])('%s', (_label, classification, state, probe, expected) => {
    expect(answerEffect(classification, state, probe)).toEqual(expected);
  });
});
