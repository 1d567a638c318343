// The benchmark's set-up through the gateway's admin API: accounts, migrations scheduled and started, buffer depth.
export const ADMIN_TOKEN = 'bench-admin-token';
export const SUPER_ADMIN = 'sa-bench';
export const API_PATH = '/api/v1/contacts?limit=10';

export interface AdminAnswer {
  status: number;
  body: unknown;
}

export async function admin(base: string, method: string, route: string, body?: unknown): Promise<AdminAnswer> {
  const res = await fetch(`${base}/admin/v1${route}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'x-actor-id': SUPER_ADMIN,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

export async function adminOk(base: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const answer = await admin(base, method, route, body);
  if (answer.status >= 300) throw new Error(`${method} ${route} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export const accountSettings = {
  dataLocation: 'us',
  timezone: 'Europe/Berlin',
  contactName: 'Bench Admin',
  superAdmins: [{ id: SUPER_ADMIN, name: 'Bench Admin', email: 'bench-admin@example.com' }],
  paymentsEnabled: false,
  ssoEnabled: false,
  hasSandbox: false,
};

/** Creates an account and schedules its migration (8+ days ahead, one day per index so no day fills up). */
export async function scheduledAccount(base: string, id: string, index: number): Promise<void> {
  await adminOk(base, 'PUT', `/accounts/${id}`, accountSettings);
  const start = new Date(Date.now() + (8 + (index % 300)) * 86_400_000);
  start.setUTCHours(21, 0, 0, 0);
  await adminOk(base, 'POST', `/accounts/${id}/migration`, { start: start.toISOString(), target: 'eu' });
}

export async function accountInWindow(base: string, id: string, index: number): Promise<void> {
  await scheduledAccount(base, id, index);
  await adminOk(base, 'POST', `/accounts/${id}/migration/start`);
}

/** Depth of an account's buffer from the admin API, or null when the buffer API is not there or says nothing usable. */
export async function bufferDepth(base: string, id: string): Promise<number | null> {
  const answer = await admin(base, 'GET', `/accounts/${id}/buffer`).catch(() => null);
  if (!answer || answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) return null;
  const depth = (answer.body as { depth?: unknown }).depth;
  return typeof depth === 'number' ? depth : null;
}

/** The status an API call for the account gets from one gateway instance. */
export async function statusOf(url: string, accountId: string): Promise<number> {
  const res = await fetch(`${url}${API_PATH}`, { headers: { 'x-account-id': accountId } });
  await res.arrayBuffer();
  return res.status;
}
