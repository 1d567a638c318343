// Admin API v1: accounts and the migration lifecycle; other parts (buffer, timeline, integrations) mount beside.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AccountExtras, AccountRecord, AccountSettings } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import type { MigrationService } from '../migration/service';
import type { Logger } from '../observability/logger';
import type { Store } from '../store/types';
import { accountView, accountViewSchema, migrationAnswerSchema, migrationView } from './account-view';
import { accountParams, adminRoute, operationsOf, wrap, type AdminOperation } from '../domain/admin-route';
import { apiTokenRouter } from './api-tokens';
import { accountListRouter } from './account-list-routes';
import { previewRouter } from './preview-routes';
import { limitFailedAuthentications, requireAdminToken, tokenDigests, type FailedAuthenticationLimit } from './auth';
import { buildAdminOpenApiDocument } from './openapi';
import { adminErrorHandler } from './errors';
import { parseBody, requireKnownLocale, rescheduleSchema, scheduleSchema, settingsSchema } from './validation';
import { BUILT_IN_LOCALES } from '../answers/catalogue';

export interface AdminDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  service: MigrationService;
  tokens: string[];
  bodyLimitBytes: number;
  /** Brute-force limit on failed authentications per client; 20 per 15 minutes when absent. */
  failedAuthentications?: FailedAuthenticationLimit;
  extras: AccountExtras[];
  /** Run after PUT stored an account (e.g. suspend integrations that have no field mappings). */
  afterPut: ((record: AccountRecord) => Promise<void>)[];
  /** Routers of other parts, mounted after auth and after res.locals.account / res.locals.actor are set. */
  subRouters: Router[];
  /** Locales the gateway has texts for; a settings `locale` outside them is refused (default: the built-in ones). */
  locales?: readonly string[];
}

/** Printable ASCII without spaces: an id, never text that could forge a log line. */
const ACTOR_PATTERN = /^[!-~]{1,128}$/;

function actorOf(req: Request, required: boolean): string {
  const actor = req.header('x-actor-id');
  if (actor === undefined || actor === '') {
    if (required) throw new GatewayError(400, 'MISSING_ACTOR', 'the X-Actor-Id header must name the acting user');
    return 'operator';
  }
  if (!ACTOR_PATTERN.test(actor)) throw new GatewayError(400, 'INVALID_ACTOR', 'X-Actor-Id must be 1-128 printable characters');
  return actor;
}

function accountIdOf(req: Request): string {
  const parsed = accountParams.shape.id.safeParse(req.params.id);
  if (!parsed.success) {
    throw new GatewayError(400, 'INVALID_ACCOUNT_ID', 'the account id must be 1-64 letters, digits, ".", "-" or "_"');
  }
  return parsed.data;
}

const actorHeader = (what: string) => z.object({ 'x-actor-id': z.string().regex(ACTOR_PATTERN).describe(what) });
const optionalActorHeader = (what: string) => z.object({ 'x-actor-id': z.string().regex(ACTOR_PATTERN).optional().describe(what) });

const MIGRATION_STATES = ['INVALID_TRANSITION', 'NO_SCHEDULED_MIGRATION', 'MIGRATION_ACTIVE', 'CONCURRENT_UPDATE'];

/** GET /openapi.json: the document of every route mounted here, itself included. */
const OPENAPI_OPERATION: AdminOperation = {
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApi',
  tags: ['meta'],
  summary: 'This document',
  description: 'Served without a token: it describes the API, holds no data and no secret.',
  open: true,
  responses: { 200: { description: 'The OpenAPI document', schema: z.object({ openapi: z.string() }).passthrough() } },
};

