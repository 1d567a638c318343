// The codes of the reasons a CRM integration is suspended (SPEC §6): shared by the guard, its store and the admin API.

/** In the order of SPEC §6's table; the admin API and the error bodies use these codes verbatim. */
export const REASON_CODES = [
  'CRM_API_LIMIT_EXCEEDED',
  'CRM_API_DISABLED',
  'OBJECT_PERMISSIONS_MISSING',
  'FIELD_PERMISSIONS_MISSING',
  'ORG_LOCKED',
  'STORAGE_LIMIT_EXCEEDED',
  'ORG_UNAVAILABLE',
  'CRM_SERVER_ERROR',
  'UNKNOWN_ERROR',
  'API_ALLOCATION_EXCEEDED',
  'MISSING_FIELD_MAPPINGS',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && (REASON_CODES as readonly string[]).includes(value);
}
