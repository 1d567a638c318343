// What the core hands to the parts it is built with, and what the parts give back: the contract between createGateway and its parts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from 'express';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { GatewayConfig } from '../config/schema';
import type { StateCache } from '../state/state-cache';
import type { MigrationService } from '../migration/service';
import type { MigrationListener, MigrationPreparer } from '../migration/events';
import type { AccountExtras } from '../domain/account';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Store } from '../store/types';
import type { BufferContext } from '../buffer/accept';
import type { IntegrationContext } from '../integrations/handler';

export type { BufferContext, IntegrationContext };

/** Parts built by other modules (buffer, timeline, integrations); the gateway works without them. */
export interface GatewayParts {
  /** Parts on the hot path get Node's request and response: it runs before Express's router. */
  acceptBuffered?: (req: IncomingMessage, res: ServerResponse, ctx: BufferContext) => Promise<void>;
  handleIntegration?: (req: IncomingMessage, res: ServerResponse, ctx: IntegrationContext) => void | Promise<void>;
  adminRouters?: Router[];
  accountExtras?: AccountExtras[];
  migrationListeners?: MigrationListener[];
  /** Run before a migration change is stored; a rejection refuses the change (MigrationPreparer). */
  migrationPreparers?: MigrationPreparer[];
  /** Called after PUT /admin/v1/accounts/:id stored new settings. */
  accountSavedListeners?: ((record: AccountRecord) => Promise<void>)[];
  /** Starts background work (replay polling, the timeline scheduler). */
  start?: () => void;
  /** Stops background work, releasing leases. */
  close?: () => Promise<void>;
}

/** What other parts need from the core to build themselves. */
export interface GatewayCore {
  config: GatewayConfig;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  cache: StateCache;
  service: MigrationService;
}
