// Classifies a CRM answer (status, headers, an excerpt of the body) into ok, the caller's own error, or a suspension reason (pure, never throws).
import { REASONS } from './reasons';
import { type ReasonCode } from '../domain/reason-codes';

export type HeaderValue = string | string[] | number | undefined;
export type Headers = Readonly<Record<string, HeaderValue>>;

export interface CrmAnswer {
  status: number;
  headers: Headers;
  /** The body, or the bounded excerpt of it the proxy read; may be truncated, binary or empty. */
  body?: Buffer | string | null;
}

export type Classification =
  | { kind: 'ok' }
  /**
   * The CRM refused this one request (a missing record, a malformed query, a duplicate, a validation rule): relayed
   * to the caller unchanged, and no evidence either way about the integration's health, so its state is left alone.
   */
  | { kind: 'caller_error'; errorCode: string | null }
  | {
      kind: 'failure';
      reason: ReasonCode;
      /** Immediate reasons suspend at the first failure; transient ones after several consecutive failures. */
      immediate: boolean;
      /** The CRM's errorCode that decided it, when there was one (for logs and notifications, never echoed raw). */
      errorCode: string | null;
    };

/** The CRM's errorCode values (REST error bodies), grouped by the reason they mean. */
const ERROR_CODES: Readonly<Record<string, ReasonCode>> = {
  REQUEST_LIMIT_EXCEEDED: 'CRM_API_LIMIT_EXCEEDED',
  TOTAL_REQUEST_LIMIT_EXCEEDED: 'CRM_API_LIMIT_EXCEEDED',

  API_DISABLED_FOR_ORG: 'CRM_API_DISABLED',
  API_CURRENTLY_DISABLED: 'CRM_API_DISABLED',

  INSUFFICIENT_ACCESS: 'OBJECT_PERMISSIONS_MISSING',
  INSUFFICIENT_ACCESS_OR_READONLY: 'OBJECT_PERMISSIONS_MISSING',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'OBJECT_PERMISSIONS_MISSING',
  INSUFFICIENT_PRIVILEGES: 'OBJECT_PERMISSIONS_MISSING',
  // "sObject type is not supported" is how the CRM answers for an object the user may not see; like INVALID_FIELD
  // below it suspends, though a misspelt object looks the same: the integration's objects come from its settings.
  INVALID_TYPE: 'OBJECT_PERMISSIONS_MISSING',
  INVALID_TYPE_FOR_OPERATION: 'OBJECT_PERMISSIONS_MISSING',
  ENTITY_NOT_ACCESSIBLE: 'OBJECT_PERMISSIONS_MISSING',

  // A field the user may not read is reported as a field that does not exist ("No such column"), so INVALID_FIELD
  // suspends even though a typo in a query looks the same: the integration's fields come from its field mappings.
  INVALID_FIELD: 'FIELD_PERMISSIONS_MISSING',
  INVALID_FIELD_FOR_INSERT_UPDATE: 'FIELD_PERMISSIONS_MISSING',
  INVALID_FIELD_WHEN_USING_TEMPLATE: 'FIELD_PERMISSIONS_MISSING',
  FIELD_NOT_ACCESSIBLE: 'FIELD_PERMISSIONS_MISSING',
  FIELD_NOT_UPDATEABLE: 'FIELD_PERMISSIONS_MISSING',

  ORG_LOCKED: 'ORG_LOCKED',
  UNABLE_TO_LOCK_ROW: 'ORG_LOCKED',

  STORAGE_LIMIT_EXCEEDED: 'STORAGE_LIMIT_EXCEEDED',

  SERVER_UNAVAILABLE: 'ORG_UNAVAILABLE',
  ORG_IN_MAINTENANCE: 'ORG_UNAVAILABLE',
  INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE: 'ORG_UNAVAILABLE',

  UNKNOWN_EXCEPTION: 'CRM_SERVER_ERROR',
};

/**
 * The CRM's errorCode values that are about one request or one record, never about the org, the user or the
 * integration: an operator expects the caller to hear them, not the integration to be suspended for them.
 */
