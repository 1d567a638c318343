// The CRM integration guard: pause in the window, fail fast while suspended, enforce the rolling allocation, proxy and classify.
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { Counter, type Registry } from 'prom-client';
import type { AccountRecord, IntegrationSettings } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { ALLOCATION_WINDOW_MS, type IntegrationState, type IntegrationStore } from '../store/integration-store';
import { classifyCrmAnswer, headerValue, parseLimitInfo, type Classification } from './classify';
import { REASONS, type ReasonCode } from './reasons';
import { BYPASS_HEADER } from '../security/bypass';
import { applySecurityHeaders } from '../answers/security-headers';

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
  windowOpen: boolean;
  retryAfterSeconds: number;
}

export type IntegrationHandler = ((req: IncomingMessage, res: ServerResponse, ctx: IntegrationContext) => void) & {
  /** Destroys idle keep-alive sockets to the CRMs (shutdown). */
  close(): void;
};

export type CallResult =
  | 'success'
  | 'crm_error'
  | 'caller_error'
  | 'unreachable'
  | 'paused'
  | 'suspended'
  | 'allocation_exceeded'
  | 'unknown_integration'
  | 'store_unavailable'
  | 'client_gone';

interface IntegrationMetrics {
  calls: Counter<'result'>;
  suspensions: Counter<'reason'>;
}

/** Several handlers (or a handler and a test) may share one registry: register once, reuse after. */
function counter<L extends string>(registry: Registry, name: string, help: string, label: L): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames: [label], registers: [registry] });
}

export function integrationMetrics(metrics: Metrics): IntegrationMetrics {
  return {
    calls: counter(metrics.registry, 'mg_integration_calls_total', 'Calls to /integrations/* by what the guard did with them', 'result'),
    suspensions: counter(metrics.registry, 'mg_integration_suspensions_total', 'Integrations newly suspended, by reason', 'reason'),
  };
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  // The operator bypass token is the gateway's own secret: a third-party CRM must never receive it.
  BYPASS_HEADER,
]);

function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>, retryAfterSeconds?: number): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  applySecurityHeaders(res);
  res.writeHead(status, headers);
  res.end(text);
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

/** The CRM URL for a call: the integration's base URL plus the forwarded path; never another origin. */
export function crmTarget(baseUrl: string, forwardPath: string): URL | null {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return null;
  }
  const path = forwardPath.startsWith('/') ? forwardPath : `/${forwardPath}`;
  const target = new URL(base.href.replace(/\/+$/, '') + path);
  return target.origin === base.origin ? target : null;
}

class TimedOut extends Error {
  readonly code = 'ETIMEDOUT';
}

