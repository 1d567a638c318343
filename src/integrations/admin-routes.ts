// Admin API for one account's CRM integrations: the guard's view (state, reason, remedy, rolling usage) and Clear Suspension.
//
// Mounting contract (the lead's admin app provides it):
// - mount under `/admin/v1` AFTER the bearer-token check and the middleware that loads the account of `:id`;
// - that middleware puts the AccountRecord in `res.locals.account` (answering 404 itself for an unknown account)
//   and the acting user's id (X-Actor-Id) in `res.locals.actor`;
// - `recordAudit(accountId, actor, action, detail)` appends to the account's audit trail; it is awaited, and its
//   failure is passed to express's error handler.
// Refusals are GatewayErrors, rendered by the admin router's one error handler as `{"error":{"code","message"}}`.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { accountParams, adminRoute } from '../domain/admin-route';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { ALLOCATION_WINDOW_MS, type IntegrationState, type IntegrationStore } from '../store/integration-store';
import { REASONS } from './reasons';
import { REASON_CODES, type ReasonCode } from '../domain/reason-codes';

export type RecordAudit = (accountId: string, actor: string, action: string, detail: Record<string, unknown>) => Promise<void>;

export interface IntegrationAdminDeps {
  store: { integrations: IntegrationStore };
  clock: Clock;
  recordAudit: RecordAudit;
}

export interface IntegrationView {
  integration: string;
  state: 'active' | 'suspended';
  reason: ReasonCode | null;
  since: string | null;
  message: string | null;
  remedy: string | null;
  consecutiveFailures: number;
  usage: { callsLast24h: number; allocation: number };
  crmUsage: { used: number | null; limit: number | null };
}

const nullableInstant = z.string().datetime().nullable();

/** The answer of both routes and the `integrationStatus` entries of GET /accounts/:id. */
export const integrationViewSchema = z.object({
  integration: z.string(),
  state: z.enum(['active', 'suspended']),
  // A union, not .nullable(): the generator leaves null out of a nullable enum's values (zod-to-openapi 7).
  reason: z.union([z.enum(REASON_CODES), z.null()]),
  since: nullableInstant,
  message: z.string().nullable(),
  remedy: z.string().nullable(),
  consecutiveFailures: z.number().int().min(0),
  usage: z
    .object({ callsLast24h: z.number().int().min(0), allocation: z.number().int().min(0) })
    .describe('Calls in the rolling 24 hours against the daily allocation'),
  crmUsage: z
    .object({ used: z.number().nullable(), limit: z.number().nullable() })
    .describe("The CRM's own rate-limit usage, as it last reported it"),
});

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * What an operator should see (pure). Two states are derived rather than stored: an allocation suspension whose
 * window has room again is shown active (the next call lifts it in the store), and an integration without field
 * mappings is suspended from the moment it was configured even before any call.
 */
export function integrationView(
  account: AccountRecord,
  integration: string,
  stored: IntegrationState,
  callsLast24h: number,
): IntegrationView {
  const settings = account.settings.integrations[integration];
  const allocation = settings?.dailyCallAllocation ?? 0;
  let reason: ReasonCode | null = stored.state === 'suspended' ? (stored.reason ?? 'UNKNOWN_ERROR') : null;
  let since = stored.since;
  if (reason === 'API_ALLOCATION_EXCEEDED' && callsLast24h < allocation) {
    reason = null;
    since = null;
  }
  if (reason === null && settings && settings.fieldMappings.length === 0) {
    reason = 'MISSING_FIELD_MAPPINGS';
    since = account.updatedAt;
  }
  return {
    integration,
    state: reason ? 'suspended' : 'active',
    reason,
    since: reason ? iso(since) : null,
    message: reason ? REASONS[reason].message : null,
    remedy: reason ? REASONS[reason].remedy : null,
    consecutiveFailures: stored.consecutiveFailures,
    usage: { callsLast24h, allocation },
    crmUsage: { used: stored.crmUsage?.used ?? null, limit: stored.crmUsage?.limit ?? null },
  };
}

/**
 * Suspends every integration of the account that has no field mappings (call after an account's settings were
 * saved, so the suspension starts when it is configured). Returns the integrations newly suspended.
 */
export async function reconcileIntegrations(
  store: { integrations: IntegrationStore },
  account: AccountRecord,
  now: number,
): Promise<string[]> {
  const suspended: string[] = [];
  for (const [name, settings] of Object.entries(account.settings.integrations)) {
    if (settings.fieldMappings.length > 0) continue;
    if (await store.integrations.suspend(account.id, name, 'MISSING_FIELD_MAPPINGS', now)) suspended.push(name);
  }
  return suspended;
}

type Resolved = { account: AccountRecord; name: string };

/** The account the admin router loaded and the integration named in the path; a GatewayError otherwise. */
function resolve(req: Request, res: Response): Resolved {
  const account = res.locals.account as AccountRecord | undefined;
  if (!account || account.id !== req.params.id) throw new GatewayError(404, 'ACCOUNT_NOT_FOUND', 'No account with this id.');
  const name = req.params.name;
  if (!Object.prototype.hasOwnProperty.call(account.settings.integrations, name)) {
    throw new GatewayError(404, 'INTEGRATION_NOT_FOUND', 'The account has no integration of this name.');
  }
  return { account, name };
}

const params = accountParams.extend({ name: z.string().describe('Integration name, as in the account settings') });

export function integrationAdminRouter(deps: IntegrationAdminDeps): Router {
  const router = Router();
  const { integrations } = deps.store;

  async function view(account: AccountRecord, name: string): Promise<IntegrationView> {
    const now = deps.clock.now();
    const [stored, calls] = await Promise.all([
      integrations.get(account.id, name),
      integrations.callsInWindow(account.id, name, now, ALLOCATION_WINDOW_MS),
    ]);
    return integrationView(account, name, stored, calls);
  }

  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts/{id}/integrations/{name}',
      operationId: 'getIntegration',
      tags: ['integrations'],
      summary: 'State, reason, remedy and calls used in the rolling 24 hours',
      params,
      responses: { 200: { description: 'The integration', schema: integrationViewSchema } },
      errors: { 404: ['INTEGRATION_NOT_FOUND'] },
    },
    async (req, res) => {
      const { account, name } = resolve(req, res);
      res.json(await view(account, name));
    },
  );

  adminRoute(
    router,
    {
      method: 'post',
      path: '/accounts/{id}/integrations/{name}/clear-suspension',
      operationId: 'clearSuspension',
      tags: ['integrations'],
      summary: 'Clear Suspension',
      params,
      responses: { 200: { description: 'The integration after clearing', schema: integrationViewSchema } },
      errors: { 404: ['INTEGRATION_NOT_FOUND'], 422: ['MISSING_FIELD_MAPPINGS'] },
    },
    async (req, res) => {
      const { account, name } = resolve(req, res);
      if (account.settings.integrations[name].fieldMappings.length === 0) {
        // Clearing would only be undone by the next call: the cause is still there.
        throw new GatewayError(
          422,
          'MISSING_FIELD_MAPPINGS',
          'The integration still has no field mappings; add them before clearing the suspension.',
        );
      }
      const actor = typeof res.locals.actor === 'string' ? res.locals.actor : 'unknown';
      const before = await integrations.get(account.id, name);
      const cleared = await integrations.clear(account.id, name);
      await deps.recordAudit(account.id, actor, 'integration.clear_suspension', {
        integration: name,
        wasSuspended: cleared,
        reason: before.state === 'suspended' ? before.reason : null,
      });
      res.json(await view(account, name));
    },
  );

  return router;
}