const CALLER_ERROR_CODES: ReadonlySet<string> = new Set([
  'NOT_FOUND',
  'MALFORMED_ID',
  'MALFORMED_QUERY',
  'INVALID_QUERY_FILTER_OPERATOR',
  'INVALID_QUERY_LOCATOR',
  'JSON_PARSER_ERROR',
  'METHOD_NOT_ALLOWED',
  'MISSING_ARGUMENT',
  'INVALID_ID_FIELD',
  'INVALID_CROSS_REFERENCE_KEY',
  'DUPLICATE_VALUE',
  'DUPLICATES_DETECTED',
  'DUPLICATE_EXTERNAL_ID',
  'REQUIRED_FIELD_MISSING',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'FIELD_INTEGRITY_EXCEPTION',
  'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
  'STRING_TOO_LONG',
  'NUMBER_OUTSIDE_VALID_RANGE',
  'INVALID_EMAIL_ADDRESS',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'ENTITY_IS_DELETED',
  'ENTITY_IS_LOCKED',
  'DELETE_FAILED',
  'PRECONDITION_FAILED',
  'CONFLICT',
]);

/** Statuses that by themselves mean "this request was wrong", whatever unrecognised code (or none) comes with them. */
const CALLER_ERROR_STATUSES: ReadonlySet<number> = new Set([400, 404, 409, 412, 422]);

/**
 * 401 (credentials may refresh), 403 (access) and 429 (throttling) are about the integration, never one request;
 * 407 and 408 are about the path to the CRM.
 */
const NEVER_CALLER_STATUSES: ReadonlySet<number> = new Set([401, 403, 407, 408, 429]);

function isCallerError(status: number, codes: readonly string[]): boolean {
  if (status < 400 || status >= 500 || NEVER_CALLER_STATUSES.has(status)) return false;
  if (CALLER_ERROR_STATUSES.has(status)) return true;
  return codes.length > 0 && codes.every((code) => CALLER_ERROR_CODES.has(code));
}

function failure(reason: ReasonCode, errorCode: string | null): Classification {
  return { kind: 'failure', reason, immediate: !REASONS[reason].transient, errorCode };
}

export function headerValue(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : String(value);
  }
  return undefined;
}

function bodyText(body: CrmAnswer['body']): string {
  if (body === null || body === undefined) return '';
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** The errorCode values of a REST error body: `[{"message","errorCode","fields"}]`, or one such object. */
function errorCodesOf(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A truncated excerpt is not valid JSON; the codes in it are still the CRM's words.
    return [...text.matchAll(/"errorCode"\s*:\s*"([A-Za-z0-9_]{1,100})"/g)].map((m) => m[1]);
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const codes: string[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const code = (item as Record<string, unknown>).errorCode;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

function looksLikeHtml(contentType: string | undefined, text: string): boolean {
  if (contentType && /text\/html|application\/xhtml/i.test(contentType)) return true;
  return /^\s*(<!doctype html|<html|<head|<body)/i.test(text.slice(0, 512));
}

/**
 * Anything below 400 is a success (redirects included). For an error status the JSON error codes decide first,
 * in the order the CRM listed them; then 502/503/504 or an HTML page (something in front of the CRM answered, an
 * outage or maintenance page); then the caller's own errors (a 400/404/409/412/422, or another 4xx but
 * 401/403/407/408/429 whose codes are all per-request ones); then 500; anything else is UNKNOWN_ERROR.
 */
export function classifyCrmAnswer(answer: CrmAnswer): Classification {
  const status = Number.isInteger(answer.status) ? answer.status : 0;
  if (status >= 100 && status < 400) return { kind: 'ok' };

  const text = bodyText(answer.body);
  const codes = errorCodesOf(text).map((code) => code.toUpperCase());
  for (const code of codes) {
    const reason = Object.prototype.hasOwnProperty.call(ERROR_CODES, code) ? ERROR_CODES[code] : undefined;
    if (reason) return failure(reason, code);
  }
  if (status === 503 || status === 502 || status === 504) return failure('ORG_UNAVAILABLE', null);
  if (looksLikeHtml(headerValue(answer.headers, 'content-type'), text)) return failure('ORG_UNAVAILABLE', null);
  if (isCallerError(status, codes)) {
    // Only a code from the known list is named (it reaches the logs); an arbitrary string from the body is not.
    return { kind: 'caller_error', errorCode: codes.find((code) => CALLER_ERROR_CODES.has(code)) ?? null };
  }
  if (status === 500) return failure('CRM_SERVER_ERROR', null);
  return failure('UNKNOWN_ERROR', null);
}

/** The CRM org's own usage from `Sforce-Limit-Info: api-usage=used/limit` (other entries such as per-app-api-usage ignored). */
export function parseLimitInfo(value: string | undefined): { used: number; limit: number } | null {
  if (!value) return null;
  const match = /(?:^|[\s;,])api-usage=(\d{1,15})\/(\d{1,15})(?=$|[\s;,(])/i.exec(value);
  if (!match) return null;
  return { used: Number(match[1]), limit: Number(match[2]) };
}
