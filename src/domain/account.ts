// The account model shared by every part of the gateway: settings, migration, audit.

export type Region = 'us' | 'eu';

/** Account ids are opaque but bounded: letters, digits, '-', '_', '.', at most 64 characters. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface SuperAdmin {
  id: string;
  name: string;
  email: string;
}

export interface FieldMapping {
  property: string;
  field: string;
}

export interface IntegrationSettings {
  baseUrl: string;
  dailyCallAllocation: number;
  fieldMappings: FieldMapping[];
  notifyOnSuspension: boolean;
}

export interface AccountSettings {
  dataLocation: Region;
  timezone: string;
  contactName: string;
  superAdmins: SuperAdmin[];
  paymentsEnabled: boolean;
  ssoEnabled: boolean;
  hasSandbox: boolean;
  integrations: Record<string, IntegrationSettings>;
  /** Owners of meeting links by slug; requests buffered in the window are mailed to them afterwards. */
  meetingLinks: Record<string, { ownerName: string; ownerEmail: string }>;
  /** Meeting and chat tools linked to several accounts: all of them must live in the same data location. */
  connectedApps?: ConnectedApp[];
  /** Language of the gateway's notices for this account's visitors when Accept-Language finds none with texts (SPEC §10). */
  locale?: string;
  /** Host names of the account's own sites (lower case; `*.example.com` = one more label). Absent on records stored before. */
  domains?: string[];
}

export interface ConnectedApp {
  name: string;
  kind: 'video_meetings' | 'team_chat';
  linkedAccountIds: string[];
}

export type MigrationStatus = 'none' | 'scheduled' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

/** Times are epoch milliseconds; the admin API renders them as ISO-8601. */
export interface Migration {
  id: string;
  status: Exclude<MigrationStatus, 'none'>;
  source: Region;
  target: Region;
  start: number;
  expectedEnd: number;
  scheduledAt: number;
  scheduledBy: string;
  startedAt: number | null;
  endedAt: number | null;
}

export interface AccountRecord {
  id: string;
  settings: AccountSettings;
  migration: Migration | null;
  /** Optimistic-concurrency version: every write must name the version it read. 0 = not stored yet. */
  version: number;
  updatedAt: number;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

/** A migration lasts up to 36 hours; changes are refused inside 36 hours of the start. */
export const MIGRATION_DURATION_MS = 36 * 3600_000;
export const CHANGE_DEADLINE_MS = 36 * 3600_000;
export const MIN_LEAD_MS = 7 * 24 * 3600_000;

/** Adds fields to GET /accounts/:id (e.g. the buffered count) without the admin router knowing those parts. */
export type AccountExtras = (record: AccountRecord) => Promise<Record<string, unknown>>;
