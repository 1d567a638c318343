// The gateway's standard parts: durable buffer and replay, migration timeline, CRM integration guard, wired together.
import { createAttentionTracker } from '../admin/account-list-index';
import { createBufferParts } from '../buffer/parts';
import type { PartsSettings } from '../config/env';
import type { GatewayCore, GatewayParts } from './contract';
import { reconcileIntegrations } from '../integrations/admin-routes';
import { createIntegrationParts } from '../integrations/parts';
import { Delivery } from '../timeline/delivery';
import { createTimelineParts } from '../timeline/parts';

export interface DefaultPartsOptions {
  /** Replay, timeline and notification settings, already parsed (REPLAY_*, TIMELINE_*, NOTIFY_*, SMTP_URL). Default: none. */
  settings?: Partial<PartsSettings>;
}

export function createDefaultParts(core: GatewayCore, options: DefaultPartsOptions = {}): GatewayParts {
  const { replay = {}, timeline: timelineSettings = { retry: {} }, notify = {} } = options.settings ?? {};
  const timeline = createTimelineParts(core, {
    delivery: new Delivery({ smtpUrl: notify.smtpUrl, from: notify.from, webhookUrl: notify.webhookUrl, logger: core.logger }),
    tickIntervalMs: timelineSettings.tickIntervalMs,
    retry: timelineSettings.retry,
  });
  const attention = createAttentionTracker(core.store.attention, core.clock);
  const buffer = createBufferParts(core, {
    onAccepted: (item) => timeline.onAccepted(item),
    replayer: replay,
    operatorNotify: { webhookUrl: notify.webhookUrl, operatorEmail: notify.operatorEmail, smtpUrl: notify.smtpUrl, from: notify.from },
    bufferStore: attention.trackBuffer(core.store.buffer),
    acceptor: { headerAllowList: core.config.buffer.headerAllowList, messages: core.config.messages.accepted },
  });
  const integrations = createIntegrationParts(
    { ...core, store: { integrations: attention.trackIntegrations(core.store.integrations) } },
    {
      options: {
        transientThreshold: core.config.integrations.transientThreshold,
        probeCooldownMs: core.config.integrations.probeCooldownMs,
        upstreamTimeoutMs: core.config.limits.upstreamTimeoutMs,
      },
      recordAudit: (accountId, actor, action, detail) =>
        core.store.accounts.appendAudit(accountId, { at: core.clock.now(), actor, action, detail }),
      notify: (accountId, reason, detail) => timeline.notifySuspension(accountId, reason, detail),
    },
  );
  return {
    acceptBuffered: buffer.acceptBuffered,
    handleIntegration: integrations.handleIntegration,
    adminRouters: [...buffer.adminRouters, ...timeline.adminRouters, ...integrations.adminRouters],
    accountExtras: [...buffer.accountExtras, ...integrations.accountExtras],
    migrationListeners: [...buffer.migrationListeners, ...timeline.migrationListeners, attention.migrationListener],
    // The lists are written before the change is stored, so an instance dying in between cannot drop an account from them.
    migrationPreparers: [attention.migrationPreparer],
    // An integration configured without field mappings is suspended from the moment it is saved.
    accountSavedListeners: [
      attention.accountSaved,
      async (record) => void (await reconcileIntegrations(core.store, record, core.clock.now())),
    ],
    start() {
      buffer.start();
      timeline.start();
    },
    async close() {
      await buffer.close();
      await timeline.close();
      integrations.close();
    },
  };
}
