// The acceptor: stores first, then 202 (JSON or HTML); 413 over the limit; 503 when the store cannot confirm; aborts store nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { ManualClock } from '../../src/domain/clock';
import { Metrics } from '../../src/observability/metrics';
import { createBufferAcceptor, type BufferAcceptorDeps } from '../../src/buffer/accept';
import { FORM_ACCEPTED_MESSAGE } from '../../src/buffer/buffer-answers';
import type { BufferedItem, BufferStore, BufferSurface } from '../../src/store/buffer-store';
import { MemoryBufferStore } from '../../src/store/memory/memory-buffer-store';

interface Harness {
  app: express.Express;
  store: MemoryBufferStore;
  /** Resolves when every acceptor call so far has finished. */
  settled(): Promise<void>;
}

function harness(overrides: Partial<BufferAcceptorDeps> = {}, store = new MemoryBufferStore()): Harness {
  const accept = createBufferAcceptor({ store, clock: new ManualClock(1_700_000_000_000), ...overrides });
  const running: Promise<void>[] = [];
  const app = express();
  app.all('/:surface/:accountId/*', (req, res) => {
    running.push(accept(req, res, { accountId: req.params.accountId, surface: req.params.surface as BufferSurface }));
  });
  return {
    app,
    store: (overrides.store as MemoryBufferStore | undefined) ?? store,
    settled: async () => void (await Promise.all(running)),
  };
}

async function stored(store: BufferStore, accountId: string): Promise<BufferedItem[]> {
  return store.pending(accountId, { limit: 100 });
}

