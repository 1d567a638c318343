// Buffer admin routes: counts, oldest item, progress, dead letters with the upstream's answer, paging, re-drive.
import { adminErrorHandler } from '../../src/admin/errors';
import express from 'express';
import request from 'supertest';
import { expectDocumented } from '../support/openapi';
import { bufferAccountExtras, bufferAdminRouter } from '../../src/buffer/admin-routes';
import type { AccountRecord } from '../../src/domain/account';
import type { BufferRequest, BufferStore, BufferSurface } from '../../src/store/buffer-store';
import { MemoryBufferStore } from '../../src/store/memory/memory-buffer-store';

const T0 = Date.UTC(2026, 10, 1, 12);

function req(n: number, surface: BufferSurface = 'form'): BufferRequest {
  return {
    accountId: 'acc1',
    surface,
    method: 'POST',
    path: '/forms/acc1/f1',
    query: `n=${n}`,
    headers: { 'x-secret-ish': 'kept out of the listing' },
    body: Buffer.from(`secret-body-${n}`),
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: T0 + n * 1000,
  };
}

function app(store: BufferStore, nudged: string[] = []): express.Express {
  const a = express();
  // Stands in for the admin router's auth + account loading.
  a.use('/admin/v1/accounts/:id', (req, res, next) => {
    res.locals.account = { id: req.params.id } as AccountRecord;
    res.locals.actor = 'ops';
    next();
  });
  a.use('/admin/v1', bufferAdminRouter({ store, nudge: (id) => nudged.push(id) }));
  // The admin router's one error handler, which renders the routes' GatewayErrors.
  a.use(adminErrorHandler({}));
  return a;
}

describe('bufferAdminRouter', () => {
  it('shows counts per surface, the oldest item, progress, and dead letters with the answer recorded', async () => {
    const store = new MemoryBufferStore();
    const items = [];
    for (let n = 0; n < 4; n += 1) items.push(await store.append(req(n, n === 3 ? 'meeting' : 'form')));
    const lease = (await store.acquireLease('acc1', 'gw-1', 60_000))!;
    await store.deadLetter(lease, items[0].id, {
      status: 422,
      bodyExcerpt: '{"error":"bad email"}',
      error: null,
      attempts: 1,
      at: T0 + 60_000,
    });
    await store.ack(lease, items[1]);

    const res = await request(app(store)).get('/admin/v1/accounts/acc1/buffer');

    await expectDocumented(res);
    await expectDocumented(res);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accountId: 'acc1',
      depth: 2,
      counts: { waiting: { form: 1, meeting: 1, analytics: 0, inbound: 0 }, dead: { form: 1, meeting: 0, analytics: 0, inbound: 0 } },
      oldestItemAt: new Date(T0 + 2000).toISOString(),
      replay: { inProgress: true, owner: 'gw-1', accepted: 4, replayed: 1, deadLettered: 1, remaining: 2 },
      deadLetterCount: 1,
    });
    expect(res.body.deadLetters).toEqual([
      {
        id: items[0].id,
        surface: 'form',
        method: 'POST',
        path: '/forms/acc1/f1',
        query: 'n=0',
        contentType: 'application/x-www-form-urlencoded',
        bytes: 13,
        receivedAt: new Date(T0).toISOString(),
        replayed: true,
        answer: { status: 422, body: '{"error":"bad email"}', error: null, attempts: 1, at: new Date(T0 + 60_000).toISOString() },
      },
    ]);
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([items[2].id, items[3].id]);
    // SPEC §9: the waiting meeting request is shown as one that will not be replayed.
    expect(res.body.items.map((i: { replayed: boolean }) => i.replayed)).toEqual([true, false]);
    expect(res.body.meetingRequests).toMatchObject({ waiting: 1, kept: 0, items: [] });
    expect(res.text).not.toContain('secret-body');
    expect(res.text).not.toContain('kept out of the listing');
  });

  it('pages the waiting items with ?limit and ?after', async () => {
    const store = new MemoryBufferStore();
    const ids = [];
    for (let n = 0; n < 5; n += 1) ids.push((await store.append(req(n))).id);
    const first = await request(app(store)).get('/admin/v1/accounts/acc1/buffer?limit=2');
    await expectDocumented(first);
    await expectDocumented(first);
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 2));
    expect(first.body.nextAfter).toBe(ids[1]);
    const last = await request(app(store)).get(`/admin/v1/accounts/acc1/buffer?limit=3&after=${first.body.nextAfter}`);
    await expectDocumented(last);
    await expectDocumented(last);
    expect(last.body.items.map((i: { id: string }) => i.id)).toEqual(ids.slice(2));
    expect(last.body.nextAfter).toBeNull();
  });

  it('refuses a bad limit or cursor with a JSON error naming it', async () => {
    const store = new MemoryBufferStore();
    for (const query of ['limit=0', 'limit=abc', 'limit=1001', 'after=../x']) {
      const res = await request(app(store)).get(`/admin/v1/accounts/acc1/buffer?${query}`);
      await expectDocumented(res);
      await expectDocumented(res);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(query.startsWith('limit') ? 'INVALID_LIMIT' : 'INVALID_AFTER');
      expect(typeof res.body.error.message).toBe('string');
    }
  });

  it('re-drives dead letters and nudges the replayer', async () => {
    const store = new MemoryBufferStore();
    const a = await store.append(req(0));
    const b = await store.append(req(1));
    const lease = (await store.acquireLease('acc1', 'gw', 60_000))!;
    await store.deadLetter(lease, a.id, { status: 400, bodyExcerpt: '', error: null, attempts: 1, at: T0 });
    await store.deadLetter(lease, b.id, { status: 400, bodyExcerpt: '', error: null, attempts: 1, at: T0 });
    const nudged: string[] = [];
    const res = await request(app(store, nudged)).post('/admin/v1/accounts/acc1/buffer/redrive');
    await expectDocumented(res);
    await expectDocumented(res);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accountId: 'acc1', redriven: 2 });
    expect(nudged).toEqual(['acc1']);
    const view = await request(app(store)).get('/admin/v1/accounts/acc1/buffer');
    await expectDocumented(view);
    await expectDocumented(view);
    expect(view.body.depth).toBe(2);
    expect(view.body.deadLetters).toEqual([]);
    const again = await request(app(store, nudged)).post('/admin/v1/accounts/acc1/buffer/redrive');
    await expectDocumented(again);
    await expectDocumented(again);
    expect(again.body.redriven).toBe(0);
    expect(nudged).toEqual(['acc1']);
  });

  it('answers 503 in the admin error shape when the store fails', async () => {
    const store = new MemoryBufferStore();
    store.stats = () => Promise.reject(new Error('ECONNREFUSED 10.0.0.1:6379'));
    const res = await request(app(store)).get('/admin/v1/accounts/acc1/buffer');
    await expectDocumented(res);
    await expectDocumented(res);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('STORE_UNAVAILABLE');
    expect(res.text).not.toContain('10.0.0.1');
  });

  it('adds the buffered counts to the account view', async () => {
    const store = new MemoryBufferStore();
    await store.append(req(0, 'analytics'));
    const extras = await bufferAccountExtras(store)({ id: 'acc1' } as AccountRecord);
    expect(extras).toEqual({
      buffered: { waiting: 1, deadLetters: 0, bySurface: { form: 0, meeting: 0, analytics: 1, inbound: 0 }, meetingRequestsKept: 0 },
    });
  });
});
