// In-process account store: the default when REDIS_URL is unset, and a test double.
import type { AccountRecord, AuditEntry } from '../../domain/account';
import type { AccountStore, InvalidationListener, SaveResult } from '../types';
import { MemoryDueIndex } from './memory-due-index';

const clone = <T>(value: T): T => structuredClone(value);

/** As many audit entries as the Redis store keeps (LTRIM): the trail must not grow without bound per account. */
const AUDIT_KEEP = 1000;

export class MemoryAccountStore implements AccountStore {
  private readonly records = new Map<string, AccountRecord>();
  private readonly audits = new Map<string, AuditEntry[]>();
  private readonly days = new Map<string, Set<string>>();

  constructor(
    private readonly announce: InvalidationListener,
    private readonly due: MemoryDueIndex = new MemoryDueIndex(),
  ) {}

  async get(accountId: string): Promise<AccountRecord | null> {
    const record = this.records.get(accountId);
    return record ? clone(record) : null;
  }

  async save(record: AccountRecord, expectedVersion: number, audit: AuditEntry): Promise<SaveResult> {
    const current = this.records.get(record.id);
    if ((current?.version ?? 0) !== expectedVersion) return 'conflict';
    // A record with a migration is looked at by the timeline's next pass, which finds its next moment (DueIndex).
    if (record.migration) this.due.touchNow(record.id, 0);
    this.records.set(record.id, clone({ ...record, version: expectedVersion + 1 }));
    const trail = this.audits.get(record.id) ?? [];
    trail.push(clone(audit));
    if (trail.length > AUDIT_KEEP) trail.splice(0, trail.length - AUDIT_KEEP);
    this.audits.set(record.id, trail);
    this.announce(record.id);
    return 'ok';
  }

  async audit(accountId: string, limit: number): Promise<AuditEntry[]> {
    return clone((this.audits.get(accountId) ?? []).slice(-limit));
  }

  async appendAudit(accountId: string, entry: AuditEntry): Promise<void> {
    const trail = this.audits.get(accountId) ?? [];
    trail.push(clone(entry));
    if (trail.length > AUDIT_KEEP) trail.splice(0, trail.length - AUDIT_KEEP);
    this.audits.set(accountId, trail);
  }

  /** Every account id ever saved: for tools and tests; the timeline reads the due index instead (SPEC §11). */
  async list(): Promise<string[]> {
    return [...this.records.keys()];
  }

  async scanIds(cursor: string, count: number): Promise<{ cursor: string; ids: string[] }> {
    const ids = [...this.records.keys()];
    const from = Number(cursor) || 0;
    const to = from + count;
    return { cursor: to >= ids.length ? '0' : String(to), ids: ids.slice(from, to) };
  }

  async reserveDay(day: string, migrationId: string, capacity: number): Promise<boolean> {
    const taken = this.days.get(day) ?? new Set<string>();
    if (taken.has(migrationId)) return true;
    if (taken.size >= capacity) return false;
    taken.add(migrationId);
    this.days.set(day, taken);
    return true;
  }

  async releaseDay(day: string, migrationId: string): Promise<void> {
    this.days.get(day)?.delete(migrationId);
  }
}
