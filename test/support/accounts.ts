// Account settings for tests, in the shape of PUT /admin/v1/accounts/:id.

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
