// /console: the operator console. Sign-in exchanges an admin token for a signed session cookie; pages read the
// stores directly; actions are POST forms guarded by SameSite=Strict, a per-session CSRF token and an Origin check.
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { listAccounts, type AccountListPage } from '../admin/account-list';
import { rateLimit } from 'express-rate-limit';
import { tokenDigests } from '../admin/auth';
import { buildPreview, migrationTimeline, type TimelineEvent } from '../admin/preview';
import { parseAt } from '../admin/preview-routes';
import { applySecurityHeaders } from '../answers/security-headers';
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import { integrationView } from '../integrations/admin-routes';
import type { Logger } from '../observability/logger';
import { ACCOUNT_ID_PATTERN } from '../domain/account';
import { ATTENTION_STATES, isAttentionState } from '../store/attention-store';
import { ALLOCATION_WINDOW_MS } from '../store/integration-store';
import type { Notification } from '../store/outbox-store';
import type { Store } from '../store/types';
import { CHECKLIST_ITEMS, checklistItem } from '../timeline/checklist';
import { html, layout } from './html';
import { fromLocalInput, toLocalInput } from './local-time';
import { accountPage, listPage, loginPage, previewPage, type PageFrame } from './pages';
import {
  csrfMatches,
  DEFAULT_SESSION_TTL_MS,
  issueSession,
  readCookie,
  SESSION_COOKIE,
  sessionKeys,
  verifySession,
  type Session,
} from './session';
import type { NotificationState } from './timeline-svg';

export interface ConsoleDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** ADMIN_TOKENS: plain or `sha256:<hex>`, as for the admin API. */
  tokens: string[];
  sessionTtlMs?: number;
}

const LIST_LIMIT = 20;
const OPERATOR_PATTERN = /^[A-Za-z0-9 ._@-]{1,64}$/;

/**
 * The gateway's page headers (helmet), with what a console needs: its forms post to itself (form-action 'self'),
 * the browser sends Origin on them (a no-referrer policy would make it "null"), and links stay on the scheme served.
 */
function consoleHeaders(res: Response): void {
  applySecurityHeaders(res);
  const csp = String(res.getHeader('content-security-policy') ?? '')
    .split(';')
    .filter((d) => d && !d.startsWith('form-action') && d !== 'upgrade-insecure-requests')
    .concat("form-action 'self'")
    .join(';');
  res.setHeader('content-security-policy', csp);
  res.setHeader('referrer-policy', 'same-origin');
  res.setHeader('cache-control', 'no-store');
}

function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('html').send(page);
}

