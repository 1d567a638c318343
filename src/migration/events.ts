// Events the migration service emits after a change is stored; the timeline and the replayer listen.
import type { AccountRecord, Migration } from '../domain/account';

export type MigrationEventKind = 'scheduled' | 'rescheduled' | 'cancelled' | 'started' | 'completed' | 'failed';

export interface MigrationEvent {
  kind: MigrationEventKind;
  account: AccountRecord;
  migration: Migration;
  /** For `rescheduled`: the start before the change. */
  previousStart?: number;
  actor: string;
  at: number;
}

export type MigrationListener = (event: MigrationEvent) => void | Promise<void>;
