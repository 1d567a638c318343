// The CRM integration guard: fail fast while suspended, enforce the rolling allocation, then proxy the call and record what the CRM said.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import type { AccountRecord, IntegrationSettings } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { Logger } from '../observability/logger';
import { registeredOnce, type Metrics } from '../observability/metrics';
import { ALLOCATION_WINDOW_MS, type IntegrationState, type IntegrationStore } from '../store/integration-store';
import { classifyCrmAnswer, headerValue, parseLimitInfo, type Classification } from './classify';
import { clientLeft, createCrmProxy, crmTarget, sendJson, type CrmAnswerHooks } from './crm-proxy';
import { allocationStep, answerEffect, failFast, suspensionStep, type CallResult } from './guard';
import { REASONS } from './reasons';
import { type ReasonCode } from '../domain/reason-codes';

export interface IntegrationHandlerOptions {
  /** Consecutive transient failures that suspend the integration (default 3). */
  transientThreshold: number;
  /** Time a transient suspension waits before one trial call, and between trial calls (default 60 s). */
  probeCooldownMs: number;
  /** Idle time after which a CRM call is abandoned with 504 (default 30 s). */
  upstreamTimeoutMs: number;
  /** How much of an error body is read to classify it (default 64 KiB); the rest streams through unread. */
  errorExcerptBytes: number;
}

export const DEFAULT_INTEGRATION_OPTIONS: IntegrationHandlerOptions = {
  transientThreshold: 3,
  probeCooldownMs: 60_000,
  upstreamTimeoutMs: 30_000,
  errorExcerptBytes: 64 * 1024,
};

export interface SuspensionDetail {
  integration: string;
  title: string;
  message: string;
  remedy: string;
  since: number;
  /** The CRM's errorCode that caused it, when there was one. */
  crmErrorCode: string | null;
}

export type SuspensionNotifier = (accountId: string, reason: ReasonCode, detail: SuspensionDetail) => Promise<void>;

export interface IntegrationHandlerDeps {
  store: { integrations: IntegrationStore };
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  options?: Partial<IntegrationHandlerOptions>;
  /** Called once per new suspension when the integration has notifyOnSuspension (e.g. enqueue to the outbox). */
  notify?: SuspensionNotifier;
}

export interface IntegrationContext {
  account: AccountRecord;
  integration: string;
  /** Path (and query string) after `/integrations/:integration`, appended to the integration's baseUrl. */
  forwardPath: string;
}

export type IntegrationHandler = ((req: IncomingMessage, res: ServerResponse, ctx: IntegrationContext) => void) & {
  /** Destroys idle keep-alive sockets to the CRMs (shutdown). */
  close(): void;
};

interface IntegrationMetrics {
  calls: Counter<'result'>;
  suspensions: Counter<'reason'>;
}

function counter<L extends string>(registry: Registry, name: string, help: string, label: L): Counter<L> {
  return registeredOnce(registry, name, () => new Counter({ name, help, labelNames: [label], registers: [registry] }));
}

export function integrationMetrics(metrics: Metrics): IntegrationMetrics {
  return {
    calls: counter(metrics.registry, 'mg_integration_calls_total', 'Calls to /integrations/* by what the guard did with them', 'result'),
    suspensions: counter(metrics.registry, 'mg_integration_suspensions_total', 'Integrations newly suspended, by reason', 'reason'),
  };
}

export function suspendedBody(integration: string, reason: ReasonCode, since: number | null): Record<string, unknown> {
  const info = REASONS[reason];
  return {
    status: 'error',
    category: 'INTEGRATION_SUSPENDED',
    reason,
    message: info.message,
    remedy: info.remedy,
    integration,
    since: since === null ? null : new Date(since).toISOString(),
  };
}

