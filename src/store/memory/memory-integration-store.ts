// In-process integration state and call log: the same semantics as the Redis scripts, atomic because JS is single-threaded.
import type { ReasonCode } from '../../domain/reason-codes';
import {
  ACTIVE_STATE,
  type CallDecision,
  type CrmUsage,
  type FailureOutcome,
  type IntegrationState,
  type IntegrationStore,
} from '../integration-store';

const keyOf = (accountId: string, integration: string): string => JSON.stringify([accountId, integration]);

export class MemoryIntegrationStore implements IntegrationStore {
  private readonly states = new Map<string, IntegrationState>();
  /** Call times per integration, oldest first. */
  private readonly calls = new Map<string, number[]>();

  private read(key: string): IntegrationState {
    return { ...(this.states.get(key) ?? ACTIVE_STATE) };
  }

  private snapshot(state: IntegrationState): IntegrationState {
    return { ...state, crmUsage: state.crmUsage ? { ...state.crmUsage } : null };
  }

  async get(accountId: string, integration: string): Promise<IntegrationState> {
    return this.snapshot(this.read(keyOf(accountId, integration)));
  }

  async recordFailure(
    accountId: string,
    integration: string,
    reason: ReasonCode,
    immediate: boolean,
    threshold: number,
    now: number,
  ): Promise<FailureOutcome> {
    const key = keyOf(accountId, integration);
    const state = this.read(key);
    state.consecutiveFailures += 1;
    let suspended = false;
    if (state.state === 'suspended') {
      if (state.reason !== reason) {
        state.reason = reason;
        state.since = now;
        suspended = true;
      }
    } else if (immediate || state.consecutiveFailures >= threshold) {
      Object.assign(state, { state: 'suspended', reason, since: now, lastProbeAt: null });
      suspended = true;
    }
    this.states.set(key, state);
    return { suspended, state: this.snapshot(state) };
  }

  async recordSuccess(accountId: string, integration: string): Promise<void> {
    const key = keyOf(accountId, integration);
    this.states.set(key, { ...this.read(key), consecutiveFailures: 0 });
  }

  async suspend(accountId: string, integration: string, reason: ReasonCode, now: number): Promise<boolean> {
    const key = keyOf(accountId, integration);
    const state = this.read(key);
    if (state.state === 'suspended' && state.reason === reason) return false;
    this.states.set(key, { ...state, state: 'suspended', reason, since: now, lastProbeAt: null });
    return true;
  }

  async clear(accountId: string, integration: string, onlyReason?: ReasonCode): Promise<boolean> {
    const key = keyOf(accountId, integration);
    const state = this.read(key);
    if (onlyReason !== undefined && state.reason !== onlyReason) return false;
    this.states.set(key, { ...ACTIVE_STATE, crmUsage: state.crmUsage });
    return state.state === 'suspended';
  }

  async claimProbe(accountId: string, integration: string, now: number, cooldownMs: number): Promise<boolean> {
    const key = keyOf(accountId, integration);
    const state = this.read(key);
    if (state.state !== 'suspended') return false;
    const last = state.lastProbeAt ?? state.since ?? 0;
    if (now - last < cooldownMs) return false;
    this.states.set(key, { ...state, lastProbeAt: now });
    return true;
  }

  async recordCrmUsage(accountId: string, integration: string, usage: CrmUsage): Promise<void> {
    const key = keyOf(accountId, integration);
    this.states.set(key, { ...this.read(key), crmUsage: { ...usage } });
  }

  private trimmed(key: string, now: number, windowMs: number): number[] {
    const log = (this.calls.get(key) ?? []).filter((at) => at > now - windowMs);
    this.calls.set(key, log);
    return log;
  }

  async takeCall(accountId: string, integration: string, now: number, allocation: number, windowMs: number): Promise<CallDecision> {
    const key = keyOf(accountId, integration);
    const log = this.trimmed(key, now, windowMs);
    if (log.length < allocation) {
      // Keep the log sorted even if a caller's clock stepped back.
      const at = log.findIndex((t) => t > now);
      log.splice(at === -1 ? log.length : at, 0, now);
      return { allowed: true, count: log.length, retryAfterMs: 0 };
    }
    // The call that must leave before one is free again: with the allocation lowered it is not always the oldest.
    const freeing = log[log.length - Math.max(allocation, 1)] ?? log[0];
    const retryAfterMs = freeing === undefined ? windowMs : Math.max(1, freeing + windowMs - now);
    return { allowed: false, count: log.length, retryAfterMs };
  }

  async callsInWindow(accountId: string, integration: string, now: number, windowMs: number): Promise<number> {
    return (this.calls.get(keyOf(accountId, integration)) ?? []).filter((at) => at > now - windowMs && at <= now).length;
  }
}
