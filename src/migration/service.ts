// Account settings and the migration lifecycle with every scheduling rule of SPEC §2. Writes go through
// compare-and-set with retry, so two operators acting at once cannot overwrite each other.
import { randomUUID } from 'node:crypto';
import {
  CHANGE_DEADLINE_MS,
  MIGRATION_DURATION_MS,
  MIN_LEAD_MS,
  type AccountRecord,
  type AccountSettings,
  type Migration,
  type Region,
} from '../domain/account';
import type { Clock } from '../domain/clock';
import { GatewayError } from '../domain/errors';
import type { Logger } from '../observability/logger';
import type { Store } from '../store/types';
import type { MigrationEvent, MigrationEventKind, MigrationListener, MigrationPreparer } from './events';

export interface Warning {
  code: string;
  message: string;
}

export interface MigrationServiceOptions {
  migrationsPerDay: number;
  unavailableDates: string[];
}

interface Mutation {
  record: AccountRecord;
  action: string;
  detail: Record<string, unknown>;
  event?: { kind: MigrationEventKind; previousStart?: number };
  /** Migration-day slot taken for this change, released if the change is not stored. */
  reservedDay?: { day: string; migrationId: string };
  releaseDay?: { day: string; migrationId: string };
}

const MAX_ATTEMPTS = 5;

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class MigrationService {
  private readonly listeners: MigrationListener[] = [];
  private readonly preparers: MigrationPreparer[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: MigrationServiceOptions,
    private readonly logger: Logger,
    /** Called with every record this instance stored, so its own cache is current at once. */
    private readonly onStored: (record: AccountRecord) => void = () => undefined,
  ) {}

  addListener(listener: MigrationListener): void {
    this.listeners.push(listener);
  }

  /** Runs before each change with an event is stored (see MigrationPreparer). */
  addPreparer(preparer: MigrationPreparer): void {
    this.preparers.push(preparer);
  }

  async get(accountId: string): Promise<AccountRecord> {
    const record = await this.store.accounts.get(accountId);
    if (!record) throw new GatewayError(404, 'ACCOUNT_NOT_FOUND', `account ${accountId} does not exist`);
    return record;
  }

  async putAccount(accountId: string, settings: AccountSettings, actor: string): Promise<{ record: AccountRecord; created: boolean }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.store.accounts.get(accountId);
      const active = current?.migration && (current.migration.status === 'scheduled' || current.migration.status === 'in_progress');
      if (current && active && current.settings.dataLocation !== settings.dataLocation) {
        throw new GatewayError(409, 'MIGRATION_ACTIVE', 'dataLocation cannot change while a migration is scheduled or in progress');
      }
      // An account with payments cannot migrate (SPEC §10): payments stay off until the migration is over.
      if (current && active && settings.paymentsEnabled && !current.settings.paymentsEnabled) {
        throw new GatewayError(422, 'MIGRATION_PENDING', 'payments cannot be turned on while a migration is scheduled or in progress');
      }
      // Data never moves back: re-applying an old settings file must not route a migrated account to the US again.
      if (current?.settings.dataLocation === 'eu' && settings.dataLocation === 'us') {
        throw new GatewayError(
          422,
          'INVALID_DIRECTION',
          'dataLocation cannot change from eu to us: data is only ever migrated from us to eu',
        );
      }
      const record: AccountRecord = {
        id: accountId,
        settings,
        migration: current?.migration ?? null,
        version: current?.version ?? 0,
        updatedAt: this.clock.now(),
      };
      const action = current ? 'account.replaced' : 'account.created';
      const saved = await this.store.accounts.save(record, current?.version ?? 0, {
        at: this.clock.now(),
        actor,
        action,
        detail: { dataLocation: settings.dataLocation },
      });
      if (saved === 'ok') {
        const stored = { ...record, version: record.version + 1 };
        this.onStored(stored);
        return { record: stored, created: !current };
      }
    }
    throw new GatewayError(409, 'CONCURRENT_UPDATE', 'the account changed concurrently too often; try again');
  }

  async schedule(
    accountId: string,
    actor: string,
    input: { start: number; target: Region },
  ): Promise<{ record: AccountRecord; warnings: Warning[] }> {
    const record = await this.mutate(
      accountId,
      (current) => {
        this.requireSuperAdmin(current, actor);
        if (current.migration && (current.migration.status === 'scheduled' || current.migration.status === 'in_progress')) {
          throw new GatewayError(
            409,
            'ALREADY_SCHEDULED',
            `a migration is already ${current.migration.status.replace('_', ' ')} for this account`,
          );
        }
        if (input.target !== 'eu' || current.settings.dataLocation !== 'us') {
          throw new GatewayError(
            422,
            'INVALID_DIRECTION',
            `only us → eu migrations are possible; this account is in ${current.settings.dataLocation} and the target is ${input.target}`,
          );
        }
        if (current.settings.paymentsEnabled) {
          throw new GatewayError(
            422,
            'PAYMENTS_ENABLED',
            'payments are enabled on this account: turn payments off before scheduling a migration',
          );
        }
        this.requireLeadTime(input.start);
        const now = this.clock.now();
        const migration: Migration = {
          id: randomUUID(),
          status: 'scheduled',
          source: 'us',
          target: 'eu',
          start: input.start,
          expectedEnd: input.start + MIGRATION_DURATION_MS,
          scheduledAt: now,
          scheduledBy: actor,
          startedAt: null,
          endedAt: null,
        };
        return {
          record: { ...current, migration },
          action: 'migration.scheduled',
          detail: { migrationId: migration.id, start: new Date(input.start).toISOString() },
          event: { kind: 'scheduled' },
          reservedDay: { day: utcDay(input.start), migrationId: migration.id },
        };
      },
      actor,
    );
    return { record, warnings: this.warningsFor(record) };
  }

  async reschedule(accountId: string, actor: string, input: { start: number }): Promise<AccountRecord> {
    return this.mutate(
      accountId,
      (current) => {
        this.requireSuperAdmin(current, actor);
        const migration = this.requireChangeable(current);
        this.requireLeadTime(input.start);
        const oldDay = utcDay(migration.start);
        const newDay = utcDay(input.start);
        return {
          record: { ...current, migration: { ...migration, start: input.start, expectedEnd: input.start + MIGRATION_DURATION_MS } },
          action: 'migration.rescheduled',
          detail: { migrationId: migration.id, from: new Date(migration.start).toISOString(), to: new Date(input.start).toISOString() },
          event: { kind: 'rescheduled', previousStart: migration.start },
          reservedDay: oldDay === newDay ? undefined : { day: newDay, migrationId: migration.id },
          releaseDay: oldDay === newDay ? undefined : { day: oldDay, migrationId: migration.id },
        };
      },
      actor,
    );
  }

  async cancel(accountId: string, actor: string): Promise<AccountRecord> {
    return this.mutate(
      accountId,
      (current) => {
        this.requireSuperAdmin(current, actor);
        const migration = this.requireChangeable(current);
        return {
          record: { ...current, migration: { ...migration, status: 'cancelled', endedAt: this.clock.now() } },
          action: 'migration.cancelled',
          detail: { migrationId: migration.id },
          event: { kind: 'cancelled' },
          releaseDay: { day: utcDay(migration.start), migrationId: migration.id },
        };
      },
      actor,
    );
  }

  /** The migration engine reports the start (it may come early: an emergency window). Repeating it is harmless. */
  async start(accountId: string, actor: string): Promise<AccountRecord> {
    return this.mutate(
      accountId,
      (current) => {
        const migration = current.migration;
        if (migration?.status === 'in_progress') return null;
        if (migration?.status !== 'scheduled') throw this.invalidTransition(current, 'start');
        const now = this.clock.now();
        const expectedEnd = Math.min(migration.expectedEnd, now + MIGRATION_DURATION_MS);
        return {
          record: { ...current, migration: { ...migration, status: 'in_progress', startedAt: now, expectedEnd } },
          action: 'migration.started',
          detail: { migrationId: migration.id, early: now < migration.start },
          event: { kind: 'started' },
        };
      },
      actor,
    );
  }

  async complete(accountId: string, actor: string): Promise<AccountRecord> {
    return this.finish(accountId, actor, 'completed');
  }

  async fail(accountId: string, actor: string): Promise<AccountRecord> {
    return this.finish(accountId, actor, 'failed');
  }

  private finish(accountId: string, actor: string, outcome: 'completed' | 'failed'): Promise<AccountRecord> {
    return this.mutate(
      accountId,
      (current) => {
        const migration = current.migration;
        if (migration?.status === outcome) return null;
        const now = this.clock.now();
        const running = migration?.status === 'in_progress' || (migration?.status === 'scheduled' && now >= migration.start);
        if (!migration || !running) throw this.invalidTransition(current, outcome === 'completed' ? 'complete' : 'fail');
        const settings = outcome === 'completed' ? { ...current.settings, dataLocation: migration.target } : current.settings;
        return {
          record: {
            ...current,
            settings,
            migration: { ...migration, status: outcome, startedAt: migration.startedAt ?? migration.start, endedAt: now },
          },
          action: `migration.${outcome}`,
          detail: { migrationId: migration.id, dataLocation: settings.dataLocation },
          event: { kind: outcome },
        };
      },
      actor,
    );
  }

  warningsFor(record: AccountRecord): Warning[] {
    const warnings: Warning[] = [];
    if (record.settings.hasSandbox) {
      warnings.push({ code: 'SANDBOX_NOT_MIGRATED', message: 'Sandbox accounts are not migrated: any work in the sandbox will be lost.' });
    }
    if (record.settings.ssoEnabled) {
      warnings.push({
        code: 'SSO_LOGIN_URL',
        message:
          'Single sign-on is enabled: add the EU login URL to your identity provider before the migration, or users cannot log in afterwards.',
      });
    }
    for (const app of record.settings.connectedApps ?? []) {
      const others = app.linkedAccountIds.filter((id) => id !== record.id);
      if (others.length === 0) continue;
      warnings.push({
        code: 'LINKED_INTEGRATION',
        message: `${app.name} is linked to other accounts (${others.join(', ')}): all linked accounts must live in the same data location, or the integration is disconnected from all of them.`,
      });
    }
    return warnings;
  }

  private requireSuperAdmin(record: AccountRecord, actor: string): void {
    if (!record.settings.superAdmins.some((admin) => admin.id === actor)) {
      throw new GatewayError(
        403,
        'NOT_SUPER_ADMIN',
        `only a super admin of account ${record.id} may schedule, reschedule or cancel its migration (X-Actor-Id "${actor}" is not one)`,
      );
    }
  }

  private requireLeadTime(start: number): void {
    const now = this.clock.now();
    if (start - now < MIN_LEAD_MS) {
      const earliest = new Date(now + MIN_LEAD_MS).toISOString();
      throw new GatewayError(422, 'START_TOO_SOON', `the start must be at least 7 days from now (earliest ${earliest})`, { earliest });
    }
    if (this.options.unavailableDates.includes(utcDay(start))) {
      throw new GatewayError(422, 'DATE_UNAVAILABLE', `${utcDay(start)} is not available for migrations; choose another date`);
    }
  }

  private requireChangeable(record: AccountRecord): Migration {
    const migration = record.migration;
    if (migration?.status !== 'scheduled') {
      throw new GatewayError(409, 'NO_SCHEDULED_MIGRATION', 'there is no scheduled migration to change');
    }
    if (migration.start - this.clock.now() < CHANGE_DEADLINE_MS) {
      throw new GatewayError(422, 'TOO_LATE_TO_CHANGE', 'a migration can be rescheduled or cancelled only up to 36 hours before its start');
    }
    return migration;
  }

  private invalidTransition(record: AccountRecord, verb: string): GatewayError {
    const status = record.migration?.status ?? 'none';
    return new GatewayError(409, 'INVALID_TRANSITION', `cannot ${verb} a migration whose status is ${status}`);
  }

  /**
   * Read, check, write with compare-and-set; re-read and re-check on a conflict.
   * `change` returns null when the record is already in the requested state (idempotent repeat).
   */
  private async mutate(accountId: string, change: (current: AccountRecord) => Mutation | null, actor: string): Promise<AccountRecord> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.get(accountId);
      const mutation = change(current);
      if (!mutation) return current;
      const { reservedDay } = mutation;
      if (reservedDay && !(await this.store.accounts.reserveDay(reservedDay.day, reservedDay.migrationId, this.options.migrationsPerDay))) {
        throw new GatewayError(
          422,
          'DATE_UNAVAILABLE',
          `${reservedDay.day} already has the maximum number of migrations; choose another date`,
        );
      }
      const now = this.clock.now();
      const next: AccountRecord = { ...mutation.record, updatedAt: now };
      const event: MigrationEvent | null =
        mutation.event && next.migration
          ? {
              kind: mutation.event.kind,
              account: next,
              migration: next.migration,
              previousStart: mutation.event.previousStart,
              actor,
              at: now,
            }
          : null;
      let saved: 'ok' | 'conflict';
      try {
        if (event) for (const prepare of this.preparers) await prepare(event);
        saved = await this.store.accounts.save(next, current.version, { at: now, actor, action: mutation.action, detail: mutation.detail });
      } catch (error) {
        if (reservedDay) await this.releaseUnlessHeld(accountId, reservedDay).catch(() => undefined);
        throw error;
      }
      if (saved === 'conflict') {
        if (reservedDay) await this.releaseUnlessHeld(accountId, reservedDay);
        continue;
      }
      if (mutation.releaseDay)
        await this.store.accounts.releaseDay(mutation.releaseDay.day, mutation.releaseDay.migrationId).catch(() => undefined);
      const stored = { ...next, version: current.version + 1 };
      this.onStored(stored);
      if (event && stored.migration) await this.emit({ ...event, account: stored, migration: stored.migration });
      return stored;
    }
    throw new GatewayError(409, 'CONCURRENT_UPDATE', 'the account changed concurrently too often; try again');
  }

  /**
   * Gives back a day slot this change reserved but did not store. Slots are held per migration id, so the change
   * that won the race may have put the same migration on the same day: then the slot is the stored record's.
   */
  private async releaseUnlessHeld(accountId: string, reserved: { day: string; migrationId: string }): Promise<void> {
    const m = (await this.store.accounts.get(accountId))?.migration;
    const held =
      m?.id === reserved.migrationId && (m.status === 'scheduled' || m.status === 'in_progress') && utcDay(m.start) === reserved.day;
    if (!held) await this.store.accounts.releaseDay(reserved.day, reserved.migrationId);
  }

  private async emit(event: MigrationEvent): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(event);
      } catch (error) {
        // The change is stored; a listener's failure (e.g. a notification) must not undo or hide it.
        this.logger.error({ err: error, accountId: event.account.id, kind: event.kind }, 'migration listener failed');
      }
    }
  }
}
