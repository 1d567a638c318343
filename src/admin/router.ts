// Admin API v1: accounts and the migration lifecycle; other parts (buffer, timeline, integrations) mount beside.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AccountExtras, AccountRecord, AccountSettings } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import type { MigrationService } from '../migration/service';
import type { Logger } from '../observability/logger';
import { ACCOUNT_ID_PATTERN } from '../domain/account';
import type { Store } from '../store/types';
import { accountView, migrationView } from './account-view';
import { apiTokenRouter } from './api-tokens';
import { accountListRouter } from './account-list-routes';
import { previewRouter } from './preview-routes';
import { wrap } from './async-handler';
import { limitFailedAuthentications, requireAdminToken, tokenDigests, type FailedAuthenticationLimit } from './auth';
import { adminOpenApiDocument } from './openapi';
import { sendAdminError } from './errors';
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
  const id = req.params.id ?? '';
  if (!ACCOUNT_ID_PATTERN.test(id)) {
    throw new GatewayError(400, 'INVALID_ACCOUNT_ID', 'the account id must be 1-64 letters, digits, ".", "-" or "_"');
  }
  return id;
}

export function createAdminRouter(deps: AdminDeps): Router {
  const router = express.Router();
  const { service, clock } = deps;

  // Before the token check on purpose: the description holds no data and no secret, and tooling fetches it unauthenticated.
  const openApi = JSON.stringify(adminOpenApiDocument());
  router.get('/openapi.json', (_req: Request, res: Response) => {
    res.type('application/json').send(openApi);
  });
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
  const putWithDomains = async (id: string, settings: AccountSettings, actor: string): Promise<{ record: AccountRecord; created: boolean }> => {
    const domains = settings.domains ?? [];
    const claim = await deps.store.directory.claimDomains(id, domains);
    if (!claim.ok) throw new GatewayError(409, 'DOMAIN_TAKEN', `the domain ${claim.domain} belongs to another account`, { domain: claim.domain });
    let saved: { record: AccountRecord; created: boolean };
    try {
      saved = await service.putAccount(id, settings, actor);
    } catch (error) {
      await deps.store.accounts
        .get(id)
        .then((stored) => deps.store.directory.syncDomains(id, stored?.version ?? 0, stored?.settings.domains ?? []))
        .catch((syncError: unknown) => deps.logger.warn({ err: syncError, accountId: id }, 'domains claimed by a failed PUT stay held until the next PUT'));
      throw error;
    }
    await deps.store.directory
      .syncDomains(id, saved.record.version, domains)
      .catch((syncError: unknown) => deps.logger.warn({ err: syncError, accountId: id }, 'dropped domains stay held until the next PUT of this account'));
    return saved;
  };

  router.put(
    '/accounts/:id',
    wrap(async (req, res) => {
      const id = accountIdOf(req);
      const actor = actorOf(req, false);
      const settings = parseBody(settingsSchema, req.body);
      requireKnownLocale(settings.locale, deps.locales ?? Object.keys(BUILT_IN_LOCALES));
      const { record, created } = await putWithDomains(id, settings, actor);
      for (const listener of deps.afterPut) await listener(record);
      res.status(created ? 201 : 200).json(await view(record));
    }),
  );

  // Every other /accounts/:id/... route needs the account: load it once for this router and the mounted ones.
  router.use('/accounts/:id', (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(async () => {
        res.locals.account = await service.get(accountIdOf(req));
        res.locals.actor = actorOf(req, false);
      })
      .then(() => next(), next);
  });

  router.get(
    '/accounts/:id',
    wrap(async (_req, res) => {
      res.json(await view(res.locals.account as AccountRecord));
    }),
  );

  router.post(
    '/accounts/:id/migration',
    wrap(async (req, res) => {
      const input = parseBody(scheduleSchema, req.body);
      const { record, warnings } = await service.schedule(accountIdOf(req), actorOf(req, true), input);
      res.status(201).json({ migration: migrationView(record, clock.now()), warnings });
    }),
  );

  router.patch(
    '/accounts/:id/migration',
    wrap(async (req, res) => {
      const input = parseBody(rescheduleSchema, req.body);
      const record = await service.reschedule(accountIdOf(req), actorOf(req, true), input);
      res.json({ migration: migrationView(record, clock.now()) });
    }),
  );

  router.delete(
    '/accounts/:id/migration',
    wrap(async (req, res) => {
      const record = await service.cancel(accountIdOf(req), actorOf(req, true));
      res.json({ migration: migrationView(record, clock.now()) });
    }),
  );

  for (const transition of ['start', 'complete', 'fail'] as const) {
    router.post(
      `/accounts/:id/migration/${transition}`,
      wrap(async (req, res) => {
        const actor = req.header('x-actor-id') ? actorOf(req, false) : 'migration-engine';
        const record = await service[transition](accountIdOf(req), actor);
        res.json({ migration: migrationView(record, clock.now()), dataLocation: record.settings.dataLocation });
      }),
    );
  }

  router.use(apiTokenRouter({ store: deps.store, clock }));
  for (const sub of [previewRouter(deps), accountListRouter(deps)]) router.use(sub);
  for (const sub of deps.subRouters) router.use(sub);

  router.use((_req: Request, res: Response) => {
    sendAdminError(res, 404, 'NOT_FOUND', 'no such admin route');
  });

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof GatewayError) {
      sendAdminError(res, error.status, error.code, error.message, error.detail);
      return;
    }
    const bodyError = error as { type?: string; status?: number; limit?: number };
    if (bodyError.type === 'entity.parse.failed') {
      sendAdminError(res, 400, 'MALFORMED_JSON', 'the body is not valid JSON');
      return;
    }
    if (bodyError.type === 'entity.too.large') {
      sendAdminError(res, 413, 'PAYLOAD_TOO_LARGE', `the body is larger than ${deps.bodyLimitBytes} bytes`);
      return;
    }
    if (bodyError.status && bodyError.status >= 400 && bodyError.status < 500) {
      sendAdminError(res, bodyError.status, 'BAD_REQUEST', 'the request could not be read');
      return;
    }
    deps.logger.error({ err: error }, 'admin request failed');
    sendAdminError(res, 503, 'UNAVAILABLE', 'the admin request could not be completed; try again');
  });

  return router;
}