async function listen(app: express.Express): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('createBufferAcceptor', () => {
  it('stores the request as it arrived, then answers 202 JSON with the id and the form sentence', async () => {
    const h = harness();
    const res = await request(h.app)
      .post('/form/acc1/f9?utm=%C3%A9&a=1')
      .set('content-type', 'application/x-www-form-urlencoded')
      .set('cookie', 'session=secret')
      .set('authorization', 'Bearer secret')
      .set('x-request-id', 'req-7')
      .send('email=a%40b.test&name=Ada');
    expect(res.status).toBe(202);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const [item] = await stored(h.store, 'acc1');
    expect(res.body).toEqual({ status: 'accepted', id: item.id, message: FORM_ACCEPTED_MESSAGE });
    expect(item).toMatchObject({
      accountId: 'acc1',
      surface: 'form',
      method: 'POST',
      path: '/form/acc1/f9',
      query: 'utm=%C3%A9&a=1',
      contentType: 'application/x-www-form-urlencoded',
      receivedAt: 1_700_000_000_000,
    });
    expect(item.body.toString()).toBe('email=a%40b.test&name=Ada');
    expect(item.headers['x-request-id']).toBe('req-7');
    expect(item.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(item.headers).not.toHaveProperty('cookie');
    expect(item.headers).not.toHaveProperty('authorization');
    expect(item.headers['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
  });

  it('records forwarded headers as the proxy would: the own view of the gateway unless the peer is a trusted proxy', async () => {
    const untrusted = harness({ accountHeader: 'X-Account-Id' });
    await request(untrusted.app)
      .post('/inbound/acc1b/hook')
      .set('x-forwarded-proto', 'https')
      .set('x-forwarded-host', 'spoofed.example')
      .set('x-forwarded-for', '203.0.113.9')
      .set('x-account-id', 'someone-else')
      .send('a=1')
      .expect(202);
    const [item] = await stored(untrusted.store, 'acc1b');
    expect(item.headers['x-forwarded-proto']).toBe('http');
    expect(item.headers['x-forwarded-host']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(item.headers['x-forwarded-port']).toMatch(/^\d+$/);
    expect(item.headers['x-forwarded-for']).toMatch(/^203\.0\.113\.9, (::ffff:)?127\.0\.0\.1$/);
    expect(item.headers['x-account-id']).toBe('acc1b');

    const trusted = harness({ trustedProxy: () => true });
    await request(trusted.app)
      .post('/inbound/acc1c/hook')
      .set('x-forwarded-proto', 'https')
      .set('x-forwarded-host', 'www.example')
      .send('a=1')
      .expect(202);
    const [viaProxy] = await stored(trusted.store, 'acc1c');
    expect(viaProxy.headers['x-forwarded-proto']).toBe('https');
    expect(viaProxy.headers['x-forwarded-host']).toBe('www.example');
    expect(viaProxy.headers).not.toHaveProperty('x-account-id');
  });

  it('answers browsers with an HTML page, escaping every value', async () => {
    const h = harness({ messages: { meeting: 'Booked <script>alert("x")</script> & more' } });
    const page = await request(h.app).post('/form/acc2/f1').set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8').send('a=1');
    expect(page.status).toBe(202);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain(FORM_ACCEPTED_MESSAGE);
    const meeting = await request(h.app).post('/meeting/acc2/slug/book').set('accept', 'text/html').send('a=1');
    expect(meeting.text).toContain('Booked &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(meeting.text).not.toContain('<script>');
  });

  it('gives other surfaces their own message', async () => {
    const h = harness();
    for (const surface of ['meeting', 'analytics', 'inbound']) {
      const res = await request(h.app).post(`/${surface}/acc3/x`).send({ a: 1 });
      expect(res.status).toBe(202);
      expect(res.body.message).toMatch(/maintenance/);
      expect(res.body.message).not.toBe(FORM_ACCEPTED_MESSAGE);
    }
    const counts = (await h.store.stats('acc3')).pendingBySurface;
    expect(counts).toEqual({ form: 0, meeting: 1, analytics: 1, inbound: 1 });
  });

  it('keeps binary bodies byte for byte', async () => {
    const h = harness();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const res = await request(h.app).post('/inbound/acc4/hook').set('content-type', 'application/octet-stream').send(bytes);
    expect(res.status).toBe(202);
    const [item] = await stored(h.store, 'acc4');
    expect(Buffer.compare(item.body, bytes)).toBe(0);
  });

  it('refuses a body over the limit with 413 naming it, and stores nothing', async () => {
    const h = harness({ bodyLimitBytes: 1024 });
    const json = await request(h.app).post('/form/acc5/f').set('content-type', 'text/plain').send('x'.repeat(1025));
    expect(json.status).toBe(413);
    expect(json.body.category).toBe('PAYLOAD_TOO_LARGE');
    expect(json.body.message).toContain('1 KiB');
    expect(json.body.limitBytes).toBe(1024);
    const html = await request(h.app)
      .post('/form/acc5/f')
      .set('accept', 'text/html')
      .set('content-type', 'text/plain')
      .send('x'.repeat(5000));
    expect(html.status).toBe(413);
    expect(html.text).toContain('1 KiB');
    const exact = await request(h.app).post('/form/acc5/f').set('content-type', 'text/plain').send('x'.repeat(1024));
    expect(exact.status).toBe(202);
    expect(await stored(h.store, 'acc5')).toHaveLength(1);
  });

  it('defaults to a 1 MiB limit outside forms and counts a chunked body that has no Content-Length', async () => {
    const h = harness();
    const server = await listen(h.app);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { port: server.port, method: 'POST', path: '/inbound/acc6/f', headers: { 'transfer-encoding': 'chunked' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        for (let i = 0; i < 17; i += 1) req.write(Buffer.alloc(64 * 1024, 1));
        req.end();
      });
      expect(status).toBe(413);
      await h.settled();
      expect(await stored(h.store, 'acc6')).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('answers 503 with Retry-After, never 202, when the store fails or does not confirm in time', async () => {
    const failing = new MemoryBufferStore();
    failing.append = () => Promise.reject(new Error('connection lost'));
    const h = harness({ store: failing, retryAfterSeconds: 7 });
    const res = await request(h.app).post('/form/acc7/f').send('a=1');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body.category).toBe('BUFFER_UNAVAILABLE');

    const hanging = new MemoryBufferStore();
    hanging.append = () => new Promise(() => undefined);
    const slow = harness({ store: hanging, storeTimeoutMs: 50 });
    const late = await request(slow.app).post('/form/acc7/f').set('accept', 'text/html').send('a=1');
    expect(late.status).toBe(503);
    expect(late.headers['retry-after']).toBe('5');
    expect(late.text).toContain('try again');
  });

  it('stores nothing when the client goes away mid-upload', async () => {
    const h = harness();
    const server = await listen(h.app);
    try {
      await new Promise<void>((resolve) => {
        const req = http.request({ port: server.port, method: 'POST', path: '/form/acc8/f', headers: { 'content-length': '1000' } });
        req.on('error', () => resolve());
        req.write('x'.repeat(100), () => setTimeout(() => req.destroy(), 50));
        req.on('close', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 50));
      await h.settled();
      expect(await stored(h.store, 'acc8')).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('settles, storing nothing, for a client that left before the acceptor started reading (the gateway was loading the account)', async () => {
    const store = new MemoryBufferStore();
    const accept = createBufferAcceptor({ store, clock: new ManualClock(1_700_000_000_000) });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let accepting: Promise<void> | null = null;
    const server = http.createServer((req, res) => {
      // Like the gateway's hot path awaiting the account's first load before it hands over.
      void gate.then(() => {
        accepting = accept(req, res, { accountId: 'acc12', surface: 'form' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const upload = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/forms/acc12/f',
        headers: { 'content-length': '1000' },
      });
      upload.on('error', () => undefined);
      upload.write('x'.repeat(100));
      await new Promise((r) => setTimeout(r, 50));
      upload.destroy();
      await new Promise((r) => setTimeout(r, 50));
      release();
      await new Promise((r) => setTimeout(r, 20));
      expect(accepting).not.toBeNull();
      const outcome = await Promise.race([
        (accepting as unknown as Promise<void>).then(() => 'settled'),
        new Promise((r) => setTimeout(() => r('still waiting'), 1000)),
      ]);
      expect(outcome).toBe('settled');
      expect(await stored(store, 'acc12')).toHaveLength(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('calls onAccepted with the stored item, and its failure does not change the answer', async () => {
    const seen: BufferedItem[] = [];
    const h = harness({
      onAccepted: (item) => {
        seen.push(item);
        throw new Error('timeline down');
      },
    });
    const res = await request(h.app).post('/meeting/acc9/owner/book').send({ when: 'tomorrow' });
    await h.settled();
    expect(res.status).toBe(202);
    expect(seen.map((i) => i.id)).toEqual([res.body.id]);
    expect(seen[0].surface).toBe('meeting');
  });

  it('counts buffered requests per surface', async () => {
    const metrics = new Metrics();
    const h = harness({ metrics });
    await request(h.app).post('/form/acc10/f').send('a=1');
    await request(h.app).post('/analytics/acc10/collect').send('a=1');
    await request(h.app).post('/form/acc10/f').send('a=2');
    const text = await metrics.registry.metrics();
    expect(text).toContain('mg_buffered_total{surface="form"} 2');
    expect(text).toContain('mg_buffered_total{surface="analytics"} 1');
  });
});
