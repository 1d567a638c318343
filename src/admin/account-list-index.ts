// Keeps the attention index current from the events that change it: migration transitions, account saves,
// suspensions and dead letters. Entries are written before (or with) the change and never removed on a guess,
// so a crash leaves the index over-inclusive; the list (account-list.ts) checks each entry and drops stale ones.
import type { AccountRecord } from '../domain/account';
import type { Clock } from '../domain/clock';
import type { MigrationListener, MigrationPreparer } from '../migration/events';
import type { AttentionStore } from '../store/attention-store';
import type { BufferStore } from '../store/buffer-store';
import type { IntegrationStore } from '../store/integration-store';

export interface AttentionTracker {
  /** Before a migration change is stored: adds what it needs to the lists. */
  migrationPreparer: MigrationPreparer;
  /** After it is stored: removes what an ended migration no longer needs. */
  migrationListener: MigrationListener;
  /** After an account's settings were saved: an integration without field mappings is suspended from then on. */
  accountSaved: (record: AccountRecord) => Promise<void>;
  /** The integration store the guard writes through: a suspension is indexed before it is stored. */
  trackIntegrations: (inner: IntegrationStore) => IntegrationStore;
  /** The buffer store the replayer writes through: a dead letter is indexed before it is stored. */
  trackBuffer: (inner: BufferStore) => BufferStore;
}

/** `inner` with some methods replaced; the others are inner's own, bound to it. */
function decorate<T extends object>(inner: T, overrides: Partial<T>): T {
  return new Proxy(inner, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop as keyof T];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function createAttentionTracker(attention: AttentionStore, clock: Clock): AttentionTracker {
  /** Before the change is stored: the entries a scheduled or started migration needs (over-inclusive if it is not stored). */
  const migrationPreparer: MigrationPreparer = async ({ kind, account, migration }) => {
    const id = account.id;
    switch (kind) {
      case 'scheduled':
      case 'rescheduled':
        // Both lists, scored by the start: `upcoming` shows it until the start, `in_window` from the start on.
        await attention.add('upcoming', id, migration.start);
        await attention.add('in_window', id, migration.start);
        return;
      case 'started':
        await attention.add('in_window', id, migration.startedAt ?? migration.start);
        return;
      default:
        return;
    }
  };

  /** After the change is stored: the entries an ended migration no longer needs (a lost removal is dropped when listed). */
  const migrationListener: MigrationListener = async (event) => {
    const { kind, account, migration } = event;
    const id = account.id;
    switch (kind) {
      case 'completed':
      case 'failed':
      case 'cancelled':
        // Only the entries this migration wrote: a newer schedule (another score) keeps its own.
        await attention.remove('upcoming', id, migration.start);
        await attention.remove('in_window', id, migration.start);
        if (migration.startedAt !== null) await attention.remove('in_window', id, migration.startedAt);
        return;
      default:
        // Written before the change; writing again is idempotent and heals an index that lost the entry.
        await migrationPreparer(event);
        return;
    }
  };

  const accountSaved = async (record: AccountRecord): Promise<void> => {
    if (Object.values(record.settings.integrations).some((settings) => settings.fieldMappings.length === 0)) {
      await attention.add('suspended', record.id, clock.now());
    }
  };

  const trackIntegrations = (inner: IntegrationStore): IntegrationStore =>
    decorate(inner, {
      async suspend(accountId, integration, reason, now) {
        await attention.add('suspended', accountId, now);
        return inner.suspend(accountId, integration, reason, now);
      },
      // Any failure may be the one that reaches the threshold; which one is known only once it is stored.
      async recordFailure(accountId, integration, reason, immediate, threshold, now) {
        await attention.add('suspended', accountId, now);
        return inner.recordFailure(accountId, integration, reason, immediate, threshold, now);
      },
    });

  const trackBuffer = (inner: BufferStore): BufferStore =>
    decorate(inner, {
      async deadLetter(lease, itemId, answer, notifyOperator) {
        await attention.add('dead_letters', lease.accountId, clock.now());
        return inner.deadLetter(lease, itemId, answer, notifyOperator);
      },
    });

  return { migrationPreparer, migrationListener, accountSaved, trackIntegrations, trackBuffer };
}