export function createAdminRouter(deps: AdminDeps): Router {
  const router = express.Router();
  const { service, clock } = deps;

  // Before the token check on purpose: the description holds no data and no secret, and tooling fetches it unauthenticated.
  // Built on first call, from the operations of every router mounted below (they are all mounted by then).
  let openApi: string | undefined;
  router.get('/openapi.json', (_req: Request, res: Response) => {
    openApi ??= JSON.stringify(buildAdminOpenApiDocument([OPENAPI_OPERATION, ...[router, ...mounted].flatMap(operationsOf)]));
    res.type('application/json').send(openApi);
  });
  const mounted: Router[] = [];
  const digests = tokenDigests(deps.tokens);
  router.use(limitFailedAuthentications(digests, deps.failedAuthentications));
  router.use(requireAdminToken(digests));
  router.use(express.json({ limit: deps.bodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] }));

  const view = async (record: AccountRecord): Promise<Record<string, unknown>> => {
    const extras = Object.assign({}, ...(await Promise.all(deps.extras.map((extra) => extra(record)))));
    return accountView(record, clock.now(), await deps.store.accounts.audit(record.id, 100), extras);
  };

  /**
   * Domains live in the directory's own slot, apart from the account record (a cluster cannot put both in one script),
   * so a PUT takes three steps: claim every named domain (all or nothing: 409 DOMAIN_TAKEN and nothing stored), save
   * the record, then sync the directory to the saved version (releasing dropped domains). A domain named by a stored
   * record is thus always held by its account; between the steps the directory may hold more (a claim whose save is
   * pending or failed, a dropped domain not yet released): at worst another account briefly gets 409 or a dropped
   * host still reaches its former owner. A failed save syncs back to the stored record; a sync of an older version
   * never undoes a newer one.
   */
  const putWithDomains = async (
    id: string,
    settings: AccountSettings,
    actor: string,
  ): Promise<{ record: AccountRecord; created: boolean }> => {
    const domains = settings.domains ?? [];
    const claim = await deps.store.directory.claimDomains(id, domains);
    if (!claim.ok)
      throw new GatewayError(409, 'DOMAIN_TAKEN', `the domain ${claim.domain} belongs to another account`, { domain: claim.domain });
    let saved: { record: AccountRecord; created: boolean };
    try {
      saved = await service.putAccount(id, settings, actor);
    } catch (error) {
      await deps.store.accounts
        .get(id)
        .then((stored) => deps.store.directory.syncDomains(id, stored?.version ?? 0, stored?.settings.domains ?? []))
        .catch((syncError: unknown) =>
          deps.logger.warn({ err: syncError, accountId: id }, 'domains claimed by a failed PUT stay held until the next PUT'),
        );
      throw error;
    }
    await deps.store.directory
      .syncDomains(id, saved.record.version, domains)
      .catch((syncError: unknown) =>
        deps.logger.warn({ err: syncError, accountId: id }, 'dropped domains stay held until the next PUT of this account'),
      );
    return saved;
  };

  adminRoute(
    router,
    {
      method: 'put',
      path: '/accounts/{id}',
      operationId: 'putAccount',
      tags: ['accounts'],
      summary: "Create or replace an account's settings",
      params: accountParams,
      headers: optionalActorHeader('Who makes the change (the audit trail names them); defaults to "operator"'),
      body: settingsSchema,
      responses: {
        200: { description: 'Replaced', schema: accountViewSchema },
        201: { description: 'Created', schema: accountViewSchema },
      },
      errors: { 409: ['DOMAIN_TAKEN', 'MIGRATION_ACTIVE', 'CONCURRENT_UPDATE'], 422: ['MIGRATION_PENDING', 'INVALID_DIRECTION'] },
    },
    async (req, res) => {
      const id = accountIdOf(req);
      const actor = actorOf(req, false);
      const settings = parseBody(settingsSchema, req.body);
      requireKnownLocale(settings.locale, deps.locales ?? Object.keys(BUILT_IN_LOCALES));
      const { record, created } = await putWithDomains(id, settings, actor);
      for (const listener of deps.afterPut) await listener(record);
      res.status(created ? 201 : 200).json(await view(record));
    },
  );

  // Every other /accounts/:id/... route needs the account: load it once for this router and the mounted ones.
  router.use(
    '/accounts/:id',
    wrap(async (req, res, next) => {
      res.locals.account = await service.get(accountIdOf(req));
      res.locals.actor = actorOf(req, false);
      next();
    }),
  );

  adminRoute(
    router,
    {
      method: 'get',
      path: '/accounts/{id}',
      operationId: 'getAccount',
      tags: ['accounts'],
      summary: 'Settings, migration, buffered count, integrations and audit trail',
      params: accountParams,
      responses: { 200: { description: 'The account', schema: accountViewSchema } },
    },
    async (_req, res) => {
      res.json(await view(res.locals.account as AccountRecord));
    },
  );

  const superAdmin = actorHeader('The acting user: a super admin of the account');
  adminRoute(
    router,
    {
      method: 'post',
      path: '/accounts/{id}/migration',
      operationId: 'scheduleMigration',
      tags: ['migration'],
      summary: 'Schedule the migration (a super admin, at least 7 days ahead)',
      params: accountParams,
      headers: superAdmin,
      body: scheduleSchema,
      responses: {
        201: { description: 'Scheduled, with warnings (sandbox, SSO, linked meeting/chat tools)', schema: migrationAnswerSchema },
      },
      errors: {
        400: ['MISSING_ACTOR'],
        403: ['NOT_SUPER_ADMIN'],
        409: ['ALREADY_SCHEDULED', 'CONCURRENT_UPDATE'],
        422: ['START_TOO_SOON', 'PAYMENTS_ENABLED', 'INVALID_DIRECTION', 'DATE_UNAVAILABLE'],
      },
    },
    async (req, res) => {
      const input = parseBody(scheduleSchema, req.body);
      const { record, warnings } = await service.schedule(accountIdOf(req), actorOf(req, true), input);
      res.status(201).json({ migration: migrationView(record, clock.now()), warnings });
    },
  );

  adminRoute(
    router,
    {
      method: 'patch',
      path: '/accounts/{id}/migration',
      operationId: 'rescheduleMigration',
      tags: ['migration'],
      summary: 'Reschedule, up to 36 hours before the start',
      params: accountParams,
      headers: superAdmin,
      body: rescheduleSchema,
      responses: { 200: { description: 'Rescheduled', schema: migrationAnswerSchema } },
      errors: {
        400: ['MISSING_ACTOR'],
        403: ['NOT_SUPER_ADMIN'],
        409: MIGRATION_STATES,
        422: ['TOO_LATE_TO_CHANGE', 'START_TOO_SOON', 'DATE_UNAVAILABLE'],
      },
    },
    async (req, res) => {
      const input = parseBody(rescheduleSchema, req.body);
      const record = await service.reschedule(accountIdOf(req), actorOf(req, true), input);
      res.json({ migration: migrationView(record, clock.now()) });
    },
  );

  adminRoute(
    router,
    {
      method: 'delete',
      path: '/accounts/{id}/migration',
      operationId: 'cancelMigration',
      tags: ['migration'],
      summary: 'Cancel, up to 36 hours before the start',
      params: accountParams,
      headers: superAdmin,
      responses: { 200: { description: 'Cancelled', schema: migrationAnswerSchema } },
      errors: { 400: ['MISSING_ACTOR'], 403: ['NOT_SUPER_ADMIN'], 409: MIGRATION_STATES, 422: ['TOO_LATE_TO_CHANGE'] },
    },
    async (req, res) => {
      const record = await service.cancel(accountIdOf(req), actorOf(req, true));
      res.json({ migration: migrationView(record, clock.now()) });
    },
  );

  const transitions = {
    start: 'The migration engine started the migration (may come early: an emergency window)',
    complete: 'Completed: the account now lives in the EU; buffered work is replayed, the checklist opens',
    fail: 'Failed: the account stays in the US; buffered work is replayed there',
  } as const;
  for (const transition of ['start', 'complete', 'fail'] as const) {
    adminRoute(
      router,
      {
        method: 'post',
        path: `/accounts/{id}/migration/${transition}`,
        operationId: `${transition}Migration`,
        tags: ['migration'],
        summary: transitions[transition],
        description: 'Reported by the migration engine; X-Actor-Id is optional (defaults to "migration-engine").',
        params: accountParams,
        headers: optionalActorHeader('Defaults to "migration-engine"'),
        responses: { 200: { description: 'The migration after the transition', schema: migrationAnswerSchema } },
        errors: { 409: MIGRATION_STATES },
      },
      async (req, res) => {
        const actor = req.header('x-actor-id') ? actorOf(req, false) : 'migration-engine';
        const record = await service[transition](accountIdOf(req), actor);
        res.json({ migration: migrationView(record, clock.now()), dataLocation: record.settings.dataLocation });
      },
    );
  }

  mounted.push(apiTokenRouter({ store: deps.store, clock }), previewRouter(deps), accountListRouter(deps), ...deps.subRouters);
  for (const sub of mounted) router.use(sub);

  router.use((_req: Request, _res: Response, next: NextFunction) => {
    next(new GatewayError(404, 'NOT_FOUND', 'no such admin route'));
  });

  router.use(adminErrorHandler({ logger: deps.logger, bodyLimitBytes: deps.bodyLimitBytes }));

  return router;
}
