// How an account looks through the admin API: ISO times, the current phase, extras from other parts; and the zod schemas of those answers.
import { z } from 'zod';
import type { AccountRecord, AuditEntry } from '../domain/account';
import { bufferedExtraSchema } from '../buffer/admin-routes';
import { integrationViewSchema } from '../integrations/admin-routes';
import { phaseAt } from '../policy/phase';
import { settingsSchema } from './validation';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** An instant as the admin API writes it (Date#toISOString). */
export const instantSchema = z.string().datetime();
const region = z.enum(['us', 'eu']);

export const migrationViewSchema = z.object({
  id: z.string().optional(),
  status: z.enum(['none', 'scheduled', 'in_progress', 'completed', 'failed', 'cancelled']),
  phase: z.enum(['none', 'scheduled', 'imports_blocked', 'chat_hidden', 'window', 'completed', 'failed', 'cancelled']),
  source: region.optional(),
  target: region.optional(),
  start: instantSchema.optional(),
  expectedEnd: instantSchema.optional(),
  changeDeadline: instantSchema.optional().describe('Start − 36 h: the last moment to reschedule or cancel'),
  scheduledAt: instantSchema.optional(),
  scheduledBy: z.string().optional(),
  startedAt: instantSchema.nullable().optional(),
  endedAt: instantSchema.nullable().optional(),
});

export const warningSchema = z.object({
  code: z.enum(['SANDBOX_NOT_MIGRATED', 'SSO_LOGIN_URL', 'LINKED_INTEGRATION']),
  message: z.string(),
});

/** POST/PATCH/DELETE /accounts/:id/migration and the engine's transitions (which add the data location). */
export const migrationAnswerSchema = z.object({
  migration: migrationViewSchema,
  warnings: z.array(warningSchema).optional().describe('When scheduling: what the account must know (sandbox, SSO, linked tools)'),
  dataLocation: region.optional().describe('After a transition: where the account lives now'),
});

export const auditEntrySchema = z.object({
  at: instantSchema,
  actor: z.string(),
  action: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

/** GET/PUT /accounts/:id: the settings as stored, the migration, the audit trail and what the standard parts add. */
export const accountViewSchema = settingsSchema.extend({
  id: z.string(),
  migration: migrationViewSchema,
  version: z.number().int(),
  updatedAt: instantSchema.nullable(),
  buffered: bufferedExtraSchema.optional().describe('Added by the buffer: requests waiting and dead-lettered'),
  integrationStatus: z
    .record(z.string(), integrationViewSchema)
    .optional()
    .describe("Added by the CRM guard: each integration's state (`integrations` stays the settings)"),
  audit: z.array(auditEntrySchema).describe('The last 100 changes, oldest first'),
});

export function migrationView(record: AccountRecord, now: number): Record<string, unknown> {
  const m = record.migration;
  if (!m) return { status: 'none', phase: 'none' };
  return {
    id: m.id,
    status: m.status,
    phase: phaseAt(m, now),
    source: m.source,
    target: m.target,
    start: iso(m.start),
    expectedEnd: iso(m.expectedEnd),
    changeDeadline: iso(m.start - 36 * 3600_000),
    scheduledAt: iso(m.scheduledAt),
    scheduledBy: m.scheduledBy,
    startedAt: iso(m.startedAt),
    endedAt: iso(m.endedAt),
  };
}

export function accountView(
  record: AccountRecord,
  now: number,
  audit: AuditEntry[],
  extras: Record<string, unknown>,
): Record<string, unknown> {
  return {
    id: record.id,
    ...record.settings,
    migration: migrationView(record, now),
    version: record.version,
    updatedAt: iso(record.updatedAt),
    ...extras,
    audit: audit.map((a) => ({ at: iso(a.at), actor: a.actor, action: a.action, detail: a.detail })),
  };
}
