// Admin API through createGateway + supertest: every scheduling rule, every refusal, and no state change on refusal.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { expectDocumented } from '../support/openapi';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, SUPER_ADMIN, accountSettings, auth } from '../support/accounts';

const DAY = 24 * 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

function setup(config: Record<string, unknown> = {}): { app: GatewayApp; clock: ManualClock } {
  const clock = new ManualClock(NOW);
  const app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store: new MemoryStore(),
    clock,
    adminTokens: [ADMIN_TOKEN],
    config,
  });
  return { app, clock };
}

async function createAccount(app: GatewayApp, id = 'acme', overrides: Record<string, unknown> = {}): Promise<void> {
  await expectDocumented(await request(app).put(`/admin/v1/accounts/${id}`).set(auth).send(accountSettings(overrides)).expect(201));
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('admin API: accounts', () => {
  it('creates (201), replaces (200) and shows an account with its audit trail', async () => {
    const { app } = setup();
    const created = await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201));
    expect(created.body).toMatchObject({ id: 'acme', dataLocation: 'us', migration: { status: 'none' } });
    await expectDocumented(
      await request(app)
        .put('/admin/v1/accounts/acme')
        .set(auth)
        .send(accountSettings({ contactName: 'Grace' }))
        .expect(200),
    );
    const shown = await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200));
    expect(shown.body.contactName).toBe('Grace');
    expect(shown.body.audit.map((a: { action: string }) => a.action)).toEqual(['account.created', 'account.replaced']);
    expect(shown.body.audit[0].actor).toBe(SUPER_ADMIN.id);
  });

  it.each([
    [{}, 401, 'UNAUTHORIZED'],
    [{ Authorization: 'Bearer wrong' }, 401, 'UNAUTHORIZED'],
    [{ Authorization: 'Basic abc' }, 401, 'UNAUTHORIZED'],
  ])('refuses bad credentials %j', async (headers, status, code) => {
    const { app } = setup();
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(headers).expect(status));
    await expectDocumented(res);
    expect(res.body.error.code).toBe(code);
  });

  it('refuses every call when no token is configured', async () => {
    const app = createGateway({ upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' } });
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(401));
    expect(res.body.error.code).toBe('ADMIN_API_DISABLED');
  });

  it('accepts a token configured as its SHA-256 digest', async () => {
    const digest = createHash('sha256').update('s3cret').digest('hex');
    const app = createGateway({ upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' }, adminTokens: [`sha256:${digest}`] });
    await expectDocumented(
      await request(app).put('/admin/v1/accounts/acme').set({ Authorization: 'Bearer s3cret' }).send(accountSettings()).expect(201),
    );
    await expectDocumented(
      await request(app)
        .get('/admin/v1/accounts/acme')
        .set({ Authorization: `Bearer sha256:${digest}` })
        .expect(401),
    );
  });

  it.each([
    ['unknown field', { ...accountSettings(), colour: 'red' }, 'colour'],
    ['wrong type', accountSettings({ paymentsEnabled: 'yes' }), 'paymentsEnabled'],
    ['bad time zone', accountSettings({ timezone: 'Mars/Olympus' }), 'timezone'],
    ['bad region', accountSettings({ dataLocation: 'ap' }), 'dataLocation'],
    ['no super admin', accountSettings({ superAdmins: [] }), 'superAdmins'],
    ['bad email', accountSettings({ superAdmins: [{ id: 'x', name: 'X', email: 'nope' }] }), 'superAdmins.0.email'],
    ['prototype key', JSON.parse(`{"integrations":{"__proto__":{"baseUrl":"http://crm.test","dailyCallAllocation":5}}}`), 'integrations'],
  ])('400 for %s, naming the field, and nothing stored', async (_what, body, field) => {
    const { app } = setup();
    const res = await expectDocumented(
      await request(app)
        .put('/admin/v1/accounts/acme')
        .set(auth)
        .send({ ...accountSettings(), ...body })
        .expect(400),
    );
    expect(res.body.error.code).toBe('INVALID_BODY');
    expect(res.body.error.message).toContain(field);
    await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(404));
  });

  it('400 for malformed JSON, 400 for a bad account id, 404 for an unknown account', async () => {
    const { app } = setup();
    const bad = await expectDocumented(
      await request(app)
        .put('/admin/v1/accounts/acme')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{"dataLocation":')
        .expect(400),
    );
    expect(bad.body.error.code).toBe('MALFORMED_JSON');
    const badId = await expectDocumented(await request(app).get('/admin/v1/accounts/%7Bacme%7D').set(auth).expect(400));
    expect(badId.body.error.code).toBe('INVALID_ACCOUNT_ID');
    const missing = await expectDocumented(await request(app).get('/admin/v1/accounts/nobody').set(auth).expect(404));
    expect(missing.body.error.code).toBe('ACCOUNT_NOT_FOUND');
  });

  it('answers unknown admin paths with a JSON 404, never the upstream', async () => {
    const { app } = setup();
    const res = await request(app).get('/admin/v2/accounts').set(auth).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('413 for an oversized admin body', async () => {
    const { app } = setup();
    const res = await expectDocumented(
      await request(app)
        .put('/admin/v1/accounts/acme')
        .set(auth)
        .send({ ...accountSettings(), contactName: 'x'.repeat(100_000) })
        .expect(413),
    );
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('admin API: scheduling rules', () => {
  const start = NOW + 8 * DAY;

  it('schedules (201) with warnings for sandbox, SSO and linked meeting tools', async () => {
    const { app } = setup();
    await createAccount(app, 'acme', {
      hasSandbox: true,
      ssoEnabled: true,
      connectedApps: [{ name: 'Video meetings', kind: 'video_meetings', linkedAccountIds: ['acme', 'acme-2'] }],
    });
    const res = await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start), target: 'eu' })
        .expect(201),
    );
    expect(res.body.migration).toMatchObject({
      status: 'scheduled',
      start: iso(start),
      expectedEnd: iso(start + 36 * 3600_000),
      phase: 'scheduled',
    });
    expect(res.body.warnings.map((w: { code: string }) => w.code)).toEqual(['SANDBOX_NOT_MIGRATED', 'SSO_LOGIN_URL', 'LINKED_INTEGRATION']);
    const shown = await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200));
    expect(shown.body.migration.status).toBe('scheduled');
    expect(shown.body.audit.at(-1)).toMatchObject({ actor: SUPER_ADMIN.id, action: 'migration.scheduled' });
  });

  async function refused(app: GatewayApp, call: () => request.Test, status: number, code: string): Promise<void> {
    const before = (await request(app).get('/admin/v1/accounts/acme').set(auth)).body;
    const res = await expectDocumented(await call().expect(status));
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    const after = (await request(app).get('/admin/v1/accounts/acme').set(auth)).body;
    expect(after.version).toBe(before.version);
    expect(after.migration).toEqual(before.migration);
  }

  it('403 NOT_SUPER_ADMIN for anyone else', async () => {
    const { app } = setup();
    await createAccount(app);
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set({ ...auth, 'X-Actor-Id': 'intruder' })
          .send({ start: iso(start) }),
      403,
      'NOT_SUPER_ADMIN',
    );
  });

  it('400 MISSING_ACTOR without X-Actor-Id', async () => {
    const { app } = setup();
    await createAccount(app);
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set({ Authorization: auth.Authorization })
          .send({ start: iso(start) }),
      400,
      'MISSING_ACTOR',
    );
  });

  it('422 START_TOO_SOON one second short of 7 days, accepted at exactly 7 days', async () => {
    const { app } = setup();
    await createAccount(app);
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(NOW + 7 * DAY - 1000) }),
      422,
      'START_TOO_SOON',
    );
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(NOW + 7 * DAY) })
        .expect(201),
    );
  });

  it('422 PAYMENTS_ENABLED, INVALID_DIRECTION (eu → us and an eu account)', async () => {
    const { app } = setup();
    await createAccount(app, 'acme', { paymentsEnabled: true });
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(start) }),
      422,
      'PAYMENTS_ENABLED',
    );
    await expectDocumented(await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(200));
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(start), target: 'us' }),
      422,
      'INVALID_DIRECTION',
    );
    await expectDocumented(
      await request(app)
        .put('/admin/v1/accounts/acme')
        .set(auth)
        .send(accountSettings({ dataLocation: 'eu' }))
        .expect(200),
    );
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(start) }),
      422,
      'INVALID_DIRECTION',
    );
  });

  it('422 DATE_UNAVAILABLE when the day is full or blocked by the operator', async () => {
    const { app } = setup({ limits: { migrationsPerDay: 1 }, unavailableDates: [iso(start + DAY).slice(0, 10)] });
    await createAccount(app, 'one');
    await createAccount(app, 'acme');
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/one/migration')
        .set(auth)
        .send({ start: iso(start) })
        .expect(201),
    );
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(start + 3600_000) }),
      422,
      'DATE_UNAVAILABLE',
    );
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(start + DAY) }),
      422,
      'DATE_UNAVAILABLE',
    );
    // Cancelling frees the day.
    await expectDocumented(await request(app).delete('/admin/v1/accounts/one/migration').set(auth).expect(200));
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start + 3600_000) })
        .expect(201),
    );
  });

  it("two super admins rescheduling to the same day at once leave that day's slot held (capacity stays exact)", async () => {
    const { app } = setup({ limits: { migrationsPerDay: 1 } });
    await createAccount(app, 'acme');
    await createAccount(app, 'other');
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start) })
        .expect(201),
    );
    const moved = start + 3 * DAY;
    const { service } = app.gateway;
    const results = await Promise.allSettled([
      service.reschedule('acme', SUPER_ADMIN.id, { start: moved }),
      service.reschedule('acme', SUPER_ADMIN.id, { start: moved }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    // acme's migration is on that day, so the only slot of the day is taken.
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/other/migration')
          .set(auth)
          .send({ start: iso(moved + 3600_000) }),
      422,
      'DATE_UNAVAILABLE',
    );
  });

  it('409 ALREADY_SCHEDULED for a second migration', async () => {
    const { app } = setup();
    await createAccount(app);
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start) })
        .expect(201),
    );
    await refused(
      app,
      () =>
        request(app)
          .post('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(start + DAY) }),
      409,
      'ALREADY_SCHEDULED',
    );
  });

  it.each([['not-a-date'], ['2026-13-01T00:00:00Z'], ['2026-02-30T00:00:00Z'], ['2026-12-08'], [12345], [null]])(
    '400 for start %j',
    async (value) => {
      const { app } = setup();
      await createAccount(app);
      await refused(
        app,
        () => request(app).post('/admin/v1/accounts/acme/migration').set(auth).send({ start: value }),
        400,
        'INVALID_BODY',
      );
    },
  );

  it('reschedule and cancel only until 36 h before the start (±1 s)', async () => {
    const { app, clock } = setup();
    await createAccount(app);
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start) })
        .expect(201),
    );
    const later = start + 2 * DAY;
    const res = await expectDocumented(
      await request(app)
        .patch('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(later) })
        .expect(200),
    );
    expect(res.body.migration.start).toBe(iso(later));
    clock.set(later - 36 * 3600_000 - 1000);
    await expectDocumented(
      await request(app)
        .patch('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(later + 7 * DAY) })
        .expect(200),
    );
    clock.set(later + 7 * DAY - 36 * 3600_000 + 1000);
    await refused(app, () => request(app).delete('/admin/v1/accounts/acme/migration').set(auth), 422, 'TOO_LATE_TO_CHANGE');
    await refused(
      app,
      () =>
        request(app)
          .patch('/admin/v1/accounts/acme/migration')
          .set(auth)
          .send({ start: iso(later + 30 * DAY) }),
      422,
      'TOO_LATE_TO_CHANGE',
    );
  });

  it('never moves an account back from eu to us through its settings (422), and keeps it in eu', async () => {
    const { app } = setup();
    await createAccount(app, 'acme', { dataLocation: 'eu' });
    await refused(
      app,
      () =>
        request(app)
          .put('/admin/v1/accounts/acme')
          .set(auth)
          .send(accountSettings({ dataLocation: 'us' })),
      422,
      'INVALID_DIRECTION',
    );
    expect((await request(app).get('/admin/v1/accounts/acme').set(auth)).body.dataLocation).toBe('eu');
  });

  it('start, complete: the account moves to eu; transitions out of order are 409', async () => {
    const { app, clock } = setup();
    await createAccount(app);
    await refused(app, () => request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth), 409, 'INVALID_TRANSITION');
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start) })
        .expect(201),
    );
    clock.set(start);
    const started = await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200));
    expect(started.body.migration).toMatchObject({ status: 'in_progress', phase: 'window' });
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200));
    clock.set(start + 20 * 3600_000);
    const done = await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200));
    expect(done.body).toMatchObject({ dataLocation: 'eu', migration: { status: 'completed' } });
    await refused(app, () => request(app).post('/admin/v1/accounts/acme/migration/fail').set(auth), 409, 'INVALID_TRANSITION');
  });

  it('start, fail: the account stays in us and the migration is failed', async () => {
    const { app, clock } = setup();
    await createAccount(app);
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start) })
        .expect(201),
    );
    clock.set(start);
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/start').set(auth).expect(200));
    clock.set(start + 3600_000);
    const failed = await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/fail').set(auth).expect(200));
    expect(failed.body).toMatchObject({
      dataLocation: 'us',
      migration: { status: 'failed', phase: 'failed', endedAt: iso(start + 3600_000) },
    });
  });
});

