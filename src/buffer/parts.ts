// Builds the buffer's parts for createGateway (acceptor, replayer, admin router, account extra, migration listener).
import type { Router } from 'express';
import type { AccountExtras } from '../domain/account';
import type { GatewayConfig } from '../config/schema';
import type { Clock } from '../domain/clock';
import type { MigrationListener } from '../migration/events';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { BufferedItem, BufferStore } from '../store/buffer-store';
import { normalizeAddress } from '../security/forwarded-headers';
import type { Store } from '../store/types';
import { createBufferAcceptor, type BufferAcceptor, type BufferAcceptorDeps } from './accept';
import { DEFAULT_HEADER_ALLOW_LIST } from '../domain/http-headers';
import { bufferAccountExtras, bufferAdminRouter } from './admin-routes';
import { Replayer, type ReplayerOptions } from './replayer';
import { createRejectedReplayNotifier, type RejectedReplayNotifierOptions } from './rejected-replays';
import { checkSigningSecret } from './replay-signature';

export interface BufferPartsCore {
  config: GatewayConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export interface BufferPartsDeps {
  /** Called for every stored item (the timeline records meeting requests from it). */
  onAccepted?: (item: BufferedItem) => void | Promise<void>;
  acceptor?: Pick<BufferAcceptorDeps, 'headerAllowList' | 'storeTimeoutMs' | 'retryAfterSeconds' | 'messages'>;
  replayer?: Partial<ReplayerOptions>;
  /** The buffer store the replayer and the admin routes write through (e.g. one that indexes dead letters); default store.buffer. */
  bufferStore?: BufferStore;
  /** Where replay_rejected notifications go (parsed NOTIFY_WEBHOOK_URL, NOTIFY_OPERATOR_EMAIL via SMTP_URL); default: the log only. */
  operatorNotify?: Omit<RejectedReplayNotifierOptions, 'logger'>;
}

export interface BufferParts {
  acceptBuffered: BufferAcceptor;
  adminRouters: Router[];
  /** Adds `buffered: {waiting, deadLetters, bySurface}` to GET /admin/v1/accounts/:id. */
  accountExtras: AccountExtras[];
  /** Nudges the replayer when a window closes (completed or failed). */
  migrationListeners: MigrationListener[];
  replayer: Replayer;
  /** Starts polling for accounts to replay (also picks up work left by an instance that died). */
  start(): void;
  /** Stops replaying and releases the leases (graceful shutdown). */
  close(): Promise<void>;
}

export function createBufferParts(core: BufferPartsCore, deps: BufferPartsDeps = {}): BufferParts {
  const { config, store, clock, logger, metrics } = core;
  const bufferStore = deps.bufferStore ?? store.buffer;
  // REPLAY_SIGNING_SECRET (parsed into deps.replayer) wins over the config file; both are checked before anything starts.
  const signingSecret = deps.replayer?.signingSecret ?? checkSigningSecret(config.buffer.signingSecret, 'buffer.signingSecret');
  if (signingSecret === null)
    logger.warn('replays are not signed: set REPLAY_SIGNING_SECRET (32+ characters) so receivers can verify X-Maintenance-Signature');
  const notifier = createRejectedReplayNotifier({ ...deps.operatorNotify, logger });
  const replayer = new Replayer({
    store: bufferStore,
    clock,
    logger,
    metrics,
    // Straight from the store, not the request cache: replay must see the migration's final state.
    getAccount: (id) => store.accounts.get(id),
    upstreamFor: (record) => config.upstreams[record.settings.dataLocation].url,
    options: { requestTimeoutMs: config.limits.upstreamTimeoutMs, ...deps.replayer, signingSecret },
    notifyRejected: (letter) => notifier.send(letter),
  });
  const trustedSources = new Set(config.account.trustedHeaderSources.map(normalizeAddress));
  const acceptBuffered = createBufferAcceptor({
    store: store.buffer,
    clock,
    logger,
    metrics,
    bodyLimits: {
      form: config.limits.maxBufferedBodyBytes.form,
      meeting: config.limits.maxBufferedBodyBytes.meeting ?? config.limits.maxBodyBytes,
      analytics: config.limits.maxBufferedBodyBytes.analytics ?? config.limits.maxBodyBytes,
      inbound: config.limits.maxBufferedBodyBytes.inbound ?? config.limits.maxBodyBytes,
    },
    inFlightBytes: config.limits.maxBufferingBytes,
    headerAllowList: deps.acceptor?.headerAllowList ?? DEFAULT_HEADER_ALLOW_LIST,
    // The same trust as the proxy's: only listed peers may speak for the original host and scheme.
    trustedProxy: (req) => trustedSources.has(normalizeAddress(req.socket.remoteAddress)),
    // The account may have come from the header: the upstream needs it again on replay.
    accountHeader: config.account.header,
    storeTimeoutMs: deps.acceptor?.storeTimeoutMs,
    retryAfterSeconds: deps.acceptor?.retryAfterSeconds,
    messages: deps.acceptor?.messages,
    onAccepted: deps.onAccepted,
  });
  const closed: MigrationListener = (event) => {
    if (event.kind === 'completed' || event.kind === 'failed') replayer.nudge(event.account.id);
  };
  return {
    acceptBuffered,
    adminRouters: [
      bufferAdminRouter({
        store: bufferStore,
        nudge: (id) => replayer.nudge(id),
        logger,
        audit: (accountId, actor, action, detail) => store.accounts.appendAudit(accountId, { at: clock.now(), actor, action, detail }),
      }),
    ],
    accountExtras: [bufferAccountExtras(store.buffer)],
    migrationListeners: [closed],
    replayer,
    start: () => replayer.start(),
    close: async () => {
      await replayer.stop();
      notifier.close();
    },
  };
}
