// SPEC §2: reschedule or cancel "only up to 36 hours before the scheduled start", 422 TOO_LATE_TO_CHANGE "inside 36 h".
// Exactly 36 h before is not inside: still allowed. One millisecond later it is refused, and nothing changes.
import request from 'supertest';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const START = Date.parse('2026-12-08T09:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

async function scheduled(): Promise<{ app: GatewayApp; clock: ManualClock }> {
  const clock = new ManualClock(NOW);
  const app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store: new MemoryStore(),
    clock,
    adminTokens: [ADMIN_TOKEN],
  });
  await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201);
  await request(app)
    .post('/admin/v1/accounts/acme/migration')
    .set(auth)
    .send({ start: iso(START) })
    .expect(201);
  return { app, clock };
}

type Change = 'reschedule' | 'cancel';

function change(app: GatewayApp, kind: Change, at: number): request.Test {
  return kind === 'reschedule'
    ? request(app)
        .patch('/admin/v1/accounts/acme/migration')
        .set(auth)
        .send({ start: iso(at + 8 * DAY) })
    : request(app).delete('/admin/v1/accounts/acme/migration').set(auth);
}

describe.each<Change>(['reschedule', 'cancel'])('%s at the 36-hour deadline', (kind) => {
  it.each([
    ['36 h + 1 ms before the start', START - 36 * HOUR - 1],
    ['exactly 36 h before the start', START - 36 * HOUR],
  ])('is allowed %s', async (_label, at) => {
    const { app, clock } = await scheduled();
    clock.set(at);
    const res = await change(app, kind, at);
    expect(res.status).toBe(200);
    expect(res.body.migration.status).toBe(kind === 'reschedule' ? 'scheduled' : 'cancelled');
    if (kind === 'reschedule') expect(res.body.migration.start).toBe(iso(at + 8 * DAY));
  });

  it.each([
    ['36 h − 1 ms before the start', START - 36 * HOUR + 1],
    ['1 h before the start', START - HOUR],
  ])('is refused %s with 422 TOO_LATE_TO_CHANGE, and nothing changes', async (_label, at) => {
    const { app, clock } = await scheduled();
    clock.set(at);
    const res = await change(app, kind, at);
    expect([res.status, res.body.error.code]).toEqual([422, 'TOO_LATE_TO_CHANGE']);
    const shown = await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200);
    expect(shown.body.migration).toMatchObject({ status: 'scheduled', start: iso(START) });
  });
});
