// The reasons a CRM integration is suspended (SPEC §6), each with what it means, what to do and how it clears.
import type { ReasonCode } from '../domain/reason-codes';

/**
 * How a suspension ends besides Clear Suspension, which ends every one of them:
 * - manual: only Clear Suspension (the cause is configuration or a limit someone must raise);
 * - probe: one trial call after a cool-down; its success lifts the suspension;
 * - automatic: the gateway lifts it by itself as soon as its own allocation has room again.
 */
export type ClearedBy = 'manual' | 'probe' | 'automatic';

export interface ReasonInfo {
  code: ReasonCode;
  /** Short name, as in SPEC §6's table. */
  title: string;
  message: string;
  remedy: string;
  clears: ClearedBy;
  /** Status of a call refused while suspended for this reason. */
  status: 503 | 429;
  /** Transient reasons suspend only after several consecutive failures; the others at the first one. */
  transient: boolean;
}

const CLEAR = 'then use Clear Suspension';

export const REASONS: Readonly<Record<ReasonCode, ReasonInfo>> = {
  CRM_API_LIMIT_EXCEEDED: {
    code: 'CRM_API_LIMIT_EXCEEDED',
    title: 'CRM API limit exceeded',
    message: "The CRM org's own API request limit has been exceeded.",
    remedy:
      "Set a daily call allocation for this integration below the CRM org's API request limit, so the gateway stops before the CRM does. " +
      `If a data migration is under way, ask the CRM's support for a temporary increase of the API request limit; ${CLEAR}.`,
    clears: 'manual',
    status: 503,
    transient: false,
  },
  CRM_API_DISABLED: {
    code: 'CRM_API_DISABLED',
    title: 'CRM API access disabled',
    message: 'API access is disabled for the CRM integration user.',
    remedy:
      'Make sure the integration user\'s profile has the administrative permission "API Enabled" in the CRM, ' +
      'then re-enter the CRM credentials or use Clear Suspension.',
    clears: 'manual',
    status: 503,
    transient: false,
  },
  OBJECT_PERMISSIONS_MISSING: {
    code: 'OBJECT_PERMISSIONS_MISSING',
    title: 'Object permissions missing',
    message: 'The CRM integration user lacks permission on an object being synced or on a related object.',
    remedy:
      'Assign the integration permission set to the integration user in the CRM, and give the user read and edit access on the object ' +
      'and on every related object (for example objects reached through lookups). The objects the integration typically needs are ' +
      `Leads, Contacts, Accounts, Opportunities, Campaigns, Tasks and Users; ${CLEAR}.`,
    clears: 'manual',
    status: 503,
    transient: false,
  },
  FIELD_PERMISSIONS_MISSING: {
    code: 'FIELD_PERMISSIONS_MISSING',
    title: 'Field permissions missing',
    message:
      'The CRM integration user lacks read or edit permission on a field of a synced object, or on a field of an object related through a lookup.',
    remedy: `Give the integration user read and edit access on the field in the CRM (field-level security); ${CLEAR}.`,
    clears: 'manual',
    status: 503,
    transient: false,
  },
  ORG_LOCKED: {
    code: 'ORG_LOCKED',
    title: 'CRM org locked',
    message:
      'The CRM org is locked: an operation is under way that must finish before another update can take place ' +
      '(for example another integration is updating the same record).',
    remedy:
      'This is usually temporary and lifts by itself once a trial call succeeds. ' +
      "If it persists after Clear Suspension, ask the CRM's system administrator to unlock the org.",
    clears: 'probe',
    status: 503,
    transient: true,
  },
  STORAGE_LIMIT_EXCEEDED: {
    code: 'STORAGE_LIMIT_EXCEEDED',
    title: 'CRM storage limit exceeded',
    message: "The CRM org's storage limit has been exceeded.",
    remedy: `Free storage in the CRM, for example by deleting records the integration created there in bulk; ${CLEAR}.`,
    clears: 'manual',
    status: 503,
    transient: false,
  },
  ORG_UNAVAILABLE: {
    code: 'ORG_UNAVAILABLE',
    title: 'CRM org unavailable',
    message: 'The CRM org is unavailable: the CRM is having an outage or is in maintenance.',
    remedy:
      "Check the CRM's status page for service availability and performance. " +
      'The suspension lifts by itself once a trial call succeeds, or use Clear Suspension.',
    clears: 'probe',
    status: 503,
    transient: true,
  },
  CRM_SERVER_ERROR: {
    code: 'CRM_SERVER_ERROR',
    title: 'CRM server error',
    message: 'The CRM answered with a server error.',
    remedy:
      "If the error persists after Clear Suspension, check the CRM's status page or contact the CRM's support. " +
      'The gateway also lifts the suspension by itself once a trial call succeeds.',
    clears: 'probe',
    status: 503,
    transient: true,
  },
  UNKNOWN_ERROR: {
    code: 'UNKNOWN_ERROR',
    title: 'Unknown error',
    message: 'The CRM answered with an error that is not recognised.',
    remedy:
      'Suspensions of this kind are rare and often resolve by themselves (a trial call is made after a cool-down). ' +
      'If the error persists after Clear Suspension, contact support.',
    clears: 'probe',
    status: 503,
    transient: true,
  },
  API_ALLOCATION_EXCEEDED: {
    code: 'API_ALLOCATION_EXCEEDED',
    title: 'Own API allocation exceeded',
    message: "The integration's daily call allocation is used up (calls are counted over a rolling 24-hour window).",
    remedy:
      "Check the CRM org's API request limit and raise the integration's daily call allocation accordingly. " +
      'The suspension lifts automatically as soon as calls are available again (see Retry-After).',
    clears: 'automatic',
    status: 429,
    transient: false,
  },
  MISSING_FIELD_MAPPINGS: {
    code: 'MISSING_FIELD_MAPPINGS',
    title: 'Missing field mappings',
    message: 'The integration has no mappings between properties and CRM fields.',
    remedy:
      'Add field mappings to the integration settings, then use Clear Suspension. ' +
      'If the error persists after Clear Suspension, or there are no default field mappings in the integration settings, contact support.',
    clears: 'manual',
    status: 503,
    transient: false,
  },
};
