// A small express app around the integration guard (as the gateway will mount it) and a fake CRM, for the guard's tests.
import { adminErrorHandler } from '../../src/admin/errors';
import express, { type Express } from 'express';
import type { AccountRecord, AuditEntry, IntegrationSettings } from '../../src/domain/account';
import { ManualClock } from '../../src/domain/clock';
import { integrationAdminRouter } from '../../src/integrations/admin-routes';
import {
  createIntegrationHandler,
  type IntegrationHandler,
  type IntegrationHandlerOptions,
  type SuspensionDetail,
} from '../../src/integrations/handler';
import type { ReasonCode } from '../../src/domain/reason-codes';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import type { Store } from '../../src/store/types';

export const T0 = Date.UTC(2026, 10, 2, 9);

export function integration(baseUrl: string, overrides: Partial<IntegrationSettings> = {}): IntegrationSettings {
  return {
    baseUrl,
    dailyCallAllocation: 1000,
    fieldMappings: [{ property: 'email', field: 'Email' }],
    notifyOnSuspension: true,
    ...overrides,
  };
}

export function account(id: string, integrations: Record<string, IntegrationSettings>): AccountRecord {
  return {
    id,
    settings: {
      dataLocation: 'us',
      timezone: 'Europe/Copenhagen',
      contactName: 'Ada',
      superAdmins: [{ id: 'u1', name: 'Ada', email: 'ada@example.test' }],
      paymentsEnabled: false,
      ssoEnabled: false,
      hasSandbox: false,
      integrations,
      meetingLinks: {},
    },
    migration: null,
    version: 1,
    updatedAt: T0 - 3600_000,
  };
}

export interface Notified {
  accountId: string;
  reason: ReasonCode;
  detail: SuspensionDetail;
}

export interface GuardApp {
  app: Express;
  handler: IntegrationHandler;
  metrics: Metrics;
  accounts: Map<string, AccountRecord>;
  notified: Notified[];
  audits: (AuditEntry & { accountId: string })[];
}

/**
 * `/integrations/:integration/**` with the account in X-Account-Id (as in SPEC §7), and the admin routes under
 * /admin/v1 behind a stand-in for the lead's account-loading middleware.
 */
export function guardApp(store: Store, clock: ManualClock, options: Partial<IntegrationHandlerOptions> = {}): GuardApp {
  const accounts = new Map<string, AccountRecord>();
  const notified: Notified[] = [];
  const audits: GuardApp['audits'] = [];
  const metrics = new Metrics();
  const handler = createIntegrationHandler({
    store,
    clock,
    logger: silentLogger,
    metrics,
    options,
    notify: async (accountId, reason, detail) => {
      notified.push({ accountId, reason, detail });
    },
  });
  const app = express();
  app.use('/integrations/:integration', (req, res) => {
    const found = accounts.get(String(req.headers['x-account-id'] ?? ''));
    if (!found) {
      res.status(404).json({ error: 'no account' });
      return;
    }
    handler(req, res, {
      account: found,
      integration: req.params.integration,
      forwardPath: req.url,
    });
  });
  app.use(
    '/admin/v1',
    (req, res, next) => {
      const match = /^\/accounts\/([^/]+)/.exec(req.path);
      const found = match ? accounts.get(decodeURIComponent(match[1])) : undefined;
      if (!found) {
        res.status(404).json({ error: { code: 'ACCOUNT_NOT_FOUND', message: 'No account with this id.' } });
        return;
      }
      res.locals.account = found;
      res.locals.actor = String(req.headers['x-actor-id'] ?? 'anonymous');
      next();
    },
    integrationAdminRouter({
      store,
      clock,
      recordAudit: async (accountId, actor, action, detail) => {
        audits.push({ accountId, at: clock.now(), actor, action, detail });
      },
    }),
  );
  // The admin router's one error handler, which renders the routes' GatewayErrors.
  app.use(adminErrorHandler({}));
  return { app, handler, metrics, accounts, notified, audits };
}
