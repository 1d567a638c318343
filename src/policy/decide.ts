// The per-request decision: (surface, method, account state, now) → action. Pure and table-driven.
import type { Migration } from '../domain/account';
import { localDate } from '../domain/time-zone';
import { isBufferSurface, type BufferSurface, type Surface } from '../domain/surfaces';
import { phaseAt, type Phase } from './phase';

/** Answers the gateway writes itself; the status of each is in answers/. */
export type AnswerKind =
  | 'api_migration'
  | 'document_unavailable'
  | 'read_only'
  | 'app_migration'
  | 'portal_reply_blocked'
  | 'chat_hidden'
  | 'chat_write_blocked'
  | 'import_unavailable'
  | 'email_paused'
  | 'email_migration_day'
  | 'integration_paused'
  /** A CORS preflight in the window for a request the gateway answers or buffers itself: 204 with the CORS headers. */
  | 'cors_preflight';

export type Action =
  | { kind: 'proxy' }
  | { kind: 'integration' }
  | { kind: 'buffer'; surface: BufferSurface }
  | { kind: 'answer'; answer: AnswerKind }
  /** Operator bypass token: proxied to the account's region whatever its phase. */
  | { kind: 'bypass' }
  /** The account's state (or who the account is) cannot be known: refused with 503 rather than guessed. */
  | { kind: 'unavailable' };

export interface DecisionInput {
  surface: Surface | null;
  method: string;
  migration: Migration | null;
  timeZone: string;
  now: number;
  /** For email scheduling: when the email is to be sent (X-Send-At header or sendAt query), if given. */
  sendAt?: number;
  /**
   * For a CORS preflight (OPTIONS with Access-Control-Request-Method): the method it asks about. The preflight is
   * decided as that method would be; in the window, when the gateway answers or buffers it, the gateway answers the preflight too.
   */
  preflightMethod?: string;
  /** The request carries a valid operator bypass token for this account. */
  bypass?: boolean;
}

const PROXY: Action = { kind: 'proxy' };
const INTEGRATION: Action = { kind: 'integration' };
const answer = (kind: AnswerKind): Action => ({ kind: 'answer', answer: kind });

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

type Stage = 'before' | 'imports_blocked' | 'chat_hidden' | 'window' | 'after';

function stageOf(phase: Phase): Stage {
  switch (phase) {
    case 'none':
    case 'cancelled':
    case 'completed':
    case 'failed':
      return 'after';
    case 'scheduled':
      return 'before';
    case 'imports_blocked':
    case 'chat_hidden':
    case 'window':
      return phase;
  }
}

const atLeast = (stage: Stage, from: Exclude<Stage, 'after'>): boolean => {
  const order: Stage[] = ['before', 'imports_blocked', 'chat_hidden', 'window'];
  return stage !== 'after' && order.indexOf(stage) >= order.indexOf(from);
};

/**
 * One row per surface (SPEC §3, §4). A surface not named here, or a request matching no route, is proxied.
 * `emailOnMigrationDay` is true when an email write asks to send on the migration day (account's time zone)
 * or inside the expected window.
 */
export function decideForStage(surface: Surface | null, method: string, stage: Stage, emailOnMigrationDay: boolean): Action {
  const inWindow = stage === 'window';
  switch (surface) {
    case null:
      return PROXY;
    case 'api':
      return inWindow ? answer('api_migration') : PROXY;
    case 'form':
    case 'meeting':
    case 'analytics':
    case 'inbound':
      return inWindow ? { kind: 'buffer', surface } : PROXY;
    case 'document':
      return inWindow ? answer('document_unavailable') : PROXY;
    case 'knowledge_base':
    case 'page':
      return inWindow && !isRead(method) ? answer('read_only') : PROXY;
    case 'app':
      return inWindow ? answer('app_migration') : PROXY;
    case 'portal_ticket':
      return PROXY;
    case 'portal_reply':
      return inWindow ? answer('portal_reply_blocked') : PROXY;
    case 'chat':
      if (isRead(method)) return atLeast(stage, 'chat_hidden') ? answer('chat_hidden') : PROXY;
      return inWindow ? answer('chat_write_blocked') : PROXY;
    case 'import':
      return atLeast(stage, 'imports_blocked') ? answer('import_unavailable') : PROXY;
    case 'email':
      if (isRead(method)) return PROXY;
      if (inWindow) return answer('email_paused');
      return stage !== 'after' && emailOnMigrationDay ? answer('email_migration_day') : PROXY;
    case 'integration':
      return inWindow ? answer('integration_paused') : INTEGRATION;
  }
}

const PREFLIGHT = answer('cors_preflight');
const BYPASS: Action = { kind: 'bypass' };
const UNAVAILABLE: Action = { kind: 'unavailable' };

export function decide(input: DecisionInput): Action {
  // The bypass skips the migration rules, not the integration guard: its upstream is the CRM, not a region.
  if (input.bypass && input.surface !== 'integration') return BYPASS;
  const phase = phaseAt(input.migration, input.now);
  const stage = stageOf(phase);
  if (input.preflightMethod !== undefined && stage === 'window') {
    const asked = decide({ ...input, method: input.preflightMethod, preflightMethod: undefined });
    if (asked.kind === 'answer' || asked.kind === 'buffer') return PREFLIGHT;
  }
  let emailOnMigrationDay = false;
  if (input.surface === 'email' && input.migration && input.sendAt !== undefined && stage !== 'after') {
    const { start, expectedEnd } = input.migration;
    emailOnMigrationDay =
      localDate(input.sendAt, input.timeZone) === localDate(start, input.timeZone) ||
      (input.sendAt >= start && input.sendAt <= expectedEnd);
  }
  return decideForStage(input.surface, input.method, stage, emailOnMigrationDay);
}

/**
 * The store cannot say what the account's state is (or whose the request is). `onStoreUnavailable: 'pass'` proxies
 * to the default region, except what must not be guessed: a buffered write cannot be stored, and an integration call
 * cannot be checked against its suspension and allocation (nor does it belong on a region upstream).
 */
export function decideWithoutState(surface: Surface | null, onStoreUnavailable: 'pass' | 'unavailable'): Action {
  const mustRefuse = surface !== null && (isBufferSurface(surface) || surface === 'integration');
  return onStoreUnavailable === 'pass' && !mustRefuse ? PROXY : UNAVAILABLE;
}