describe('admin API: the audit trail', () => {
  it('records checklist marks and dead-letter re-drives (who, what, when)', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(NOW);
    const app = createGateway({
      upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
      store,
      clock,
      adminTokens: [ADMIN_TOKEN],
      background: false,
    });
    await createAccount(app);
    const start = NOW + 8 * DAY;
    await expectDocumented(
      await request(app)
        .post('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(start) })
        .expect(201),
    );
    clock.set(start + 3600_000);
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/migration/complete').set(auth).expect(200));
    await expectDocumented(
      await request(app).patch('/admin/v1/accounts/acme/checklist/connect-dedicated-ip').set(auth).send({ done: true }).expect(200),
    );

    const item = await store.buffer.append({
      accountId: 'acme',
      surface: 'form',
      method: 'POST',
      path: '/forms/acme/f1',
      query: '',
      headers: {},
      body: Buffer.from('a=1'),
      contentType: 'application/x-www-form-urlencoded',
      receivedAt: NOW,
    });
    const lease = await store.buffer.acquireLease('acme', 'test', 60_000);
    await store.buffer.deadLetter(lease!, item.id, { status: 422, bodyExcerpt: '', error: null, attempts: 1, at: NOW });
    await store.buffer.releaseLease(lease!);
    await expectDocumented(await request(app).post('/admin/v1/accounts/acme/buffer/redrive').set(auth).expect(200));

    const shown = await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200));
    const trail = shown.body.audit as { action: string; actor: string; detail: Record<string, unknown> }[];
    expect(trail.find((a) => a.action === 'checklist.marked')).toMatchObject({
      actor: SUPER_ADMIN.id,
      detail: { item: 'connect-dedicated-ip', done: true },
    });
    expect(trail.find((a) => a.action === 'buffer.redriven')).toMatchObject({ actor: SUPER_ADMIN.id, detail: { redriven: 1 } });
    await app.gateway.close();
  });
});
