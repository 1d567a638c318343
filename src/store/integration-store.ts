// Per account and integration: suspension state and the rolling 24-hour call log, shared by every gateway instance.
import type { ReasonCode } from '../domain/reason-codes';

export const ALLOCATION_WINDOW_MS = 24 * 3600_000;

export interface CrmUsage {
  used: number;
  limit: number;
}

export interface IntegrationState {
  state: 'active' | 'suspended';
  reason: ReasonCode | null;
  /** When the current suspension began (epoch ms); null while active. */
  since: number | null;
  /** Failed CRM answers in a row; a success resets it. */
  consecutiveFailures: number;
  /** When the last trial call of a suspended integration was let through (epoch ms). */
  lastProbeAt: number | null;
  /** The CRM org's own API usage as last reported in its Sforce-Limit-Info header. */
  crmUsage: CrmUsage | null;
}

export const ACTIVE_STATE: Readonly<IntegrationState> = {
  state: 'active',
  reason: null,
  since: null,
  consecutiveFailures: 0,
  lastProbeAt: null,
  crmUsage: null,
};

export interface FailureOutcome {
  /** True when this failure suspended the integration or changed the reason of its suspension. */
  suspended: boolean;
  state: IntegrationState;
}

export interface CallDecision {
  allowed: boolean;
  /** Calls in the window after this decision (the allowed call included). */
  count: number;
  /** When refused: milliseconds until the oldest call leaves the window and one call is available again. */
  retryAfterMs: number;
}

export interface IntegrationStore {
  /** The state, or the active default for an integration never seen. */
  get(accountId: string, integration: string): Promise<IntegrationState>;
  /**
   * Counts one failed CRM answer and, atomically, suspends when `immediate` or when the count of consecutive
   * failures reaches `threshold`. While already suspended the reason is replaced by the newer one.
   */
  recordFailure(
    accountId: string,
    integration: string,
    reason: ReasonCode,
    immediate: boolean,
    threshold: number,
    now: number,
  ): Promise<FailureOutcome>;
  /** A successful CRM answer: the run of consecutive failures is over. */
  recordSuccess(accountId: string, integration: string): Promise<void>;
  /** Suspends for `reason` unless already suspended for it; true when the state changed. */
  suspend(accountId: string, integration: string, reason: ReasonCode, now: number): Promise<boolean>;
  /** Back to active (failures reset). With `onlyReason`, only if suspended for that reason. True when it was suspended. */
  clear(accountId: string, integration: string, onlyReason?: ReasonCode): Promise<boolean>;
  /**
   * Lets one trial call through a suspension: true (and the probe time recorded) when suspended and at least
   * `cooldownMs` passed since the last probe or, before the first, since the suspension began.
   */
  claimProbe(accountId: string, integration: string, now: number, cooldownMs: number): Promise<boolean>;
  recordCrmUsage(accountId: string, integration: string, usage: CrmUsage): Promise<void>;
  /**
   * The rolling-window allocation, atomically: forget calls older than `windowMs`, and take one call when fewer
   * than `allocation` remain. A refused call is not recorded.
   */
  takeCall(accountId: string, integration: string, now: number, allocation: number, windowMs: number): Promise<CallDecision>;
  /** Calls recorded in (now − windowMs, now]. */
  callsInWindow(accountId: string, integration: string, now: number, windowMs: number): Promise<number>;
}
