// SPEC §9 pieces on their own: forged header stripping, the signature's exact bytes, secret checks, the in-flight
// byte budget and per-surface limits of the acceptor, meeting requests kept and 401/403 owed to the operator.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { createBufferAcceptor } from '../../src/buffer/accept';
import { parsePartsEnv } from '../../src/config/env';
import { signReplay } from '../../src/buffer/replay-signature';
import { Replayer } from '../../src/buffer/replayer';
import type { ReplayRequest } from '../../src/buffer/http-send';
import { defaultRoutes, parseConfig } from '../../src/config/load';
import { systemClock } from '../../src/domain/clock';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { stripReplayHeaders } from '../../src/security/replay-headers';
import type { BufferRequest, BufferSurface, DeadLetter } from '../../src/store/buffer-store';
import { MemoryBufferStore } from '../../src/store/memory/memory-buffer-store';
import { accountRecord } from '../support/accounts';

const SECRET = 'x'.repeat(32);

describe('stripReplayHeaders', () => {
  it('removes the three replay headers and an Idempotency-Key in the mg: namespace, any case, and keeps the rest', () => {
    const headers = {
      'x-maintenance-replay': '1',
      'x-maintenance-original-received-at': '2020-01-01T00:00:00.000Z',
      'x-maintenance-signature': 't=1,v1=00',
      'idempotency-key': ' MG:acme:1-0',
      'content-type': 'application/json',
    };
    stripReplayHeaders(headers);
    expect(headers).toEqual({ 'content-type': 'application/json' });
    const own = { 'idempotency-key': 'order-7f3', 'x-request-id': 'r1' };
    stripReplayHeaders(own);
    expect(own).toEqual({ 'idempotency-key': 'order-7f3', 'x-request-id': 'r1' });
    // Repeated headers are joined by Node: one forged part is enough to drop it.
    const joined = { 'idempotency-key': 'order-7f3, mg:acme:2-0' };
    stripReplayHeaders(joined);
    expect(joined).toEqual({});
  });
});

describe('signReplay', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256> over t.key.receivedAt.METHOD.path?query.sha256(body)', () => {
    const body = Buffer.from([0, 1, 2, 255]);
    const bodyHash = crypto.createHash('sha256').update(body).digest('hex');
    const payload = `1764460800.mg:acme:1-0.2026-11-30T00:00:00.000Z.POST./forms/acme/f1?a=1&b=%C3%A9.${bodyHash}`;
    const expected = crypto.createHmac('sha256', SECRET).update(payload, 'utf8').digest('hex');
    const header = signReplay(SECRET, {
      t: 1764460800,
      idempotencyKey: 'mg:acme:1-0',
      originalReceivedAt: '2026-11-30T00:00:00.000Z',
      method: 'post',
      target: '/forms/acme/f1?a=1&b=%C3%A9',
      body,
    });
    expect(header).toBe(`t=1764460800,v1=${expected}`);
  });
});

