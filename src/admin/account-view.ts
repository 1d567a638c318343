// How an account looks through the admin API: ISO times, the current phase, extras from other parts.
import type { AccountRecord, AuditEntry } from '../domain/account';
import { phaseAt } from '../policy/phase';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

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

export function accountView(record: AccountRecord, now: number, audit: AuditEntry[], extras: Record<string, unknown>): Record<string, unknown> {
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
