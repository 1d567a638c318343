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

/**
 * Runs before a change is stored, with the event it will emit: for indexes that must never miss a stored change
 * (an instance can die between storing and emitting). A rejection refuses the change; nothing is stored.
 */
export type MigrationPreparer = (event: MigrationEvent) => Promise<void>;
