// Account records in Redis: one JSON string per account, compare-and-set through Lua, audit list beside it.
import type { AccountRecord, AuditEntry } from '../../domain/account';
import type { AccountStore, SaveResult } from '../types';
import type { DueIndex } from '../timeline-store';
import { accountKey, globalKey } from './keys';
import { RedisDueIndex } from './redis-due-index';
import { defineScript, runScript, type RedisClient } from './scripts';

const AUDIT_KEEP = 1000;

export class RedisAccountStore implements AccountStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly announce: (accountId: string) => Promise<void>,
    private readonly due: DueIndex = new RedisDueIndex(client, prefix),
  ) {
    defineScript(client, 'mgSaveAccount', 'save-account', 2);
    defineScript(client, 'mgReserveDay', 'reserve-day', 1);
  }

  async get(accountId: string): Promise<AccountRecord | null> {
    const raw = await this.client.get(accountKey(this.prefix, accountId, 'account'));
    return raw ? (JSON.parse(raw) as AccountRecord) : null;
  }

  async save(record: AccountRecord, expectedVersion: number, audit: AuditEntry): Promise<SaveResult> {
    const stored: AccountRecord = { ...record, version: expectedVersion + 1 };
    // The list is another hash slot, so it cannot join the script: write it first. A listed id without a record
    // (the create then lost or failed) is skipped by readers; a record missing from the list would never be walked.
    if (expectedVersion === 0) await this.client.sadd(globalKey(this.prefix, 'accounts'), record.id);
    // Likewise the timeline's due index (README, "Timeline index"): touched before the record is written, so a record
    // with a migration is never stored unindexed; a touch whose write then failed costs the timeline one look.
    if (record.migration) await this.due.touch(record.id, 0);
    const written = await runScript(
      this.client,
      'mgSaveAccount',
      [accountKey(this.prefix, record.id, 'account'), accountKey(this.prefix, record.id, 'audit')],
      [expectedVersion, JSON.stringify(stored), JSON.stringify(audit), AUDIT_KEEP],
    );
    if (written !== 1) return 'conflict';
    // Touched again now that the record is there: a pass that read the record between the first touch and the
    // write (and so saw the old one) is made to look again at once instead of after the touch grace (60 s).
    if (record.migration) await this.due.touch(record.id, 0).catch(() => undefined);
    // The change is stored: a lost announcement delays other instances only until their cache TTL, and reporting
    // a failure here would make the caller undo or deny what is in the store.
    await this.announce(record.id).catch(() => undefined);
    return 'ok';
  }

  async audit(accountId: string, limit: number): Promise<AuditEntry[]> {
    const raw = await this.client.lrange(accountKey(this.prefix, accountId, 'audit'), -limit, -1);
    return raw.map((entry) => JSON.parse(entry) as AuditEntry);
  }

  async appendAudit(accountId: string, entry: AuditEntry): Promise<void> {
    const key = accountKey(this.prefix, accountId, 'audit');
    await this.client.multi().rpush(key, JSON.stringify(entry)).ltrim(key, -AUDIT_KEEP, -1).exec();
  }

  /** Every account id ever saved: for tools and tests; the timeline reads the due index instead (SPEC §11). */
  async list(): Promise<string[]> {
    return this.client.smembers(globalKey(this.prefix, 'accounts'));
  }

  async scanIds(cursor: string, count: number): Promise<{ cursor: string; ids: string[] }> {
    const [next, ids] = await this.client.sscan(globalKey(this.prefix, 'accounts'), cursor, 'COUNT', count);
    return { cursor: next, ids };
  }

  async reserveDay(day: string, migrationId: string, capacity: number): Promise<boolean> {
    const held = await runScript(this.client, 'mgReserveDay', [globalKey(this.prefix, `day:${day}`)], [migrationId, capacity]);
    return held === 1;
  }

  async releaseDay(day: string, migrationId: string): Promise<void> {
    await this.client.srem(globalKey(this.prefix, `day:${day}`), migrationId);
  }
}
