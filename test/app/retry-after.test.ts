// SPEC §10 at the phase boundaries and around the expected end (±1 s): Retry-After and what the notices promise,
// for a migration started on time and one the engine started early.
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { startUpstream, type Upstream } from '../support/upstream';
import { ADMIN_TOKEN, accountWithMigration, auth } from '../support/accounts';

const S = 1000;
const H = 3600 * S;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = Date.parse('2026-12-01T12:00:00Z');
// SPEC §2: the expected end is 36 h after the start.
const END = Date.parse('2026-12-03T00:00:00Z');
const OVERRUN_TEXT = 'The migration is taking longer than planned';
const EMAIL_TEXT = 'super admins will be emailed when it is done';

let us: Upstream;
let eu: Upstream;
beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});
afterAll(async () => {
  await us.close();
  await eu.close();
});

async function setup(config: Record<string, unknown> = {}): Promise<{ app: GatewayApp; clock: ManualClock }> {
  const clock = new ManualClock(NOW);
  const app = createGateway({ upstreams: { us: us.url, eu: eu.url }, store: new MemoryStore(), clock, adminTokens: [ADMIN_TOKEN], config });
  await accountWithMigration(app, 'acme', START, { timezone: 'Europe/Stockholm' });
  return { app, clock };
}

const api = (app: GatewayApp) => request(app).get('/api/contacts').set('X-Account-Id', 'acme');
const appPage = (app: GatewayApp) => request(app).get('/app/home?portalId=acme').set('Accept', 'text/html');
const crm = (app: GatewayApp) => request(app).post('/integrations/crm/sync?portalId=acme').send({});

describe('a migration that starts on time', () => {
  it('blocks imports from S − 24 h with Retry-After capped at 900 and the planned end in the text', async () => {
    const { app, clock } = await setup();
    clock.set(START - 24 * H - S);
    await request(app).post('/imports/contacts?portalId=acme').expect(200);
    clock.set(START - 24 * H);
    const blocked = await request(app).post('/imports/contacts?portalId=acme').expect(503);
    expect(blocked.headers['retry-after']).toBe('900');
    expect(blocked.body.message).toBe(
      'Imports are unavailable until the data migration is done (expected by Thursday, 3 December 2026 at 01:00 GMT+1 (Europe/Stockholm)).',
    );
  });

  it('opens at S: 477 with Retry-After 900 while more than 900 s remain, then the exact seconds left', async () => {
    const { app, clock } = await setup();
    clock.set(START - S);
    await api(app).expect(200);
    clock.set(START);
    const first = await api(app).expect(477);
    expect(first.headers['retry-after']).toBe('900');
    expect(first.body).toEqual({
      status: 'error',
      category: 'ACCOUNT_MIGRATION_IN_PROGRESS',
      message:
        "This account's data is being migrated to the EU data centre. API calls are unavailable until the migration is done (expected by 2026-12-03T00:00:00.000Z).",
      expectedEnd: '2026-12-03T00:00:00.000Z',
      retryAfterSeconds: 900,
      overrun: false,
    });
    for (const [at, expected] of [
      [END - 901 * S, '900'],
      [END - 900 * S, '900'],
      [END - 899 * S, '899'],
      [END - 61 * S, '61'],
      [END - 2 * S, '2'],
      [END - S, '1'],
    ] as const) {
      clock.set(at);
      const res = await api(app).expect(477);
      expect([new Date(at).toISOString(), res.headers['retry-after']]).toEqual([new Date(at).toISOString(), expected]);
      expect(res.body.retryAfterSeconds).toBe(Number(expected));
    }
  });

  it('one second before the expected end the app page still names it; at it and after, an overrun: ≥ 60 s and no end time', async () => {
    const { app, clock } = await setup();
    clock.set(END - S);
    const before = await appPage(app).expect(503);
    expect(before.headers['retry-after']).toBe('1');
    expect(before.text).toContain('Your account will be unavailable until Thursday, 3 December 2026 at 01:00 GMT+1 (Europe/Stockholm).');
    expect(before.text).not.toContain(OVERRUN_TEXT);

    for (const at of [END, END + S, END + 36 * H]) {
      clock.set(at);
      const page = await appPage(app).expect(503);
      expect(page.headers['retry-after']).toBe('60');
      expect(page.text).toContain(
        `<p>${OVERRUN_TEXT}. Your account stays unavailable until it is done; your super admins will be emailed when it is done.</p>`,
      );
      expect(page.text).not.toContain('3 December 2026');
      expect(page.text).not.toContain('01:00');
      const res = await api(app).expect(477);
      expect(res.headers['retry-after']).toBe('60');
      expect(res.body).toEqual({
        status: 'error',
        category: 'ACCOUNT_MIGRATION_IN_PROGRESS',
        message: `This account's data is being migrated to the EU data centre. ${OVERRUN_TEXT}: API calls are unavailable until it is done, and the account's ${EMAIL_TEXT}.`,
        expectedEnd: '2026-12-03T00:00:00.000Z',
        retryAfterSeconds: 60,
        overrun: true,
      });
      const doc = await request(app).get('/documents/d1?portalId=acme').expect(503);
      expect(doc.headers['retry-after']).toBe('60');
      expect(doc.body.message).toContain(OVERRUN_TEXT);
      expect(doc.body.message).toContain(EMAIL_TEXT);
      const imports = await request(app).post('/imports/contacts?portalId=acme').expect(503);
      expect(imports.body.message).toBe(
        `Imports are unavailable until the data migration is done. ${OVERRUN_TEXT}; the account's ${EMAIL_TEXT}.`,
      );
    }
  });

  it('the integration guard pauses with the same Retry-After as the notices', async () => {
    const { app, clock } = await setup();
    clock.set(START);
    expect((await crm(app).expect(503)).headers['retry-after']).toBe('900');
    clock.set(END - S);
    expect((await crm(app).expect(503)).headers['retry-after']).toBe('1');
    clock.set(END + S);
    expect((await crm(app).expect(503)).headers['retry-after']).toBe('60');
  });

  it('closes when the engine reports completion, overrun or not', async () => {
    const { app, clock } = await setup();
    clock.set(END + H);
    await api(app).expect(477);
    await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200);
    const res = await api(app).expect(200);
    expect(res.body.upstream).toBe('eu');
    expect(res.headers['retry-after']).toBeUndefined();
  });
});

