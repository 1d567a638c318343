// Builds the integration guard's parts for createGateway (handler, admin router, account-view extra) from the core.
import type { Router } from 'express';
import type { AccountExtras } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { ALLOCATION_WINDOW_MS, type IntegrationStore } from '../store/integration-store';
import { integrationAdminRouter, integrationView, type RecordAudit } from './admin-routes';
import { createIntegrationHandler, type IntegrationHandler, type IntegrationHandlerOptions, type SuspensionNotifier } from './handler';

export interface IntegrationPartsCore {
  store: { integrations: IntegrationStore };
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export interface IntegrationPartsDeps {
  recordAudit: RecordAudit;
  notify?: SuspensionNotifier;
  options?: Partial<IntegrationHandlerOptions>;
}

export interface IntegrationParts {
  handleIntegration: IntegrationHandler;
  adminRouters: Router[];
  /** Adds `integrationStatus: {<name>: view}` to GET /admin/v1/accounts/:id (`integrations` stays the settings). */
  accountExtras: AccountExtras[];
  close(): void;
}

export function createIntegrationParts(core: IntegrationPartsCore, deps: IntegrationPartsDeps): IntegrationParts {
  const handleIntegration = createIntegrationHandler({ ...core, options: deps.options, notify: deps.notify });
  const router = integrationAdminRouter({ store: core.store, clock: core.clock, recordAudit: deps.recordAudit });
  const statusExtra: AccountExtras = async (record) => {
    const now = core.clock.now();
    const entries = await Promise.all(
      Object.keys(record.settings.integrations).map(async (name) => {
        const [stored, calls] = await Promise.all([
          core.store.integrations.get(record.id, name),
          core.store.integrations.callsInWindow(record.id, name, now, ALLOCATION_WINDOW_MS),
        ]);
        return [name, integrationView(record, name, stored, calls)] as const;
      }),
    );
    return { integrationStatus: Object.fromEntries(entries) };
  };
  return { handleIntegration, adminRouters: [router], accountExtras: [statusExtra], close: () => handleIntegration.close() };
}
