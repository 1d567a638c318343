// Classifies a CRM answer (status, headers, an excerpt of the body) into ok or a suspension reason (pure, never throws).
import { REASONS, type ReasonCode } from './reasons';

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
  // "sObject type is not supported" is how the CRM answers for an object the user may not see.
  INVALID_TYPE: 'OBJECT_PERMISSIONS_MISSING',
  INVALID_TYPE_FOR_OPERATION: 'OBJECT_PERMISSIONS_MISSING',
  ENTITY_NOT_ACCESSIBLE: 'OBJECT_PERMISSIONS_MISSING',

  // A field the user may not read is reported as a field that does not exist.
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
 * in the order the CRM listed them; then an HTML page (something in front of the CRM answered, an outage or
 * maintenance page); then the status; anything else is UNKNOWN_ERROR.
 */
export function classifyCrmAnswer(answer: CrmAnswer): Classification {
  const status = Number.isInteger(answer.status) ? answer.status : 0;
  if (status >= 100 && status < 400) return { kind: 'ok' };

  const text = bodyText(answer.body);
  for (const code of errorCodesOf(text)) {
    const reason = Object.prototype.hasOwnProperty.call(ERROR_CODES, code.toUpperCase()) ? ERROR_CODES[code.toUpperCase()] : undefined;
    if (reason) return failure(reason, code.toUpperCase());
  }
  if (status === 503 || status === 502 || status === 504) return failure('ORG_UNAVAILABLE', null);
  if (looksLikeHtml(headerValue(answer.headers, 'content-type'), text)) return failure('ORG_UNAVAILABLE', null);
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
