// What the migration timeline keeps per account: the outbox, the post-migration checklist, meeting requests.
import type { OutboxStore } from './outbox-store';

export interface ChecklistMark {
  done: boolean;
  at: number;
  by: string;
}

export interface ChecklistState {
  migrationId: string;
  openedAt: number;
  /** Only items someone has marked; the item list itself is code (timeline/checklist.ts). */
  marks: Record<string, ChecklistMark>;
}

export interface ChecklistStore {
  /** Opens the checklist for a completed migration; idempotent per migration id. True when newly opened. */
  open(accountId: string, migrationId: string, at: number): Promise<boolean>;
  get(accountId: string): Promise<ChecklistState | null>;
  /** Records a mark; false when no checklist is open for the account. */
  mark(accountId: string, itemId: string, mark: ChecklistMark): Promise<boolean>;
}

/** A meeting request accepted while the window was open (the calendar did not get it). */
export interface MeetingRequest {
  id: string;
  accountId: string;
  migrationId: string | null;
  slug: string;
  receivedAt: number;
  /** What could be read from the body: name, email, time, message… */
  fields: Record<string, string>;
  /** A short printable excerpt of the body when no fields could be read. */
  excerpt: string;
}

export interface MeetingRequestStore {
  /** Idempotent per request id. */
  add(request: MeetingRequest): Promise<void>;
  /** Requests of one migration, in arrival order. */
  list(accountId: string, migrationId: string): Promise<MeetingRequest[]>;
}

export interface TimelineStore {
  readonly outbox: OutboxStore;
  readonly checklists: ChecklistStore;
  readonly meetings: MeetingRequestStore;
}
