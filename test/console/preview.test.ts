// GET /admin/v1/accounts/:id/preview: the phase, every surface's read and write, and the timeline, at any moment.
import request from 'supertest';
import { expectDocumented } from '../support/openapi';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
// Tuesday 8 December 2026, 22:00 in Stockholm (CET, UTC+1).
const START = '2026-12-08T21:00:00.000Z';

let app: GatewayApp;
let store: MemoryStore;

beforeEach(async () => {
  store = new MemoryStore();
  app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store,
    clock: new ManualClock(NOW),
    adminTokens: [ADMIN_TOKEN],
    background: false,
  });
  await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201));
  await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration').set(auth).send({ start: START }).expect(201));
});

afterEach(async () => {
  await app.gateway.close();
});

type Row = {
  surface: string;
  read: { action: string; answer: string | null; status: number | null };
  write: { action: string; answer: string | null; status: number | null };
};
const preview = async (at?: string) => {
  const res = await expectDocumented(
    await request(app)
      .get('/admin/v1/accounts/acme/preview')
      .query(at ? { at } : {})
      .set(auth)
      .expect(200),
  );
  const rows = Object.fromEntries((res.body.surfaces as Row[]).map((r) => [r.surface, r]));
  return { body: res.body, rows };
};

describe('preview', () => {
  it('lists every phase boundary and notification moment in UTC and in the account zone', async () => {
    const { body } = await preview();
    expect(body.timeZone).toBe('Europe/Stockholm');
    expect(body.at).toEqual({ utc: '2026-11-23T12:00:00.000Z', local: '2026-11-23T13:00:00+01:00' });
    expect(body.timeline).toEqual([
      { kind: 'notification.scheduled', utc: '2026-11-23T12:00:00.000Z', local: '2026-11-23T13:00:00+01:00', passed: true },
      // Monday 7 December 00:00 in Stockholm is both the Monday of the week and the day before.
      { kind: 'notification.week_of', utc: '2026-12-06T23:00:00.000Z', local: '2026-12-07T00:00:00+01:00', passed: false },
      { kind: 'notification.day_before', utc: '2026-12-06T23:00:00.000Z', local: '2026-12-07T00:00:00+01:00', passed: false },
      { kind: 'phase.imports_blocked', utc: '2026-12-07T21:00:00.000Z', local: '2026-12-07T22:00:00+01:00', passed: false },
      { kind: 'phase.chat_hidden', utc: '2026-12-08T20:00:00.000Z', local: '2026-12-08T21:00:00+01:00', passed: false },
      { kind: 'phase.window_opens', utc: '2026-12-08T21:00:00.000Z', local: '2026-12-08T22:00:00+01:00', passed: false },
      { kind: 'migration.expected_end', utc: '2026-12-10T09:00:00.000Z', local: '2026-12-10T10:00:00+01:00', passed: false },
    ]);
  });

  it('shows the chat at S − 2 h and hides it at S − 30 min; imports are already unavailable at S − 2 h', async () => {
    const before = await preview('2026-12-08T19:00:00Z');
    expect(before.body.phase).toBe('imports_blocked');
    expect(before.rows.chat.read).toEqual({ action: 'proxy', answer: null, status: null });
    expect(before.rows.import.read).toEqual({ action: 'answer', answer: 'import_unavailable', status: 503 });
    expect(before.rows.api.read).toEqual({ action: 'proxy', answer: null, status: null });

    const late = await preview('2026-12-08T20:30:00Z');
    expect(late.body.phase).toBe('chat_hidden');
    expect(late.rows.chat.read).toEqual({ action: 'answer', answer: 'chat_hidden', status: 204 });
    expect(late.rows.form.write).toEqual({ action: 'proxy', answer: null, status: null });
  });

  it('refuses an email scheduled to send on the migration day from the scheduling on, but not after the migration', async () => {
    const { body } = await preview('2026-11-24T12:00:00Z');
    expect(body.emailSendAtStart).toEqual({ action: 'answer', answer: 'email_migration_day', status: 422 });
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200));
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200));
    expect((await preview('2026-12-20T12:00:00Z')).body.emailSendAtStart).toEqual({ action: 'proxy', answer: null, status: null });
  });

  it('gives every surface its window answer from the start on (SPEC §4, §7)', async () => {
    const { body, rows } = await preview('2026-12-09T03:00:00+01:00');
    expect(body.phase).toBe('window');
    expect(rows.api.read).toEqual({ action: 'answer', answer: 'api_migration', status: 477 });
    expect(rows.form.write).toEqual({ action: 'buffer', answer: null, status: 202 });
    expect(rows.meeting.write).toEqual({ action: 'buffer', answer: null, status: 202 });
    expect(rows.document.read).toEqual({ action: 'answer', answer: 'document_unavailable', status: 503 });
    expect(rows.knowledge_base.read).toEqual({ action: 'proxy', answer: null, status: null });
    expect(rows.page.read).toEqual({ action: 'proxy', answer: null, status: null });
    expect(rows.page.write).toEqual({ action: 'answer', answer: 'read_only', status: 503 });
    expect(rows.app.read).toEqual({ action: 'answer', answer: 'app_migration', status: 503 });
    expect(rows.portal_ticket.write).toEqual({ action: 'proxy', answer: null, status: null });
    expect(rows.portal_reply.write).toEqual({ action: 'answer', answer: 'portal_reply_blocked', status: 503 });
    expect(rows.import.write).toEqual({ action: 'answer', answer: 'import_unavailable', status: 503 });
    expect(rows.integration.read).toEqual({ action: 'answer', answer: 'integration_paused', status: 503 });
    expect(body.surfaces).toHaveLength(15);
  });

  it('shows the real start and end once the migration ran', async () => {
    // An emergency start now, completed at once: the real times are the clock's, not the planned ones.
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200));
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200));
    const { body } = await preview('2026-12-20T12:00:00Z');
    expect(body.phase).toBe('completed');
    const real = body.timeline.filter((e: { kind: string }) =>
      ['migration.started', 'migration.ended', 'notification.completed'].includes(e.kind),
    );
    expect(real).toEqual([
      { kind: 'migration.started', utc: '2026-11-23T12:00:00.000Z', local: '2026-11-23T13:00:00+01:00', passed: true },
      { kind: 'migration.ended', utc: '2026-11-23T12:00:00.000Z', local: '2026-11-23T13:00:00+01:00', passed: true },
      { kind: 'notification.completed', utc: '2026-11-23T12:00:00.000Z', local: '2026-11-23T13:00:00+01:00', passed: true },
    ]);
  });

  it('refuses a bad at with a 400 naming it, and changes nothing', async () => {
    const before = await store.accounts.get('acme');
    const auditBefore = await store.accounts.audit('acme', 100);
    for (const at of ['tomorrow', '2026-13-01T00:00:00Z', '2026-12-08T21:00:00']) {
      const res = await expectDocumented(await request(app).get('/admin/v1/accounts/acme/preview').query({ at }).set(auth).expect(400));
      expect(res.body.error).toMatchObject({ code: 'INVALID_AT', field: 'at' });
      expect(res.body.error.message).toMatch(/^at: /);
    }
    await preview('2026-12-09T00:00:00Z');
    expect(await store.accounts.get('acme')).toEqual(before);
    expect(await store.accounts.audit('acme', 100)).toEqual(auditBefore);
  });

  it('needs the admin token and a known account', async () => {
    await expectDocumented(await request(app).get('/admin/v1/accounts/acme/preview').expect(401));
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts/nope/preview').set(auth).expect(404));
    expect(res.body.error.code).toBe('ACCOUNT_NOT_FOUND');
  });
});
