// Accounts for tests: settings in the shape of PUT /admin/v1/accounts/:id, and stored records.
import type { Express } from 'express';
import request from 'supertest';
import type { AccountRecord, AccountSettings } from '../../src/domain/account';

export const ADMIN_TOKEN = 'test-admin-token';
export const SUPER_ADMIN = { id: 'sa-1', name: 'Ada Lovelace', email: 'ada@example.test' };

export function accountSettings(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dataLocation: 'us',
    timezone: 'Europe/Stockholm',
    contactName: 'Ada Lovelace',
    superAdmins: [SUPER_ADMIN],
    paymentsEnabled: false,
    ssoEnabled: false,
    hasSandbox: false,
    ...overrides,
  };
}

export const auth = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'X-Actor-Id': SUPER_ADMIN.id };

/** A stored account record (version 0, no migration) for store-level tests. */
export function accountRecord(id: string, settings: Partial<AccountSettings> = {}): AccountRecord {
  return {
    id,
    settings: {
      dataLocation: 'us',
      timezone: 'Europe/Stockholm',
      contactName: 'Ada',
      superAdmins: [{ id: 'u1', name: 'Ada', email: 'ada@example.test' }],
      paymentsEnabled: false,
      ssoEnabled: false,
      hasSandbox: false,
      integrations: {},
      meetingLinks: {},
      ...settings,
    },
    migration: null,
    version: 0,
    updatedAt: 1,
  };
}

/** Creates the account (settings over accountSettings()) and schedules its migration through the admin API: how every window test begins. */
export async function accountWithMigration(app: Express, id: string, start: number, settings: Record<string, unknown> = {}): Promise<void> {
  await request(app).put(`/admin/v1/accounts/${id}`).set(auth).send(accountSettings(settings)).expect(201);
  await request(app)
    .post(`/admin/v1/accounts/${id}/migration`)
    .set(auth)
    .send({ start: new Date(start).toISOString() })
    .expect(201);
}