/** Same-origin POSTs only: the Origin (else the Referer) must name this host. A missing or "null" origin is refused. */
function sameOrigin(req: Request): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (typeof source !== 'string' || source === 'null') return false;
  try {
    const url = new URL(source);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === req.headers.host;
  } catch {
    return false;
  }
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function createConsoleRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  const { store, clock, logger } = deps;
  const digests = tokenDigests(deps.tokens);
  const keys = sessionKeys(digests);
  const ttlMs = deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  router.use((_req: Request, res: Response, next: NextFunction) => {
    consoleHeaders(res);
    next();
  });

  const sessionOf = (req: Request): Session | null => verifySession(readCookie(req.headers.cookie, SESSION_COOKIE), keys, clock.now());

  const refuse = (res: Response, status: number, message: string): void =>
    sendPage(
      res,
      status,
      layout({
        title: 'Refused',
        body: html`<section>
          <h1>Refused</h1>
          <p class="error" role="alert">${message}</p>
          <p><a href="/console/">Back to the console</a></p>
        </section>`,
      }),
    );

  router.get('/login', (req: Request, res: Response) => {
    if (sessionOf(req)) {
      res.redirect(303, '/console/');
      return;
    }
    sendPage(
      res,
      200,
      loginPage(digests.length === 0 ? 'The console is disabled: no admin tokens are configured (ADMIN_TOKENS).' : undefined),
    );
  });

  // Failed sign-ins are limited per client like failed admin authentications (20 per 15 minutes); successful ones
  // (the 303 to the console) are not counted.
  const signInLimit = rateLimit({
    windowMs: 15 * 60_000,
    limit: 20,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => refuse(res, 429, 'Too many failed sign-ins from this address. Try again in 15 minutes.'),
  });
  router.post('/login', signInLimit, form, (req: Request, res: Response) => {
    if (!sameOrigin(req)) {
      refuse(res, 403, 'Sign-in must come from the console’s own page.');
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token : '';
    const operatorRaw = typeof body.operator === 'string' ? body.operator.trim() : '';
    if (operatorRaw !== '' && !OPERATOR_PATTERN.test(operatorRaw)) {
      sendPage(res, 400, loginPage('Your name may hold 1–64 letters, digits, spaces and . _ @ -.'));
      return;
    }
    // Compare with every digest, without stopping early, as the admin API does.
    const presented = sha256(token);
    let matched = -1;
    digests.forEach((digest, i) => {
      if (timingSafeEqual(presented, digest) && token !== '') matched = i;
    });
    const key = keys[matched];
    if (!key) {
      logger.warn({ path: '/console/login' }, 'console sign-in refused');
      sendPage(res, 401, loginPage('That token is not an admin token of this gateway.'));
      return;
    }
    const { cookie } = issueSession(key, `console:${operatorRaw || 'operator'}`, clock.now(), ttlMs);
    res.cookie(SESSION_COOKIE, cookie, { path: '/console', httpOnly: true, sameSite: 'strict', secure: req.secure, maxAge: ttlMs });
    res.redirect(303, '/console/');
  });

  // Everything below needs a session: pages redirect to sign-in, actions are refused.
  router.use((req: Request, res: Response, next: NextFunction) => {
    const session = sessionOf(req);
    if (!session) {
      if (req.method === 'GET' || req.method === 'HEAD') res.redirect(303, '/console/login');
      else refuse(res, 401, 'Your session has expired or is not valid: sign in again.');
      return;
    }
    res.locals.session = session;
    next();
  });

  // Every action: same origin and the session's CSRF token, checked before anything is read or changed.
  router.post('*', form, (req: Request, res: Response, next: NextFunction) => {
    const session = res.locals.session as Session;
    const csrf = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (!sameOrigin(req) || !csrfMatches(session, csrf)) {
      refuse(res, 403, 'This action did not come from a console page of this session (CSRF check failed); nothing was changed.');
      return;
    }
    next();
  });

  const frameOf = (res: Response): PageFrame => {
    const session = res.locals.session as Session;
    return { csrf: session.csrf, operator: session.operator.replace(/^console:/, '') };
  };

  type Handler = (req: Request, res: Response) => Promise<void>;
  const wrap =
    (handler: Handler) =>
    (req: Request, res: Response): void => {
      handler(req, res).catch((error: unknown) => {
        if (error instanceof GatewayError && error.status < 500) {
          refuse(res, error.status, error.message);
          return;
        }
        logger.error({ err: error, path: req.path }, 'console page failed');
        if (!res.headersSent) refuse(res, 503, 'The store could not be reached; try again shortly.');
      });
    };

  const loadAccount = async (raw: unknown): Promise<AccountRecord> => {
    const id = typeof raw === 'string' ? raw : '';
    if (!ACCOUNT_ID_PATTERN.test(id))
      throw new GatewayError(400, 'INVALID_ACCOUNT_ID', 'An account id is 1–64 letters, digits, ".", "-" or "_".');
    const record = await store.accounts.get(id);
    if (!record) throw new GatewayError(404, 'ACCOUNT_NOT_FOUND', `There is no account ${id}.`);
    return record;
  };

  router.post('/logout', (_req: Request, res: Response) => {
    res.clearCookie(SESSION_COOKIE, { path: '/console', httpOnly: true, sameSite: 'strict' });
    res.redirect(303, '/console/login');
  });

  router.get(
    '/',
    wrap(async (req, res) => {
      const now = clock.now();
      const state = req.query.state;
      const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
      if (state !== undefined && !isAttentionState(state))
        throw new GatewayError(400, 'INVALID_STATE', `state must be one of ${ATTENTION_STATES.join(', ')}`);
      const states = state === undefined ? ATTENTION_STATES : [state];
      const pages: AccountListPage[] = [];
      for (const s of states)
        pages.push(await listAccounts(store, s, { limit: LIST_LIMIT, now, cursor: s === state ? cursor : undefined }));
      sendPage(res, 200, listPage(frameOf(res), pages));
    }),
  );

  router.get(
    '/accounts',
    wrap(async (req, res) => {
      const record = await loadAccount(typeof req.query.id === 'string' ? req.query.id.trim() : '');
      res.redirect(303, `/console/accounts/${encodeURIComponent(record.id)}`);
    }),
  );

  /** Outbox status of each timeline notification of the current migration (the reminders of its current start). */
  const notificationStates = (
    record: AccountRecord,
    notifications: Notification[],
    events: TimelineEvent[],
    now: number,
  ): Map<string, NotificationState> => {
    const states = new Map<string, NotificationState>();
    const m = record.migration;
    if (!m) return states;
    for (const e of events) {
      if (!e.kind.startsWith('notification.')) continue;
      const kind = e.kind.slice('notification.'.length);
      const found = notifications
        .filter(
          (n) =>
            n.kind === kind &&
            n.migrationId === m.id &&
            (n.migrationStart === null || kind === 'scheduled' || n.migrationStart === m.start),
        )
        .pop();
      states.set(e.kind, found ? found.status : e.at <= now ? 'overdue' : 'not_yet');
    }
    return states;
  };

  const FLASH: Record<string, (req: Request) => string> = {
    redriven: (req) =>
      `Re-drove ${/^[0-9]{1,7}$/.test(String(req.query.n)) ? String(req.query.n) : 'the'} dead letter(s): the replayer picks them up at its next poll.`,
    checklist_marked: () => 'Checklist updated.',
    nothing_to_redrive: () => 'There were no dead letters to re-drive.',
    cleared: (req) => `Suspension of ${String(req.query.integration ?? '').slice(0, 64)} cleared.`,
    not_suspended: (req) => `${String(req.query.integration ?? '').slice(0, 64)} was not suspended; nothing changed.`,
  };

  router.get(
    '/accounts/:id',
    wrap(async (req, res) => {
      const record = await loadAccount(req.params.id);
      const now = clock.now();
      const events = migrationTimeline(record, now);
      const [notifications, stats, deadLetters, checklist, audit, integrations] = await Promise.all([
        store.timeline.outbox.list(record.id),
        store.buffer.stats(record.id),
        store.buffer.deadLetters(record.id, 50),
        store.timeline.checklists.get(record.id),
        store.accounts.audit(record.id, 50),
        Promise.all(
          Object.keys(record.settings.integrations).map(async (name) => {
            const [stored, calls] = await Promise.all([
              store.integrations.get(record.id, name),
              store.integrations.callsInWindow(record.id, name, now, ALLOCATION_WINDOW_MS),
            ]);
            return integrationView(record, name, stored, calls);
          }),
        ),
      ]);
      const flash = typeof req.query.done === 'string' ? FLASH[req.query.done]?.(req) : undefined;
      const page = accountPage(
        frameOf(res),
        {
          record,
          now,
          events,
          states: notificationStates(record, notifications, events, now),
          notifications,
          stats,
          deadLetters,
          integrations,
          checklist: { items: CHECKLIST_ITEMS, state: checklist },
          audit,
          flash,
        },
        toLocalInput(now, record.settings.timezone),
      );
      sendPage(res, 200, page);
    }),
  );

  router.get(
    '/accounts/:id/preview',
    wrap(async (req, res) => {
      const record = await loadAccount(req.params.id);
      const tz = record.settings.timezone;
      const zone = req.query.zone === 'utc' ? 'utc' : 'account';
      let at: number;
      if (typeof req.query.local === 'string') {
        const parsed = fromLocalInput(req.query.local, zone === 'utc' ? 'UTC' : tz);
        if (parsed === null) throw new GatewayError(400, 'INVALID_AT', 'The moment must be a date and time, e.g. 2026-12-08T20:30.');
        at = parsed;
      } else {
        at = parseAt(req.query.at, clock.now());
      }
      const preview = buildPreview(record, at);
      const notifications = await store.timeline.outbox.list(record.id);
      const states = notificationStates(record, notifications, preview.timeline, clock.now());
      sendPage(res, 200, previewPage(frameOf(res), record, preview, states, at, toLocalInput(at, zone === 'utc' ? 'UTC' : tz), zone));
    }),
  );

  router.post(
    '/accounts/:id/redrive',
    wrap(async (req, res) => {
      const record = await loadAccount(req.params.id);
      const session = res.locals.session as Session;
      const redriven = await store.buffer.redrive(record.id);
      if (redriven > 0) {
        await store.accounts.appendAudit(record.id, {
          at: clock.now(),
          actor: session.operator,
          action: 'buffer.redriven',
          detail: { redriven },
        });
      }
      logger.info({ accountId: record.id, redriven, actor: session.operator }, 'dead letters re-driven from the console');
      res.redirect(
        303,
        `/console/accounts/${encodeURIComponent(record.id)}?done=${redriven > 0 ? `redriven&n=${redriven}` : 'nothing_to_redrive'}`,
      );
    }),
  );

  router.post(
    '/accounts/:id/integrations/:name/clear-suspension',
    wrap(async (req, res) => {
      const record = await loadAccount(req.params.id);
      const name = req.params.name ?? '';
      const settings = Object.prototype.hasOwnProperty.call(record.settings.integrations, name)
        ? record.settings.integrations[name]
        : undefined;
      if (!settings) throw new GatewayError(404, 'INTEGRATION_NOT_FOUND', 'The account has no integration of this name.');
      if (settings.fieldMappings.length === 0) {
        throw new GatewayError(
          422,
          'MISSING_FIELD_MAPPINGS',
          'The integration still has no field mappings; add them before clearing the suspension.',
        );
      }
      const session = res.locals.session as Session;
      const before = await store.integrations.get(record.id, name);
      const cleared = await store.integrations.clear(record.id, name);
      await store.accounts.appendAudit(record.id, {
        at: clock.now(),
        actor: session.operator,
        action: 'integration.clear_suspension',
        detail: { integration: name, wasSuspended: cleared, reason: before.state === 'suspended' ? before.reason : null },
      });
      const done = cleared ? 'cleared' : 'not_suspended';
      res.redirect(303, `/console/accounts/${encodeURIComponent(record.id)}?done=${done}&integration=${encodeURIComponent(name)}`);
    }),
  );

  router.post(
    '/accounts/:id/checklist/:item',
    wrap(async (req, res) => {
      const record = await loadAccount(req.params.id);
      const item = checklistItem(String(req.params.item));
      if (!item) throw new GatewayError(404, 'CHECKLIST_ITEM_NOT_FOUND', 'No checklist item with this id.');
      const done = (req.body as Record<string, unknown>).done;
      if (done !== 'true' && done !== 'false') throw new GatewayError(400, 'INVALID_BODY', 'done must be true or false.');
      const session = res.locals.session as Session;
      const now = clock.now();
      if (!(await store.timeline.checklists.mark(record.id, item.id, { done: done === 'true', at: now, by: session.operator }))) {
        throw new GatewayError(409, 'CHECKLIST_NOT_OPEN', 'The post-migration checklist opens when the migration completes.');
      }
      await store.accounts.appendAudit(record.id, {
        at: now,
        actor: session.operator,
        action: 'checklist.marked',
        detail: { item: item.id, done: done === 'true' },
      });
      res.redirect(303, `/console/accounts/${encodeURIComponent(record.id)}?done=checklist_marked#h-checklist`);
    }),
  );

  router.use((_req: Request, res: Response) => refuse(res, 404, 'No such console page.'));
  return router;
}
