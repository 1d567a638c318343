// The replayer against a real local upstream: order, headers, retries, dead letters, leases and fencing, polling and stop.
import type { AccountRecord, Migration, Region } from '../../src/domain/account';
import { ManualClock, systemClock } from '../../src/domain/clock';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { idempotencyKey, Replayer, type ReplayerDeps } from '../../src/buffer/replayer';
import type { BufferRequest, BufferStore } from '../../src/store/buffer-store';
import { MemoryBufferStore } from '../../src/store/memory/memory-buffer-store';
import { handlers, startUpstream, type Upstream } from '../support/upstream';

const T0 = Date.UTC(2026, 10, 1);

function migration(status: Migration['status']): Migration {
  return {
    id: 'm1',
    status,
    source: 'us',
    target: 'eu',
    start: T0 - 3600_000,
    expectedEnd: T0 + 35 * 3600_000,
    scheduledAt: T0 - 8 * 24 * 3600_000,
    scheduledBy: 'sa-1',
    startedAt: T0 - 3600_000,
    endedAt: status === 'in_progress' ? null : T0,
  };
}

function account(id: string, status: Migration['status'] = 'completed', dataLocation: Region = 'eu'): AccountRecord {
  return {
    id,
    settings: {
      dataLocation,
      timezone: 'Europe/Stockholm',
      contactName: 'Ada',
      superAdmins: [{ id: 'sa-1', name: 'Ada', email: 'ada@example.test' }],
      paymentsEnabled: false,
      ssoEnabled: false,
      hasSandbox: false,
      integrations: {},
      meetingLinks: {},
    },
    migration: migration(status),
    version: 1,
    updatedAt: T0,
  };
}

function req(accountId: string, n: number, extra: Partial<BufferRequest> = {}): BufferRequest {
  return {
    accountId,
    surface: 'form',
    method: 'POST',
    path: `/forms/${accountId}/f1`,
    query: `n=${n}`,
    headers: { 'user-agent': 'browser/1', 'x-request-id': `r${n}`, connection: 'keep-alive' },
    body: Buffer.from(`n=${n}`),
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: T0 - 1000 + n,
    ...extra,
  };
}

async function fill(store: BufferStore, accountId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) ids.push((await store.append(req(accountId, n))).id);
  return ids;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await wait(10);
  }
}