describe('the signing secret', () => {
  it('is refused under 32 characters, naming the variable and never showing the value', () => {
    expect(() => parsePartsEnv({ REPLAY_SIGNING_SECRET: 'short-secret-value' })).toThrow(
      /REPLAY_SIGNING_SECRET: must be at least 32 characters/,
    );
    try {
      parsePartsEnv({ REPLAY_SIGNING_SECRET: 'short-secret-value' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret-value');
    }
    expect(parsePartsEnv({ REPLAY_SIGNING_SECRET: SECRET }).replay).toEqual({ signingSecret: SECRET });
    expect(parsePartsEnv({}).replay).toEqual({});
    const base = { upstreams: { us: 'http://us.test', eu: 'http://eu.test' }, routes: defaultRoutes() };
    expect(() => parseConfig({ ...base, buffer: { signingSecret: 'short-secret-value' } })).toThrow(
      /buffer\.signingSecret.*at least 32 characters/,
    );
    expect(() => parseConfig({ ...base, buffer: { signingSecret: 'short-secret-value' } })).not.toThrow(/short-secret-value/);
    expect(parseConfig({ ...base, buffer: { signingSecret: SECRET } }).buffer.signingSecret).toBe(SECRET);
  });

  it('defaults the buffered body limits to 10 MiB for forms and 1 MiB (maxBodyBytes) for the others', () => {
    const config = parseConfig({ upstreams: { us: 'http://us.test', eu: 'http://eu.test' }, routes: defaultRoutes() });
    expect(config.limits.maxBufferedBodyBytes.form).toBe(10 * 1024 * 1024);
    expect(config.limits.maxBodyBytes).toBe(1024 * 1024);
    expect(config.limits.maxBufferedBodyBytes.meeting).toBeUndefined();
  });
});

function acceptApp(deps: Partial<Parameters<typeof createBufferAcceptor>[0]>, store = new MemoryBufferStore()): express.Express {
  const accept = createBufferAcceptor({ store, ...deps });
  const app = express();
  app.all(
    '/:surface/:accountId/*',
    (req, res) => void accept(req, res, { accountId: req.params.accountId, surface: req.params.surface as BufferSurface }),
  );
  return app;
}

describe('the acceptor limits', () => {
  it('applies each surface its own limit: a 2 MiB form is taken, a 2 MiB webhook is refused', async () => {
    const store = new MemoryBufferStore();
    const app = acceptApp({}, store);
    const body = Buffer.alloc(2 * 1024 * 1024, 7);
    expect((await request(app).post('/form/acc/f').type('application/octet-stream').send(body)).status).toBe(202);
    const refused = await request(app).post('/inbound/acc/w').type('application/octet-stream').send(body);
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ limit: 'limits.maxBufferedBodyBytes.inbound', limitBytes: 1024 * 1024 });
    expect((await store.pending('acc', { limit: 10 })).map((i) => i.surface)).toEqual(['form']);
  });

  it('holds a write unread while the in-flight byte budget is spent: stored once room frees, 503 + Retry-After when the wait runs out', async () => {
    const store = new MemoryBufferStore();
    const gates: (() => void)[] = [];
    // Every append waits until the test lets it go, holding its bytes of the 1 MiB budget.
    const append = store.append.bind(store);
    store.append = async (r) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return append(r);
    };
    // Every surface limited to 1 MiB, so the budget is not raised to the 10 MiB form limit.
    const app = acceptApp({ bodyLimitBytes: 1024 * 1024, inFlightBytes: 1024 * 1024, budgetWaitMs: 300 }, store);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const send = (kib: number, fill: number) =>
      fetch(`http://127.0.0.1:${port}/inbound/acc/w`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(kib * 1024, fill),
      });
    const gatesOpen = async (n: number) => {
      while (gates.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    try {
      const first = send(600, 1);
      await gatesOpen(1);
      // No room for 600 KiB more within 300 ms: refused, nothing stored.
      const busy = await send(600, 2);
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('5');
      expect(((await busy.json()) as { category: string }).category).toBe('BUFFER_UNAVAILABLE');
      // Room for 300 KiB: taken at once.
      const small = send(300, 3);
      await gatesOpen(2);
      // This one waits for room; it comes once the first write is stored.
      const waiting = send(600, 4);
      await new Promise((r) => setTimeout(r, 100));
      expect(gates).toHaveLength(2);
      gates[0]();
      await gatesOpen(3);
      gates[1]();
      gates[2]();
      expect([(await first).status, (await small).status, (await waiting).status]).toEqual([202, 202, 202]);
      expect((await store.pending('acc', { limit: 10 })).map((i) => [i.body.length, i.body[0]])).toEqual([
        [600 * 1024, 1],
        [300 * 1024, 3],
        [600 * 1024, 4],
      ]);
    } finally {
      for (const open of gates) open();
      await new Promise((r) => server.close(r));
    }
  });

  it('reserves a chunked body step by step and stores it whole', async () => {
    const store = new MemoryBufferStore();
    const app = acceptApp({ bodyLimitBytes: 4 * 1024 * 1024, inFlightBytes: 4 * 1024 * 1024 }, store);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ port, method: 'POST', path: '/inbound/acc/c', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 40; i += 1) req.write(Buffer.alloc(64 * 1024, i));
        req.end();
      });
      expect(status).toBe(202);
      const [item] = await store.pending('acc', { limit: 1 });
      expect(item.body.length).toBe(40 * 64 * 1024);
      expect(item.body[39 * 64 * 1024]).toBe(39);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('the replayer and SPEC §9', () => {
  const item = (n: number, surface: BufferSurface, path: string): BufferRequest => ({
    accountId: 'acc',
    surface,
    method: 'POST',
    path,
    query: '',
    headers: {},
    body: Buffer.from(`n=${n}`),
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: Date.UTC(2026, 10, 29),
  });

  function replayer(
    store: MemoryBufferStore,
    statusFor: (r: ReplayRequest) => number,
    notified: DeadLetter[],
    sent: ReplayRequest[],
    failNotify = false,
  ): Replayer {
    const record = accountRecord('acc', { dataLocation: 'eu' });
    return new Replayer({
      store,
      clock: systemClock,
      logger: silentLogger,
      metrics: new Metrics(),
      getAccount: async () => ({ ...record, migration: null }),
      upstreamFor: () => 'http://eu.test/base',
      send: async (r) => {
        sent.push({ ...r, headers: { ...r.headers } });
        return { status: statusFor(r), headers: {}, bodyExcerpt: Buffer.from('nope') };
      },
      notifyRejected: async (letter) => {
        if (failNotify) throw new Error('webhook down');
        notified.push(letter);
      },
      options: { signingSecret: SECRET, backoffBaseMs: 1, backoffMaxMs: 2, maxAttempts: 3, settleGraceMs: 1 },
    });
  }

  it('signs every attempt over the target with the base path, keeps meeting requests unsent, owes one notification per 401/403', async () => {
    const store = new MemoryBufferStore();
    await store.append(item(0, 'form', '/forms/acc/f1'));
    await store.append(item(1, 'meeting', '/meetings/acc/intro/book'));
    await store.append(item(2, 'inbound', '/webhooks/a'));
    await store.append(item(3, 'inbound', '/webhooks/b'));
    // Allow-listed by an operator by mistake: a stored signature must never be replayed as the gateway's own.
    await store.append({
      ...item(4, 'form', '/forms/acc/f2'),
      headers: { 'x-maintenance-signature': 't=1,v1=forged', 'x-maintenance-replay': '0' },
    });
    const sent: ReplayRequest[] = [];
    const notified: DeadLetter[] = [];
    const statuses: Record<string, number[]> = {
      '/base/forms/acc/f1': [503, 200],
      '/base/webhooks/a': [401],
      '/base/webhooks/b': [403],
      '/base/forms/acc/f2': [404],
    };
    const r = replayer(store, (req) => (statuses[new URL(req.url).pathname] as number[]).shift() as number, notified, sent);
    const outcome = await r.replayAccount('acc');
    await r.stop();
    expect(outcome).toMatchObject({ status: 'done', replayed: 1, deadLettered: 3 });
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual([
      '/base/forms/acc/f1',
      '/base/forms/acc/f1',
      '/base/webhooks/a',
      '/base/webhooks/b',
      '/base/forms/acc/f2',
    ]);
    for (const s of sent) {
      const t = Number(/^t=(\d+),/.exec(s.headers['x-maintenance-signature'])?.[1]);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
      const target = new URL(s.url).pathname;
      expect(s.headers['x-maintenance-signature']).toBe(
        signReplay(SECRET, {
          t,
          idempotencyKey: s.headers['idempotency-key'],
          originalReceivedAt: '2026-11-29T00:00:00.000Z',
          method: 'POST',
          target,
          body: s.body,
        }),
      );
    }
    expect(sent[4].headers['x-maintenance-replay']).toBe('1');
    expect(notified.map((l) => [l.item.path, l.answer.status])).toEqual([
      ['/webhooks/a', 401],
      ['/webhooks/b', 403],
    ]);
    expect(await store.rejectedDue('acc')).toEqual([]);
    expect((await store.kept('acc', 10)).map((k) => k.path)).toEqual(['/meetings/acc/intro/book']);
    expect((await store.stats('acc')).deadBySurface).toEqual({ form: 1, meeting: 0, analytics: 0, inbound: 2 });
  });

  it('leaves a notification owed when sending it fails, and the next pass sends it once', async () => {
    const store = new MemoryBufferStore();
    await store.append(item(0, 'inbound', '/webhooks/a'));
    const notified: DeadLetter[] = [];
    const first = replayer(store, () => 401, notified, [], true);
    await first.replayAccount('acc');
    await first.stop();
    expect((await store.rejectedDue('acc')).map((d) => d.item.path)).toEqual(['/webhooks/a']);
    expect(await store.settle('acc', 0)).toBe(false);
    const second = replayer(store, () => 401, notified, []);
    await second.replayAccount('acc');
    await second.replayAccount('acc');
    await second.stop();
    expect(notified).toHaveLength(1);
    expect(await store.rejectedDue('acc')).toEqual([]);
  });
});
