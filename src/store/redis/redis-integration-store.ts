// Integration state in Redis: one hash per integration and a sorted set of call times (the exact rolling 24-hour log).
import { randomBytes } from 'node:crypto';
import { isReasonCode, type ReasonCode } from '../../domain/reason-codes';
import type { CallDecision, CrmUsage, FailureOutcome, IntegrationState, IntegrationStore } from '../integration-store';
import { accountKey } from './keys';
import { defineScript, runScript, type RedisClient } from './scripts';

function numberOrNull(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

function toState(hash: Record<string, string>): IntegrationState {
  const suspended = hash.state === 'suspended';
  const used = numberOrNull(hash.crmUsed);
  const limit = numberOrNull(hash.crmLimit);
  return {
    state: suspended ? 'suspended' : 'active',
    reason: suspended && isReasonCode(hash.reason) ? hash.reason : null,
    since: suspended ? numberOrNull(hash.since) : null,
    consecutiveFailures: numberOrNull(hash.failures) ?? 0,
    lastProbeAt: suspended ? numberOrNull(hash.lastProbeAt) : null,
    crmUsage: used !== null && limit !== null ? { used, limit } : null,
  };
}

export class RedisIntegrationStore implements IntegrationStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {
    defineScript(client, 'mgIntegrationTakeCall', 'integration-take-call', 1);
    defineScript(client, 'mgIntegrationFailure', 'integration-failure', 1);
    defineScript(client, 'mgIntegrationSuspend', 'integration-suspend', 1);
    defineScript(client, 'mgIntegrationClear', 'integration-clear', 1);
    defineScript(client, 'mgIntegrationProbe', 'integration-probe', 1);
  }

  /** Both keys of an integration sit in its account's hash slot. */
  private stateKey(accountId: string, integration: string): string {
    return accountKey(this.prefix, accountId, `integration:${integration}`);
  }

  private callsKey(accountId: string, integration: string): string {
    return accountKey(this.prefix, accountId, `integration:${integration}:calls`);
  }

  async get(accountId: string, integration: string): Promise<IntegrationState> {
    return toState(await this.client.hgetall(this.stateKey(accountId, integration)));
  }

  async recordFailure(
    accountId: string,
    integration: string,
    reason: ReasonCode,
    immediate: boolean,
    threshold: number,
    now: number,
  ): Promise<FailureOutcome> {
    const key = this.stateKey(accountId, integration);
    const changed = await runScript(this.client, 'mgIntegrationFailure', [key], [reason, immediate ? 1 : 0, threshold, now]);
    return { suspended: changed === 1, state: toState(await this.client.hgetall(key)) };
  }

  async recordSuccess(accountId: string, integration: string): Promise<void> {
    await this.client.hset(this.stateKey(accountId, integration), 'failures', 0);
  }

  async suspend(accountId: string, integration: string, reason: ReasonCode, now: number): Promise<boolean> {
    return (await runScript(this.client, 'mgIntegrationSuspend', [this.stateKey(accountId, integration)], [reason, now])) === 1;
  }

  async clear(accountId: string, integration: string, onlyReason?: ReasonCode): Promise<boolean> {
    return (await runScript(this.client, 'mgIntegrationClear', [this.stateKey(accountId, integration)], [onlyReason ?? ''])) === 1;
  }

  async claimProbe(accountId: string, integration: string, now: number, cooldownMs: number): Promise<boolean> {
    return (await runScript(this.client, 'mgIntegrationProbe', [this.stateKey(accountId, integration)], [now, cooldownMs])) === 1;
  }

  async recordCrmUsage(accountId: string, integration: string, usage: CrmUsage): Promise<void> {
    await this.client.hset(this.stateKey(accountId, integration), 'crmUsed', usage.used, 'crmLimit', usage.limit);
  }

  async takeCall(accountId: string, integration: string, now: number, allocation: number, windowMs: number): Promise<CallDecision> {
    // The member only has to be unique (64 random bits); the score carries the time. Short members keep the log small.
    const reply = (await runScript(
      this.client,
      'mgIntegrationTakeCall',
      [this.callsKey(accountId, integration)],
      [now, windowMs, allocation, randomBytes(8).toString('base64url')],
    )) as [number, number, number];
    return { allowed: reply[0] === 1, count: Number(reply[1]), retryAfterMs: Number(reply[2]) };
  }

  async callsInWindow(accountId: string, integration: string, now: number, windowMs: number): Promise<number> {
    return this.client.zcount(this.callsKey(accountId, integration), `(${now - windowMs}`, now);
  }
}