export function createIntegrationHandler(deps: IntegrationHandlerDeps): IntegrationHandler {
  const options: IntegrationHandlerOptions = { ...DEFAULT_INTEGRATION_OPTIONS, ...deps.options };
  const { clock, logger } = deps;
  const integrations = deps.store.integrations;
  const counters = integrationMetrics(deps.metrics);
  const crm = createCrmProxy(options);

  const count = (result: CallResult): void => {
    counters.calls.inc({ result });
  };

  async function onSuspended(
    account: AccountRecord,
    integration: string,
    settings: IntegrationSettings,
    reason: ReasonCode,
    since: number,
    crmErrorCode: string | null,
  ): Promise<void> {
    counters.suspensions.inc({ reason });
    logger.warn({ accountId: account.id, integration, reason, crmErrorCode }, 'integration suspended');
    if (!settings.notifyOnSuspension || !deps.notify) return;
    const info = REASONS[reason];
    try {
      await deps.notify(account.id, reason, {
        integration,
        title: info.title,
        message: info.message,
        remedy: info.remedy,
        since,
        crmErrorCode,
      });
    } catch (err) {
      // A lost notification must not turn the caller's answer into an error; the state itself is stored.
      logger.error({ accountId: account.id, integration, reason, err }, 'suspension notification failed');
    }
  }

  function refuseSuspended(res: ServerResponse, ctx: IntegrationContext, state: IntegrationState, reason: ReasonCode, now: number): void {
    count('suspended');
    const refusal = failFast(state, reason, now, options.probeCooldownMs);
    sendJson(res, refusal.status, suspendedBody(ctx.integration, reason, state.since), refusal.retryAfterSeconds);
  }

  /** Records a classified CRM failure; a new suspension is counted, logged and notified. */
  async function recordFailure(
    ctx: IntegrationContext,
    settings: IntegrationSettings,
    failure: Extract<Classification, { kind: 'failure' }>,
  ): Promise<void> {
    const now = clock.now();
    const outcome = await integrations.recordFailure(
      ctx.account.id,
      ctx.integration,
      failure.reason,
      failure.immediate,
      options.transientThreshold,
      now,
    );
    if (outcome.suspended) await onSuspended(ctx.account, ctx.integration, settings, failure.reason, now, failure.errorCode);
  }

  /** What the guard records about each kind of CRM answer (the state writes of SPEC §6). */
  function answerHooks(ctx: IntegrationContext, settings: IntegrationSettings, state: IntegrationState, probe: boolean): CrmAnswerHooks {
    const { account, integration } = ctx;
    // Every write is marked handled as it starts: they are awaited only once the CRM's body has arrived (or been
    // read), and a store failing meanwhile would otherwise be an unhandled rejection, which ends the process.
    const started = (write: Promise<unknown>): Promise<unknown> => {
      write.catch(() => undefined);
      return write;
    };
    const usageWrite = (headers: IncomingHttpHeaders): Promise<unknown>[] => {
      const usage = parseLimitInfo(headerValue(headers, 'sforce-limit-info'));
      return usage ? [started(integrations.recordCrmUsage(account.id, integration, usage))] : [];
    };
    const effectWrite = (classification: Classification): Promise<unknown>[] => {
      const { result, effect } = answerEffect(classification, state, probe);
      count(result);
      switch (effect) {
        case 'lift_suspension':
          return [
            started(
              integrations.clear(account.id, integration, state.reason ?? undefined).then((lifted) => {
                if (lifted)
                  logger.info({ accountId: account.id, integration, reason: state.reason }, 'trial call succeeded: suspension lifted');
              }),
            ),
          ];
        case 'reset_failures':
          return [started(integrations.recordSuccess(account.id, integration))];
        case 'record_failure':
          return classification.kind === 'failure' ? [started(recordFailure(ctx, settings, classification))] : [];
        case 'none':
          return [];
      }
    };
    return {
      async success(_status, headers) {
        const writes = [...usageWrite(headers), ...effectWrite({ kind: 'ok' })];
        for (const r of await Promise.allSettled(writes))
          if (r.status === 'rejected') logger.error({ err: r.reason }, 'could not record a CRM success');
      },
      async error(status, headers, excerpt) {
        const writes = usageWrite(headers);
        writes.push(...effectWrite(classifyCrmAnswer({ status, headers, body: excerpt })));
        await Promise.all(writes);
      },
      async unreachable(err) {
        logger.warn({ accountId: account.id, integration, code: err.code }, 'CRM call failed');
        count('unreachable');
        // Not reaching the CRM at all is an outage as far as the integration is concerned.
        await recordFailure(ctx, settings, { kind: 'failure', reason: 'ORG_UNAVAILABLE', immediate: false, errorCode: null }).catch(
          (storeErr: unknown) => logger.error({ err: storeErr }, 'could not record CRM failure'),
        );
      },
      relayFailed(err) {
        logger.error({ err, accountId: account.id, integration }, 'relaying the CRM answer failed');
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, ctx: IntegrationContext): Promise<void> {
    const { account, integration } = ctx;
    const settings = Object.prototype.hasOwnProperty.call(account.settings.integrations, integration)
      ? account.settings.integrations[integration]
      : undefined;
    const target = settings ? crmTarget(settings.baseUrl, ctx.forwardPath) : null;
    if (!settings || !target) {
      count('unknown_integration');
      sendJson(res, 404, { status: 'error', category: 'INTEGRATION_NOT_FOUND', message: 'This account has no integration of that name.' });
      return;
    }

    let now = clock.now();
    if (settings.fieldMappings.length === 0) {
      if (await integrations.suspend(account.id, integration, 'MISSING_FIELD_MAPPINGS', now)) {
        await onSuspended(account, integration, settings, 'MISSING_FIELD_MAPPINGS', now, null);
      }
      refuseSuspended(res, ctx, await integrations.get(account.id, integration), 'MISSING_FIELD_MAPPINGS', now);
      return;
    }

    const state = await integrations.get(account.id, integration);
    const step = suspensionStep(state);
    let probe = false;
    if (step.kind !== 'proceed') {
      probe = step.kind === 'try_probe' && (await integrations.claimProbe(account.id, integration, now, options.probeCooldownMs));
      if (!probe) {
        refuseSuspended(res, ctx, state, step.reason, now);
        return;
      }
      logger.info({ accountId: account.id, integration, reason: step.reason }, 'trial call through a suspension');
    }

    now = clock.now();
    const allocation = allocationStep(
      state,
      await integrations.takeCall(account.id, integration, now, settings.dailyCallAllocation, ALLOCATION_WINDOW_MS),
      now,
    );
    if (allocation.kind === 'refuse') {
      count('allocation_exceeded');
      let since = allocation.since;
      if (allocation.suspend && (await integrations.suspend(account.id, integration, 'API_ALLOCATION_EXCEEDED', now))) {
        await onSuspended(account, integration, settings, 'API_ALLOCATION_EXCEEDED', now, null);
        since = now;
      }
      sendJson(res, 429, suspendedBody(integration, 'API_ALLOCATION_EXCEEDED', since), allocation.retryAfterSeconds);
      return;
    }
    if (allocation.liftAllocationSuspension && (await integrations.clear(account.id, integration, 'API_ALLOCATION_EXCEEDED'))) {
      logger.info({ accountId: account.id, integration }, 'allocation has room again: suspension lifted');
    }

    if (clientLeft(req, res)) {
      count('client_gone');
      return;
    }
    crm.forward(req, res, target, answerHooks(ctx, settings, state, probe));
  }

  const handler = (req: IncomingMessage, res: ServerResponse, ctx: IntegrationContext): void => {
    handle(req, res, ctx).catch((err: unknown) => {
      // Without the store neither the suspension nor the allocation can be honoured: refuse rather than overrun the CRM.
      logger.error({ err, accountId: ctx.account.id, integration: ctx.integration }, 'integration guard could not reach its store');
      count('store_unavailable');
      if (res.headersSent) res.destroy();
      else
        sendJson(
          res,
          503,
          {
            status: 'error',
            category: 'STORE_UNAVAILABLE',
            message: 'The gateway cannot check the integration right now; try again shortly.',
          },
          5,
        );
    });
  };
  return Object.assign(handler, { close: () => crm.close() });
}