describe('Replayer', () => {
  let upstream: Upstream;
  let other: Upstream;
  let replayers: Replayer[];
  const records = new Map<string, AccountRecord>();

  beforeEach(async () => {
    upstream = await startUpstream({ name: 'eu' });
    other = await startUpstream({ name: 'us' });
    replayers = [];
    records.clear();
  });
  afterEach(async () => {
    await Promise.all(replayers.map((r) => r.stop()));
    await upstream.close();
    await other.close();
  });

  function replayer(store: BufferStore, overrides: Partial<ReplayerDeps> = {}): Replayer {
    const r = new Replayer({
      store,
      clock: systemClock,
      logger: silentLogger,
      metrics: new Metrics(),
      getAccount: async (id) => records.get(id) ?? null,
      upstreamFor: (record) => (record.settings.dataLocation === 'eu' ? upstream.url : other.url),
      random: () => 1,
      ...overrides,
      options: {
        backoffBaseMs: 5,
        backoffMaxMs: 20,
        maxAttempts: 5,
        leaseTtlMs: 2000,
        pollIntervalMs: 20,
        recheckMs: 50,
        ...overrides.options,
      },
    });
    replayers.push(r);
    return r;
  }

  it('sends every item in order to the upstream the account lives in now, as it arrived, marked as a replay', async () => {
    const store = new MemoryBufferStore();
    records.set('a1', account('a1'));
    const ids = await fill(store, 'a1', 5);
    const metrics = new Metrics();
    const outcome = await replayer(store, { metrics }).replayAccount('a1');
    expect(outcome).toMatchObject({ status: 'done', replayed: 5, deadLettered: 0 });
    expect(other.requests).toHaveLength(0);
    expect(upstream.requests.map((r) => r.url)).toEqual([0, 1, 2, 3, 4].map((n) => `/forms/a1/f1?n=${n}`));
    const first = upstream.requests[0];
    expect(first.method).toBe('POST');
    expect(first.body.toString()).toBe('n=0');
    expect(first.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(first.headers['user-agent']).toBe('browser/1');
    expect(first.headers['x-request-id']).toBe('r0');
    expect(first.headers['idempotency-key']).toBe(idempotencyKey('a1', ids[0]));
    expect(first.headers['x-maintenance-replay']).toBe('1');
    expect(first.headers['x-maintenance-original-received-at']).toBe(new Date(T0 - 1000).toISOString());
    expect(new Set(upstream.requests.map((r) => r.headers['idempotency-key'])).size).toBe(5);
    const stats = await store.stats('a1');
    expect(stats).toMatchObject({ depth: 0, replayed: 5, lease: null });
    const text = await metrics.registry.metrics();
    expect(text).toContain('mg_replayed_total 5');
    // A drained account leaves no series behind.
    expect(text).not.toContain('mg_buffer_depth{account="a1"}');
  });

  it('replays to the US upstream after a failed migration', async () => {
    const store = new MemoryBufferStore();
    records.set('a2', account('a2', 'failed', 'us'));
    await fill(store, 'a2', 2);
    await replayer(store).replayAccount('a2');
    expect(other.requests).toHaveLength(2);
    expect(upstream.requests).toHaveLength(0);
  });

  it('keeps binary bodies and requests without a content type intact', async () => {
    const store = new MemoryBufferStore();
    records.set('a3', account('a3'));
    const bytes = Buffer.from([0, 1, 2, 255, 254, 0]);
    await store.append(req('a3', 0, { body: bytes, contentType: null, method: 'PUT', query: '' }));
    await replayer(store).replayAccount('a3');
    const [r] = upstream.requests;
    expect(r.method).toBe('PUT');
    expect(r.url).toBe('/forms/a3/f1');
    expect(Buffer.compare(r.body, bytes)).toBe(0);
    expect(r.headers['content-type']).toBeUndefined();
  });

  it('does nothing while the window is open, nor for an unknown account', async () => {
    const store = new MemoryBufferStore();
    records.set('a4', account('a4', 'in_progress', 'us'));
    await fill(store, 'a4', 2);
    await fill(store, 'ghost', 1);
    const r = replayer(store);
    expect((await r.replayAccount('a4')).status).toBe('window_open');
    expect((await r.replayAccount('ghost')).status).toBe('unknown_account');
    expect(upstream.requests.length + other.requests.length).toBe(0);
    expect((await store.stats('a4')).depth).toBe(2);
    expect((await store.stats('a4')).lease).toBeNull();
  });

  it('retries 5xx, 408 and 429 on the same item before moving on, with the same Idempotency-Key', async () => {
    const store = new MemoryBufferStore();
    records.set('a5', account('a5'));
    const ids = await fill(store, 'a5', 2);
    upstream.setHandler(handlers.statusSequence([503, 500, 408, 429, 200]));
    const metrics = new Metrics();
    const outcome = await replayer(store, { metrics }).replayAccount('a5');
    expect(outcome).toMatchObject({ status: 'done', replayed: 2, retries: 4, deadLettered: 0 });
    expect(upstream.requests.map((r) => r.url)).toEqual([...Array(5).fill('/forms/a5/f1?n=0'), '/forms/a5/f1?n=1']);
    expect(new Set(upstream.requests.slice(0, 5).map((r) => r.headers['idempotency-key']))).toEqual(
      new Set([idempotencyKey('a5', ids[0])]),
    );
    expect(await metrics.registry.metrics()).toContain('mg_replay_retries_total 4');
  });

  it('waits with exponential backoff and full jitter, honouring Retry-After', async () => {
    const store = new MemoryBufferStore();
    records.set('a6', account('a6'));
    await fill(store, 'a6', 1);
    upstream.setHandler(handlers.statusSequence([500, 500, 500, 200]));
    const started = Date.now();
    await replayer(store, { options: { backoffBaseMs: 40, backoffMaxMs: 1000 } }).replayAccount('a6');
    const at = upstream.requests.map((r) => r.at - started);
    // random() = 1: the full ceiling each time, 40, 80, 160 ms.
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(35);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(75);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(150);

    await fill(store, 'a6', 1);
    upstream.requests.length = 0;
    let calls = 0;
    upstream.setHandler((request, res) => {
      calls += 1;
      if (calls === 1) return handlers.reply(429, 'slow down', { 'retry-after': '0' })(request, res, undefined as never);
      return handlers.reply(200, 'ok')(request, res, undefined as never);
    });
    const quick = Date.now();
    await replayer(store, { options: { backoffBaseMs: 5000, backoffMaxMs: 10_000 } }).replayAccount('a6');
    expect(Date.now() - quick).toBeLessThan(1000);
    expect(upstream.requests).toHaveLength(2);

    // Retry-After may also be an HTTP-date (RFC 9110 §10.2.3): one already past means "now", not a 5 s backoff.
    await fill(store, 'a6', 1);
    upstream.requests.length = 0;
    calls = 0;
    upstream.setHandler((request, res) => {
      calls += 1;
      const when = new Date(Date.now() - 2000).toUTCString();
      if (calls === 1) return handlers.reply(503, 'maintenance', { 'retry-after': when })(request, res, undefined as never);
      return handlers.reply(200, 'ok')(request, res, undefined as never);
    });
    const dated = Date.now();
    await replayer(store, { options: { backoffBaseMs: 5000, backoffMaxMs: 10_000 } }).replayAccount('a6');
    expect(Date.now() - dated).toBeLessThan(1000);
    expect(upstream.requests).toHaveLength(2);
  });

  it('dead-letters a 4xx with the answer recorded and carries on with the next item', async () => {
    const store = new MemoryBufferStore();
    records.set('a7', account('a7'));
    const ids = await fill(store, 'a7', 3);
    upstream.setHandler((request, res) =>
      request.url.endsWith('n=1')
        ? handlers.reply(422, { error: 'email is invalid' })(request, res, undefined as never)
        : handlers.reply(200, 'ok')(request, res, undefined as never),
    );
    const metrics = new Metrics();
    const outcome = await replayer(store, { metrics }).replayAccount('a7');
    expect(outcome).toMatchObject({ status: 'done', replayed: 2, deadLettered: 1 });
    expect(await metrics.registry.metrics()).toContain('mg_dead_letters_total{status="422"} 1');
    expect(upstream.requests.map((r) => r.url)).toEqual(['/forms/a7/f1?n=0', '/forms/a7/f1?n=1', '/forms/a7/f1?n=2']);
    const [dead] = await store.deadLetters('a7', 10);
    expect(dead.item.id).toBe(ids[1]);
    expect(dead.answer).toMatchObject({ status: 422, bodyExcerpt: '{"error":"email is invalid"}', error: null, attempts: 1 });
    expect((await store.stats('a7')).depth).toBe(0);
  });

  it('counts 302/303 as taken (form thank-you pages) but dead-letters a request the upstream sends elsewhere', async () => {
    const store = new MemoryBufferStore();
    records.set('r1', account('r1'));
    await fill(store, 'r1', 3);
    const answers = [
      handlers.reply(303, '', { location: '/thanks' }),
      handlers.reply(302, '', { location: '/thanks' }),
      handlers.reply(308, '', { location: 'https://elsewhere.example/forms' }),
    ];
    let calls = 0;
    upstream.setHandler((request, res) => answers[calls++](request, res, undefined as never));
    const outcome = await replayer(store).replayAccount('r1');
    expect(outcome).toMatchObject({ replayed: 2, deadLettered: 1, retries: 0 });
    const [dead] = await store.deadLetters('r1', 5);
    expect(dead.answer).toMatchObject({ status: 308, error: 'REDIRECTED to https://elsewhere.example/forms', attempts: 1 });
  });

  it('dead-letters an item once its attempts are used up, recording the last answer', async () => {
    const store = new MemoryBufferStore();
    records.set('a8', account('a8'));
    await fill(store, 'a8', 2);
    upstream.setHandler(handlers.reply(503, 'maintenance'));
    const outcome = await replayer(store, { options: { maxAttempts: 3 } }).replayAccount('a8');
    expect(outcome).toMatchObject({ deadLettered: 2, replayed: 0 });
    expect(upstream.requests).toHaveLength(6);
    const dead = await store.deadLetters('a8', 10);
    expect(dead[0].answer).toMatchObject({ status: 503, bodyExcerpt: 'maintenance', error: 'ATTEMPTS_EXHAUSTED', attempts: 3 });

    await upstream.pause();
    await fill(store, 'a8', 1);
    await replayer(store, { options: { maxAttempts: 2 } }).replayAccount('a8');
    const [, , network] = await store.deadLetters('a8', 10);
    expect(network.answer).toMatchObject({ status: null, error: 'ECONNREFUSED', attempts: 2 });
    await upstream.resume();
  });

  it('waits out an upstream that is down for a while: nothing dropped, order kept', async () => {
    const store = new MemoryBufferStore();
    records.set('a9', account('a9'));
    await fill(store, 'a9', 20);
    await upstream.pause();
    const done = replayer(store, { options: { maxAttempts: 1000, backoffBaseMs: 10, backoffMaxMs: 30 } }).replayAccount('a9');
    await wait(300);
    expect(upstream.requests).toHaveLength(0);
    await upstream.resume();
    expect(await done).toMatchObject({ status: 'done', replayed: 20, deadLettered: 0 });
    expect(upstream.requests.map((r) => r.url)).toEqual(Array.from({ length: 20 }, (_, n) => `/forms/a9/f1?n=${n}`));
  });

  it('leaves an account alone while another instance holds its lease', async () => {
    const store = new MemoryBufferStore();
    records.set('b1', account('b1'));
    await fill(store, 'b1', 2);
    const other = await store.acquireLease('b1', 'someone-else', 5000);
    expect((await replayer(store).replayAccount('b1')).status).toBe('busy');
    expect(upstream.requests).toHaveLength(0);
    await store.releaseLease(other!);
    expect((await replayer(store).replayAccount('b1')).status).toBe('done');
  });

  it('stops as soon as its lease was taken over (fencing): the new holder goes on from the unacknowledged item', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryBufferStore(clock);
    records.set('b2', account('b2'));
    const ids = await fill(store, 'b2', 3);
    let takeover: Promise<unknown> | null = null;
    upstream.setHandler((request, res) => {
      if (!takeover) {
        // While the first request is in flight the lease expires and another instance takes it.
        clock.advance(60_000);
        takeover = store.acquireLease('b2', 'newcomer', 60_000);
      }
      handlers.reply(200, 'ok')(request, res, undefined as never);
    });
    const outcome = await replayer(store, { clock }).replayAccount('b2');
    expect(outcome.status).toBe('lease_lost');
    expect(upstream.requests).toHaveLength(1);
    const stats = await store.stats('b2');
    expect(stats.lease?.owner).toBe('newcomer');
    expect((await store.pending('b2', { limit: 5 })).map((i) => i.id)).toEqual(ids);
  });

  it('renews its lease while working longer than the lease lifetime', async () => {
    const store = new MemoryBufferStore();
    records.set('b3', account('b3'));
    await fill(store, 'b3', 4);
    upstream.setHandler(handlers.delay(120, handlers.reply(200, 'ok')));
    const outcome = await replayer(store, { options: { leaseTtlMs: 150 } }).replayAccount('b3');
    expect(outcome).toMatchObject({ status: 'done', replayed: 4 });
  });

  it('finds waiting accounts by polling, starts one at once on nudge, and stop() releases the lease mid-request', async () => {
    const store = new MemoryBufferStore();
    records.set('c1', account('c1'));
    records.set('c2', account('c2', 'in_progress', 'us'));
    await fill(store, 'c1', 3);
    await fill(store, 'c2', 3);
    const r = replayer(store, { options: { stopGraceMs: 50 } });
    r.start();
    await until(() => upstream.requests.length === 3);
    expect(other.requests).toHaveLength(0);

    records.set('c2', account('c2', 'completed', 'eu'));
    upstream.setHandler(handlers.hang());
    r.nudge('c2');
    await until(() => upstream.requests.length === 4);
    expect(r.active()).toEqual(['c2']);
    expect((await store.stats('c2')).lease).not.toBeNull();
    await r.stop();
    expect((await store.stats('c2')).lease).toBeNull();
    expect((await store.stats('c2')).depth).toBe(3);
  });

  it('on stop() lets the request in flight finish and records it, then sends nothing more', async () => {
    const store = new MemoryBufferStore();
    records.set('s1', account('s1'));
    await fill(store, 's1', 5);
    upstream.setHandler(handlers.delay(200, handlers.reply(200, 'ok')));
    const r = replayer(store);
    const outcome = r.replayAccount('s1');
    await until(() => upstream.requests.length === 1);
    await r.stop();
    expect(await outcome).toMatchObject({ status: 'stopped', replayed: 1 });
    expect(upstream.requests).toHaveLength(1);
    expect((await store.stats('s1')).depth).toBe(4);
    expect((await store.stats('s1')).lease).toBeNull();
  });

  it('looks at an account still in its window once per recheck period, not on every poll; nudge goes at once', async () => {
    const store = new MemoryBufferStore();
    records.set('w1', account('w1', 'in_progress', 'us'));
    await fill(store, 'w1', 1);
    let reads = 0;
    const metrics = new Metrics();
    const r = replayer(store, {
      metrics,
      getAccount: async (id) => {
        reads += 1;
        return records.get(id) ?? null;
      },
      options: { recheckMs: 10_000 },
    });
    r.start();
    await wait(300);
    expect(reads).toBe(1);
    // The depth gauge follows the buffer while the window is open.
    expect(await metrics.registry.metrics()).toContain('mg_buffer_depth{account="w1"} 1');
    records.set('w1', account('w1'));
    r.nudge('w1');
    await until(() => upstream.requests.length === 1);
  });

  it('does not let an account held elsewhere starve the others when slots are few', async () => {
    const store = new MemoryBufferStore();
    for (const id of ['e1', 'e2', 'e3']) {
      records.set(id, account(id));
      await fill(store, id, 2);
    }
    await store.acquireLease('e1', 'another-instance', 60_000);
    replayer(store, { options: { concurrency: 1 } }).start();
    await until(async () => (await store.stats('e2')).depth === 0 && (await store.stats('e3')).depth === 0);
    expect((await store.stats('e1')).depth).toBe(2);
  });

  it('replays re-driven dead letters first, with their original Idempotency-Key', async () => {
    const store = new MemoryBufferStore();
    records.set('d1', account('d1'));
    const ids = await fill(store, 'd1', 3);
    upstream.setHandler(handlers.reply(400, 'rejected'));
    await replayer(store).replayAccount('d1');
    expect(await store.deadLetters('d1', 10)).toHaveLength(3);
    const [later] = await fill(store, 'd1', 1);
    upstream.setHandler(undefined);
    upstream.requests.length = 0;
    expect(await store.redrive('d1')).toBe(3);
    await replayer(store).replayAccount('d1');
    expect(upstream.requests.map((r) => r.headers['idempotency-key'])).toEqual([...ids, later].map((id) => idempotencyKey('d1', id)));
    expect(upstream.requests.map((r) => r.url)).toEqual([0, 1, 2, 0].map((n) => `/forms/d1/f1?n=${n}`));
    expect(await store.deadLetters('d1', 10)).toHaveLength(0);
  });
});
