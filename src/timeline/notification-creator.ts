// Creates each notification exactly once (its key is claimed in the outbox, ever), with what comes with an ended
// migration: the post-migration checklist and the meeting-request digests.
import { LRUCache } from 'lru-cache';
import type { AccountRecord, Migration } from '../domain/account';
import type { Logger } from '../observability/logger';
import type { CreateResult, OutboxWriteOptions } from '../store/outbox-store';
import type { TimelineStore } from '../store/timeline-store';
import { meetingDigests } from './meetings';
import { composeMessage, type Message } from './messages';
import type { NotificationCounter } from './notification-counter';
import { newNotification } from './outbox';
import type { NotificationKind } from '../domain/notification-kinds';
import { dueNotifications, notificationKey } from './schedule';

/** Claim keys remembered per instance: enough for every notification of thousands of migrations at once. */
const KNOWN_KEYS = 100_000;

export interface NotificationCreatorOptions {
  timeline: Pick<TimelineStore, 'outbox' | 'checklists' | 'meetings'>;
  logger: Logger;
  counter: NotificationCounter;
}

function recipientsOf(account: AccountRecord): string[] {
  return [...new Set(account.settings.superAdmins.map((a) => a.email).filter(Boolean))];
}

export class NotificationCreator {
  /**
   * Claim keys this instance has seen stored: a key, once claimed, is claimed forever, so this cache is never stale;
   * bounded (least recently used leave first), as forgetting a key costs only one create that finds it claimed.
   */
  private readonly known = new LRUCache<string, true>({ max: KNOWN_KEYS });

  constructor(private readonly options: NotificationCreatorOptions) {}

  /** Creates the notifications due for the account's migration at `now` (and what comes with an ended migration). */
  async createDue(account: AccountRecord, now: number, write: OutboxWriteOptions = {}): Promise<void> {
    const m = account.migration;
    if (!m) return;
    for (const due of dueNotifications(m, account.settings.timezone, now)) {
      const message = composeMessage({ kind: due.kind, account, migration: m });
      await this.ensure(account, m, due.kind, due.key, message, now, recipientsOf(account), write);
      if (due.kind === 'completed') await this.openChecklist(account, m, now);
      if (due.kind === 'completed' || due.kind === 'failed') await this.ensureMeetingDigests(account, m, now, write);
    }
  }

  private async openChecklist(account: AccountRecord, m: Migration, now: number): Promise<void> {
    const marker = `${account.id}\nchecklist:${m.id}`;
    if (this.known.has(marker)) return;
    if (await this.options.timeline.checklists.open(account.id, m.id, m.endedAt ?? now)) {
      this.options.logger.info({ accountId: account.id, migrationId: m.id }, 'post-migration checklist opened');
    }
    this.known.set(marker, true);
  }

  private async ensureMeetingDigests(account: AccountRecord, m: Migration, now: number, write: OutboxWriteOptions): Promise<void> {
    const marker = `${account.id}\nmeetings:${m.id}`;
    if (this.known.has(marker)) return;
    const requests = await this.options.timeline.meetings.list(account.id, m.id);
    for (const digest of meetingDigests(account, requests)) {
      const message = composeMessage({
        kind: 'meetings_requested',
        account,
        migration: m,
        ownerName: digest.ownerName,
        meetings: digest.meetings,
      });
      await this.ensure(
        account,
        m,
        'meetings_requested',
        notificationKey.meetingsRequested(m, digest.ownerEmail),
        message,
        now,
        [digest.ownerEmail],
        write,
      );
    }
    this.known.set(marker, true);
  }

  /** Creates the notification unless its key is already claimed (by anyone, ever). */
  async ensure(
    account: AccountRecord,
    m: Migration | null,
    kind: NotificationKind,
    key: string,
    message: Message,
    now: number,
    recipients: string[] = recipientsOf(account),
    write: OutboxWriteOptions = {},
  ): Promise<CreateResult | null> {
    const marker = `${account.id}\n${key}`;
    if (this.known.has(marker)) return null;
    const result = await this.options.timeline.outbox.create(
      newNotification({
        accountId: account.id,
        migrationId: m?.id ?? null,
        migrationStart: m?.start ?? null,
        kind,
        key,
        recipients,
        subject: message.subject,
        text: message.text,
        now,
      }),
      write,
    );
    this.known.set(marker, true);
    if (result.created) {
      this.options.counter.inc({ kind, outcome: 'created' });
      this.options.logger.info({ accountId: account.id, kind, id: result.notification.id }, 'notification created');
    }
    return result;
  }
}