export function createIntegrationHandler(deps: IntegrationHandlerDeps): IntegrationHandler {
  const options: IntegrationHandlerOptions = { ...DEFAULT_INTEGRATION_OPTIONS, ...deps.options };
  const { clock, logger } = deps;
  const integrations = deps.store.integrations;
  const counters = integrationMetrics(deps.metrics);
  const agentOptions = { keepAlive: true, maxSockets: 128, maxFreeSockets: 32 };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

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
      await deps.notify(account.id, reason, { integration, title: info.title, message: info.message, remedy: info.remedy, since, crmErrorCode });
    } catch (err) {
      // A lost notification must not turn the caller's answer into an error; the state itself is stored.
      logger.error({ accountId: account.id, integration, reason, err }, 'suspension notification failed');
    }
  }

  function failFast(res: ServerResponse, ctx: IntegrationContext, state: IntegrationState, reason: ReasonCode, now: number): void {
    count('suspended');
    const info = REASONS[reason];
    // Transient suspensions are retried by a trial call: tell the client when that can next happen.
    let retryAfter: number | undefined;
    if (info.clears === 'probe') {
      const last = state.lastProbeAt ?? state.since ?? now;
      retryAfter = Math.max(1, (last + options.probeCooldownMs - now) / 1000);
    }
    sendJson(res, info.status, suspendedBody(ctx.integration, reason, state.since), retryAfter);
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

  function proxy(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: IntegrationContext,
    settings: IntegrationSettings,
    target: URL,
    state: IntegrationState,
    probe: boolean,
  ): void {
    // The client may have left while the guard consulted its store: its 'close' has fired already, so the CRM
    // call would wait for a body that never comes, time out, and be counted as an outage of the CRM.
    if (res.destroyed || (req.destroyed && !req.complete)) {
      count('client_gone');
      return;
    }
    const secure = target.protocol === 'https:';
    const upstreamReq = (secure ? https : http).request(target, {
      method: req.method,
      headers: endToEnd(req.headers),
      agent: secure ? httpsAgent : httpAgent,
    });
    let clientGone = false;
    let answered = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        upstreamReq.destroy();
      }
    });
    upstreamReq.setTimeout(options.upstreamTimeoutMs, () => upstreamReq.destroy(new TimedOut('CRM call timed out')));

    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (clientGone) return;
      if (answered) {
        // The CRM failed mid-answer: the caller must see a broken response, not a short one.
        res.destroy();
        return;
      }
      answered = true;
      const timedOut = err instanceof TimedOut;
      logger.warn({ accountId: ctx.account.id, integration: ctx.integration, code: err.code }, 'CRM call failed');
      count('unreachable');
      // Not reaching the CRM at all is an outage as far as the integration is concerned.
      recordFailure(ctx, settings, { kind: 'failure', reason: 'ORG_UNAVAILABLE', immediate: false, errorCode: null })
        .catch((storeErr: unknown) => logger.error({ err: storeErr }, 'could not record CRM failure'))
        .finally(() =>
          sendJson(res, timedOut ? 504 : 502, {
            status: 'error',
            category: timedOut ? 'CRM_TIMEOUT' : 'CRM_UNREACHABLE',
            message: timedOut ? 'The CRM took too long to answer.' : 'The CRM could not be reached.',
          }),
        );
    });

    upstreamReq.on('response', (upstream) => {
      answered = true;
      void relay(upstream).catch((err: unknown) => {
        logger.error({ err, accountId: ctx.account.id, integration: ctx.integration }, 'relaying the CRM answer failed');
        if (res.headersSent) res.destroy();
        else sendJson(res, 503, { status: 'error', category: 'STORE_UNAVAILABLE', message: 'The gateway could not record the CRM answer.' }, 5);
      });
    });

    async function relay(upstream: IncomingMessage): Promise<void> {
      const status = upstream.statusCode ?? 502;
      const pending: Promise<unknown>[] = [];
      // The state writes are awaited only once the CRM's body has arrived (or been read): mark each as handled now,
      // or a store failing meanwhile is an unhandled rejection, which ends the process.
      const writes = {
        push(write: Promise<unknown>): void {
          write.catch(() => undefined);
          pending.push(write);
        },
      };
      const usage = parseLimitInfo(headerValue(upstream.headers, 'sforce-limit-info'));
      if (usage) writes.push(integrations.recordCrmUsage(ctx.account.id, ctx.integration, usage));

      if (status < 400) {
        count('success');
        if (probe && state.reason) {
          writes.push(
            integrations.clear(ctx.account.id, ctx.integration, state.reason).then((lifted) => {
              if (lifted) logger.info({ accountId: ctx.account.id, integration: ctx.integration, reason: state.reason }, 'trial call succeeded: suspension lifted');
            }),
          );
        } else if (state.consecutiveFailures > 0) {
          writes.push(integrations.recordSuccess(ctx.account.id, ctx.integration));
        }
        // Success bodies stream through unread; the state writes finish before the caller sees the end.
        res.writeHead(status, endToEnd(upstream.headers));
        upstream.pipe(res, { end: false });
        upstream.on('end', () => {
          void Promise.allSettled(pending).then((results) => {
            for (const r of results) if (r.status === 'rejected') logger.error({ err: r.reason }, 'could not record a CRM success');
            res.end();
          });
        });
        upstream.on('error', () => res.destroy());
        return;
      }

      const { excerpt, ended, broken } = await readExcerpt(upstream, options.errorExcerptBytes);
      const classification = classifyCrmAnswer({ status, headers: upstream.headers, body: excerpt });
      // The caller's own error (a missing record, a duplicate, a validation rule) neither counts as a failure nor
      // ends a run of transient ones: it says nothing about the CRM's health, and a trial call that meets one
      // leaves the suspension as it is until the next trial.
      count(classification.kind === 'caller_error' ? 'caller_error' : 'crm_error');
      if (classification.kind === 'failure') writes.push(recordFailure(ctx, settings, classification));
      await Promise.all(pending);
      // The caller of the call that failed hears the CRM's own answer.
      res.writeHead(status, endToEnd(upstream.headers));
      res.write(excerpt);
      // A CRM that dropped the connection mid-body must not look like a complete (short) answer.
      if (broken) res.destroy();
      else if (ended) res.end();
      else {
        upstream.pipe(res);
        upstream.resume();
      }
    }

    req.pipe(upstreamReq);
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
    if (ctx.windowOpen) {
      count('paused');
      sendJson(
        res,
        503,
        {
          status: 'error',
          category: 'INTEGRATION_PAUSED',
          message: "Integration sync is paused while the account's data is being migrated; it resumes after the maintenance window.",
        },
        ctx.retryAfterSeconds,
      );
      return;
    }

    let now = clock.now();
    if (settings.fieldMappings.length === 0) {
      if (await integrations.suspend(account.id, integration, 'MISSING_FIELD_MAPPINGS', now)) {
        await onSuspended(account, integration, settings, 'MISSING_FIELD_MAPPINGS', now, null);
      }
      failFast(res, ctx, await integrations.get(account.id, integration), 'MISSING_FIELD_MAPPINGS', now);
      return;
    }

    const state = await integrations.get(account.id, integration);
    let probe = false;
    if (state.state === 'suspended' && state.reason !== 'API_ALLOCATION_EXCEEDED') {
      const reason = state.reason ?? 'UNKNOWN_ERROR';
      probe = REASONS[reason].clears === 'probe' && (await integrations.claimProbe(account.id, integration, now, options.probeCooldownMs));
      if (!probe) {
        failFast(res, ctx, state, reason, now);
        return;
      }
      logger.info({ accountId: account.id, integration, reason }, 'trial call through a suspension');
    }

    now = clock.now();
    const decision = await integrations.takeCall(account.id, integration, now, settings.dailyCallAllocation, ALLOCATION_WINDOW_MS);
    if (!decision.allowed) {
      count('allocation_exceeded');
      let since = state.reason === 'API_ALLOCATION_EXCEEDED' ? state.since : now;
      // A suspension for another reason (this was its trial call) keeps its reason; only an active one changes.
      if (state.state === 'active' && (await integrations.suspend(account.id, integration, 'API_ALLOCATION_EXCEEDED', now))) {
        await onSuspended(account, integration, settings, 'API_ALLOCATION_EXCEEDED', now, null);
        since = now;
      }
      sendJson(res, 429, suspendedBody(integration, 'API_ALLOCATION_EXCEEDED', since), decision.retryAfterMs / 1000);
      return;
    }
    if (state.reason === 'API_ALLOCATION_EXCEEDED' && (await integrations.clear(account.id, integration, 'API_ALLOCATION_EXCEEDED'))) {
      logger.info({ accountId: account.id, integration }, 'allocation has room again: suspension lifted');
    }

    proxy(req, res, ctx, settings, target, state, probe);
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
          { status: 'error', category: 'STORE_UNAVAILABLE', message: 'The gateway cannot check the integration right now; try again shortly.' },
          5,
        );
    });
  };
  return Object.assign(handler, {
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}

/** Reads up to `limit` bytes of a stream, then pauses it so the rest can be piped on. */
function readExcerpt(stream: IncomingMessage, limit: number): Promise<{ excerpt: Buffer; ended: boolean; broken: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (ended: boolean, broken = false): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onError);
      resolve({ excerpt: Buffer.concat(chunks), ended, broken });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        stream.pause();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    // A broken error body still counts as the CRM's error; classify what arrived.
    const onError = (): void => finish(true, true);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onError);
  });
}