describe('a migration the engine starts early', () => {
  it('counts from the early start: expected end = start + 36 h, the same cap, floor and texts', async () => {
    const { app, clock } = await setup();
    const early = START - 5 * 24 * H;
    const earlyEnd = early + 36 * H;
    clock.set(early);
    await api(app).expect(200);
    await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200);
    const first = await api(app).expect(477);
    expect(first.headers['retry-after']).toBe('900');
    expect(first.body.expectedEnd).toBe('2026-11-28T00:00:00.000Z');
    clock.set(earlyEnd - S);
    expect((await api(app).expect(477)).headers['retry-after']).toBe('1');
    const page = await appPage(app).expect(503);
    expect(page.text).toContain('Your account will be unavailable until Saturday, 28 November 2026 at 01:00 GMT+1 (Europe/Stockholm).');
    clock.set(earlyEnd);
    expect((await api(app).expect(477)).headers['retry-after']).toBe('60');
    clock.set(earlyEnd + S);
    const late = await api(app).expect(477);
    expect(late.headers['retry-after']).toBe('60');
    expect(late.body).toMatchObject({ expectedEnd: '2026-11-28T00:00:00.000Z', overrun: true });
    const overrunPage = await appPage(app).expect(503);
    expect(overrunPage.text).toContain(OVERRUN_TEXT);
    expect(overrunPage.text).not.toContain('28 November 2026');
  });
});

describe('limits.maxRetryAfterSeconds', () => {
  it('caps Retry-After at the configured value; an overrun still waits at least 60 s', async () => {
    const { app, clock } = await setup({ limits: { maxRetryAfterSeconds: 30 } });
    clock.set(START);
    expect((await api(app).expect(477)).headers['retry-after']).toBe('30');
    clock.set(END - 20 * S);
    expect((await api(app).expect(477)).headers['retry-after']).toBe('20');
    clock.set(END + S);
    expect((await api(app).expect(477)).headers['retry-after']).toBe('60');
  });

  it('refuses a ceiling that is not a positive whole number of seconds at start-up', () => {
    expect(() => createGateway({ upstreams: { us: us.url, eu: eu.url }, config: { limits: { maxRetryAfterSeconds: 0 } } })).toThrow(
      'maxRetryAfterSeconds',
    );
  });
});
