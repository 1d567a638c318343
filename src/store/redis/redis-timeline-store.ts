// The timeline store in Redis: outbox, checklist and meeting requests, all under the account's hash tag.
import type { ChecklistMark, ChecklistState, ChecklistStore, MeetingRequest, MeetingRequestStore, TimelineStore } from '../timeline-store';
import { accountKey } from './keys';
import { RedisDueIndex } from './redis-due-index';
import { RedisOutboxStore } from './redis-outbox-store';
import { defineScript, runScript, type RedisClient } from './scripts';

class RedisChecklistStore implements ChecklistStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {
    defineScript(client, 'mgChecklistOpen', 'timeline-checklist-open', 1);
    defineScript(client, 'mgChecklistMark', 'timeline-checklist-mark', 1);
  }

  private key(accountId: string): string {
    return accountKey(this.prefix, accountId, 'checklist');
  }

  async open(accountId: string, migrationId: string, at: number): Promise<boolean> {
    return (await runScript(this.client, 'mgChecklistOpen', [this.key(accountId)], [migrationId, at])) === 1;
  }

  async get(accountId: string): Promise<ChecklistState | null> {
    const hash = await this.client.hgetall(this.key(accountId));
    if (!hash.migrationId) return null;
    const marks: Record<string, ChecklistMark> = {};
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('item:')) marks[field.slice('item:'.length)] = JSON.parse(value) as ChecklistMark;
    }
    return { migrationId: hash.migrationId, openedAt: Number(hash.openedAt), marks };
  }

  async mark(accountId: string, itemId: string, mark: ChecklistMark): Promise<boolean> {
    return (await runScript(this.client, 'mgChecklistMark', [this.key(accountId)], [itemId, JSON.stringify(mark)])) === 1;
  }
}

class RedisMeetingRequestStore implements MeetingRequestStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  async add(request: MeetingRequest): Promise<void> {
    // HSETNX: a retried hook call does not list the same request twice.
    await this.client.hsetnx(accountKey(this.prefix, request.accountId, 'meetings'), request.id, JSON.stringify(request));
  }

  async list(accountId: string, migrationId: string): Promise<MeetingRequest[]> {
    const raws = await this.client.hvals(accountKey(this.prefix, accountId, 'meetings'));
    return raws
      .map((r) => JSON.parse(r) as MeetingRequest)
      .filter((r) => r.migrationId === migrationId)
      .sort((a, b) => a.receivedAt - b.receivedAt || a.id.localeCompare(b.id));
  }
}

export class RedisTimelineStore implements TimelineStore {
  readonly due: RedisDueIndex;
  readonly outbox: RedisOutboxStore;
  readonly checklists: RedisChecklistStore;
  readonly meetings: RedisMeetingRequestStore;

  constructor(client: RedisClient, prefix: string) {
    this.due = new RedisDueIndex(client, prefix);
    this.outbox = new RedisOutboxStore(client, prefix, this.due);
    this.checklists = new RedisChecklistStore(client, prefix);
    this.meetings = new RedisMeetingRequestStore(client, prefix);
  }
}
