// The integration guard's decisions (pure): from the stored suspension and allocation state and the time, what happens to a CRM call.
import { waitLeftMs } from '../domain/backoff';
import type { CallDecision, IntegrationState } from '../store/integration-store';
import type { Classification } from './classify';
import { REASONS } from './reasons';
import { type ReasonCode } from '../domain/reason-codes';

/** What the guard did with a call, as counted in mg_integration_calls_total{result}. */
export type CallResult =
  | 'success'
  | 'crm_error'
  | 'caller_error'
  | 'unreachable'
  | 'suspended'
  | 'allocation_exceeded'
  | 'unknown_integration'
  | 'store_unavailable'
  | 'client_gone';

/**
 * Before the allocation: a suspension either refuses the call at once, or (for reasons that clear by a trial call)
 * lets one trial through when the store grants it. A suspension for the allocation itself is decided by the allocation.
 */
export type SuspensionStep = { kind: 'proceed' } | { kind: 'fail_fast'; reason: ReasonCode } | { kind: 'try_probe'; reason: ReasonCode };

export function suspensionStep(state: IntegrationState): SuspensionStep {
  if (state.state !== 'suspended' || state.reason === 'API_ALLOCATION_EXCEEDED') return { kind: 'proceed' };
  const reason = state.reason ?? 'UNKNOWN_ERROR';
  return REASONS[reason].clears === 'probe' ? { kind: 'try_probe', reason } : { kind: 'fail_fast', reason };
}

export interface FailFast {
  status: 503 | 429;
  /** Seconds until the next trial call may pass (reasons that clear by a trial call only). */
  retryAfterSeconds?: number;
}

/** The refusal of a suspended call; transient suspensions tell the client when the next trial call can happen. */
export function failFast(state: IntegrationState, reason: ReasonCode, now: number, probeCooldownMs: number): FailFast {
  const info = REASONS[reason];
  if (info.clears !== 'probe') return { status: info.status };
  const last = state.lastProbeAt ?? state.since ?? now;
  return { status: info.status, retryAfterSeconds: Math.max(1, waitLeftMs(last, probeCooldownMs, now) / 1000) };
}

export type AllocationStep =
  | {
      kind: 'refuse';
      /** The allocation suspension begins now (an active integration ran out), rather than continuing. */
      suspend: boolean;
      /** When the allocation suspension began: now for a new one. */
      since: number | null;
      retryAfterSeconds: number;
    }
  | {
      kind: 'proceed';
      /** An allocation suspension whose window has room again is lifted. */
      liftAllocationSuspension: boolean;
    };

/**
 * After the store took (or refused) one call from the rolling allocation. A suspension for another reason keeps
 * its reason when its trial call meets a full allocation: only an active integration becomes suspended for it.
 */
export function allocationStep(state: IntegrationState, decision: CallDecision, now: number): AllocationStep {
  if (!decision.allowed) {
    const suspend = state.state === 'active';
    return {
      kind: 'refuse',
      suspend,
      since: state.reason === 'API_ALLOCATION_EXCEEDED' ? state.since : now,
      retryAfterSeconds: decision.retryAfterMs / 1000,
    };
  }
  return { kind: 'proceed', liftAllocationSuspension: state.reason === 'API_ALLOCATION_EXCEEDED' };
}

/** What a CRM answer does to the stored state. */
export type AnswerEffect = 'lift_suspension' | 'reset_failures' | 'record_failure' | 'none';

/**
 * A success lifts the suspension its trial call went through, or ends a run of failures. A failure is recorded. The
 * caller's own error (a missing record, a duplicate, a validation rule) changes nothing: it says nothing about the
 * CRM's health, and a trial call that meets one leaves the suspension as it is until the next trial.
 */
export function answerEffect(
  classification: Classification,
  state: IntegrationState,
  probe: boolean,
): { result: CallResult; effect: AnswerEffect } {
  switch (classification.kind) {
    case 'ok':
      if (probe && state.reason) return { result: 'success', effect: 'lift_suspension' };
      return { result: 'success', effect: state.consecutiveFailures > 0 ? 'reset_failures' : 'none' };
    case 'caller_error':
      return { result: 'caller_error', effect: 'none' };
    case 'failure':
      return { result: 'crm_error', effect: 'record_failure' };
  }
}
