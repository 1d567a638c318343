// The one Store interface: domain-speaking sub-stores, each with a memory and a Redis implementation.
import type { AccountRecord, AuditEntry } from '../domain/account';
import type { TimelineStore } from './timeline-store';
import type { IntegrationStore } from './integration-store';
import type { BufferStore } from './buffer-store';
import type { DirectoryListener, DirectoryStore } from './directory-store';
import type { AttentionStore } from './attention-store';

/** Raised when the store cannot confirm an operation (unreachable, timed out). A policy outcome is never an Error. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export type SaveResult = 'ok' | 'conflict';

export interface AccountStore {
  get(accountId: string): Promise<AccountRecord | null>;
  /**
   * Writes the record if the stored version equals `expectedVersion` (0 = must not exist yet),
   * appends the audit entry in the same atomic step and announces the change to every instance.
   * The stored record gets version expectedVersion + 1.
   */
  save(record: AccountRecord, expectedVersion: number, audit: AuditEntry): Promise<SaveResult>;
  audit(accountId: string, limit: number): Promise<AuditEntry[]>;
  /** Appends to the audit trail for changes kept outside the account record (e.g. a cleared suspension). */
  appendAudit(accountId: string, entry: AuditEntry): Promise<void>;
  /** Every account id ever saved (tools and tests; the timeline reads its due index, SPEC §11). */
  list(): Promise<string[]>;
  /**
   * One page of those ids for a one-off walk (building the timeline's due index from older data): start with
   * cursor '0', go on with the cursor returned until it is '0' again. An id may come twice; none saved before the
   * walk began is left out.
   */
  scanIds(cursor: string, count: number): Promise<{ cursor: string; ids: string[] }>;
  /**
   * Takes one of `capacity` migration slots for a calendar day; false when the day is full.
   * The slot is keyed by migration id so a retried reservation does not take two.
   */
  reserveDay(day: string, migrationId: string, capacity: number): Promise<boolean>;
  releaseDay(day: string, migrationId: string): Promise<void>;
}

export type InvalidationListener = (accountId: string) => void;

export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly accounts: AccountStore;
  /** Notifications outbox, post-migration checklist, meeting requests (timeline/). */
  readonly timeline: TimelineStore;
  readonly integrations: IntegrationStore;
  /** Requests accepted during a maintenance window, waiting for replay (buffer/). */
  readonly buffer: BufferStore;
  /** Custom domains and API-token digests → account (state/account-directory.ts keeps them in-process). */
  readonly directory: DirectoryStore;
  /** Which accounts need an operator: in a window, upcoming, suspended, with dead letters (admin/ lists). */
  readonly attention: AttentionStore;
  /** Calls the listener whenever any instance changed an account; resolves once subscribed. */
  onInvalidate(listener: InvalidationListener): Promise<void>;
  /** Called when the invalidation channel was lost and re-established: cached state may be stale. */
  onResync(listener: () => void): void;
  /** Calls the listener with every directory change made by any instance; resolves once subscribed. */
  onDirectoryChange(listener: DirectoryListener): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
