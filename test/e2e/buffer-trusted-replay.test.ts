// Done-when of issue 11 (SPEC §9), with real processes: a gateway on a private redis-server, real upstreams, a real
// SMTP listener and webhook receiver. Signed replays (also across a SIGKILL), sender headers kept, forged replay headers
// stripped, 5 MiB uploads replayed byte for byte and 11 MiB refused, meeting requests emailed and never replayed,
// a 401 turned into one replay_rejected notification and a labelled metric.
import crypto from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { accountSettings } from '../support/accounts';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { RedisStore } from '../../src/store/redis/redis-store';
import { startUpstream, type RecordedRequest, type Upstream } from '../support/upstream';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../timeline/receivers';
import { admin, closeWindow, openWindow, startBufferGateway, submitAll, until, type Submission } from './buffer-helpers';

jest.setTimeout(120_000);

const SECRET = 'a-replay-signing-secret-of-40-characters!';

// The README's verifier, pasted as a receiver would paste it.
function verifyReplay(
  req: { headers: IncomingHttpHeaders; method?: string; url?: string },
  rawBody: Buffer,
  secret: string,
  toleranceSeconds = 300,
): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers['x-maintenance-signature'] ?? ''));
  if (!m || Math.abs(Date.now() / 1000 - Number(m[1])) > toleranceSeconds) return false;
  const bodyHash = crypto.createHash('sha256').update(rawBody).digest('hex');
  const payload = [
    m[1],
    req.headers['idempotency-key'],
    req.headers['x-maintenance-original-received-at'],
    req.method,
    req.url,
    bodyHash,
  ].join('.');
  const expected = crypto.createHmac('sha256', secret).update(payload).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

const verified = (r: RecordedRequest): boolean => verifyReplay({ headers: r.headers, method: r.method, url: r.url }, r.body, SECRET);
const tOf = (r: RecordedRequest): number => Number(/^t=(\d+),/.exec(String(r.headers['x-maintenance-signature']))?.[1]);
const replays = (u: Upstream): RecordedRequest[] => u.requests.filter((r) => r.complete && r.headers['x-maintenance-replay'] === '1');

/** One POST with a raw body; resolves with the answer even when the gateway answers before the upload finished. */
function post(url: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      { host: target.hostname, port: target.port, method: 'POST', path, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // An early answer (413) closes the connection while we still write: that is the refusal, not a failure.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(body);
  });
}

function multipart(boundary: string, file: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\nada@example.test\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="cv"; filename="cv.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

const SENDER_HEADERS: Record<string, string> = {
  'stripe-signature': 't=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd',
  'x-hub-signature': 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6',
  'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  'x-github-event': 'push',
  'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  'x-slack-request-timestamp': '1531420618',
  'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  'webhook-timestamp': '1614265330',
  'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  'svix-timestamp': '1614265330',
  'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  'x-shopify-hmac-sha256': 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=',
  'x-shopify-topic': 'orders/create',
  'x-shopify-shop-domain': 'shop.myshopify.com',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
};

describe('buffer e2e: replays a receiver can trust', () => {
  let us: Upstream;
  let eu: Upstream;
  let smtp: SmtpReceiver;
  let hooks: WebhookReceiver;
  const gateways: GatewayProcess[] = [];
  /** Body check of the EU receiver: every replay must carry a valid X-Maintenance-Signature, or it answers 401. */
  const rejectedByReceiver: RecordedRequest[] = [];
  /** Paths the EU receiver refuses with 401 whatever the signature (a receiver that rejects the replay). */
  const refusedPaths = new Set<string>();
  /** The first delivery of this form `n` is held unanswered (the gateway is killed while it waits). */
  let hold: { n: string; seen: RecordedRequest | null } | null = null;

  const env = () => ({
    redisUrl: testRedisUrl(),
    prefix: uniquePrefix(),
    upstreamUs: us.url,
    upstreamEu: eu.url,
    extra: {
      REPLAY_SIGNING_SECRET: SECRET,
      SMTP_URL: smtp.url,
      NOTIFY_WEBHOOK_URL: hooks.url,
      NOTIFY_OPERATOR_EMAIL: 'ops@example.test',
      NOTIFY_FROM: 'gateway@example.test',
      TIMELINE_TICK_MS: '200',
    },
  });
  const start = async (e: ReturnType<typeof env>): Promise<GatewayProcess> => {
    const gw = await startBufferGateway(e);
    gateways.push(gw);
    return gw;
  };

  beforeAll(async () => {
    us = await startUpstream({ name: 'us' });
    smtp = await startSmtpReceiver();
    hooks = await startWebhookReceiver();
    eu = await startUpstream({
      name: 'eu',
      handler: (request, res) => {
        if (hold && new URLSearchParams(request.body.toString()).get('n') === hold.n && !hold.seen) {
          hold.seen = request;
          return; // never answered: the gateway dies waiting
        }
        if (request.headers['x-maintenance-replay'] === '1' && (!verified(request) || refusedPaths.has(request.path))) {
          rejectedByReceiver.push(request);
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"signature rejected"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
    });
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop('SIGKILL')));
    await Promise.all([us.close(), eu.close(), smtp.close(), hooks.close()]);
  });

  it('signs every replay, also the item re-sent after a SIGKILL mid-replay (fresh t, same Idempotency-Key); a tampered body fails', async () => {
    const e = env();
    const first = await start(e);
    await openWindow(first, 'sig-a');
    const submissions: Submission[] = Array.from({ length: 30 }, (_, n) => ({ accountId: 'sig-a', n }));
    await submitAll(first.url, submissions, 4);
    // A webhook from a signing sender, gzipped: its headers and its bytes must reach the upstream untouched.
    const gz = gzipSync(Buffer.from(JSON.stringify({ id: 'evt_1', type: 'invoice.paid', amount: 4200 })));
    const hook = await post(
      first.url,
      '/webhooks/stripe?portalId=sig-a',
      { ...SENDER_HEADERS, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gz,
    );
    expect(hook.status).toBe(202);

    hold = { n: '12', seen: null };
    await closeWindow(first, 'sig-a');
    await until('item 12 in flight', () => hold?.seen !== null, 30_000);
    first.kill('SIGKILL');
    await first.exited;
    const held = hold.seen as RecordedRequest;

    // A new instance takes over once the dead one's lease lapses and sends item 12 again.
    const second = await start(e);
    await until(
      'all 31 items delivered',
      () =>
        new Set(
          replays(eu)
            .filter((r) => r !== held)
            .map((r) => r.headers['idempotency-key']),
        ).size === 31,
      60_000,
      100,
    );
    await until(
      'sig-a drained',
      async () => ((await admin(second, 'GET', '/accounts/sig-a/buffer')).json.depth as number) === 0,
      10_000,
      100,
    );

    const delivered = replays(eu).filter((r) => r.headers['idempotency-key']?.toString().startsWith('mg:sig-a:'));
    expect(rejectedByReceiver).toEqual([]);
    expect(delivered.every(verified)).toBe(true);
    const resent = delivered.filter((r) => r !== held && r.headers['idempotency-key'] === held.headers['idempotency-key']);
    expect(resent.length).toBeGreaterThanOrEqual(1);
    expect(new URLSearchParams(resent[0].body.toString()).get('n')).toBe('12');
    // The two attempts are at least a lease (1.5 s) apart: each carries its own t, both valid.
    expect(tOf(resent[0])).toBeGreaterThan(tOf(held));
    expect(verified(held)).toBe(true);
    expect(resent[0].headers['x-maintenance-original-received-at']).toBe(held.headers['x-maintenance-original-received-at']);

    const webhook = delivered.find((r) => r.path === '/webhooks/stripe') as RecordedRequest;
    for (const [name, value] of Object.entries(SENDER_HEADERS)) expect([name, webhook.headers[name]]).toEqual([name, value]);
    expect(webhook.headers['content-encoding']).toBe('gzip');
    expect(webhook.body.equals(gz)).toBe(true);

    // The same replay with one byte changed, sent to the receiver: refused.
    const tampered = Buffer.from(webhook.body);
    tampered[tampered.length - 1] ^= 0xff;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(webhook.headers))
      if (typeof value === 'string' && name !== 'content-length' && name !== 'host') headers[name] = value;
    const before = rejectedByReceiver.length;
    expect((await post(eu.url, webhook.url, headers, tampered)).status).toBe(401);
    expect(rejectedByReceiver.length).toBe(before + 1);
    expect((await post(eu.url, webhook.url, headers, webhook.body)).status).toBe(200);
    rejectedByReceiver.length = 0;
  });

  it('refuses to start with a REPLAY_SIGNING_SECRET under 32 characters, naming the variable, never logging the value', async () => {
    const gw = await startGatewayProcess({
      env: { UPSTREAM_US: us.url, UPSTREAM_EU: eu.url, REPLAY_SIGNING_SECRET: 'only-31-characters-long-secret!' },
      waitForHealth: false,
    });
    gateways.push(gw);
    expect(await gw.exited).toBe(1);
    const text = gw.logs.map((l) => l.line).join('\n');
    expect(text).toContain('REPLAY_SIGNING_SECRET: must be at least 32 characters');
    expect(text).not.toContain('only-31-characters-long-secret!');
  });

  describe('one gateway', () => {
    let gw: GatewayProcess;
    let prefix: ReturnType<typeof env>;
    beforeAll(async () => {
      prefix = env();
      gw = await start(prefix);
    });

    it('strips forged replay headers and mg: Idempotency-Keys from live requests; other keys pass', async () => {
      expect((await admin(gw, 'PUT', '/accounts/live-b', accountSettings())).status).toBe(201);
      const forged = {
        'content-type': 'application/x-www-form-urlencoded',
        'x-maintenance-replay': '1',
        'x-maintenance-original-received-at': '2020-01-01T00:00:00.000Z',
        'x-maintenance-signature': 't=1577836800,v1=' + 'ab'.repeat(32),
        'idempotency-key': 'mg:live-b:1-0',
      };
      expect((await post(gw.url, '/forms/live-b/f1', forged, Buffer.from('email=x%40y.test'))).status).toBe(200);
      expect(
        (await post(gw.url, '/webhooks/in?portalId=live-b', { ...forged, 'idempotency-key': 'MG:live-b:2' }, Buffer.from('{}'))).status,
      ).toBe(200);
      expect(
        (
          await post(
            gw.url,
            '/webhooks/in?portalId=live-b',
            { 'idempotency-key': 'client-key-7', 'content-type': 'application/json' },
            Buffer.from('{}'),
          )
        ).status,
      ).toBe(200);
      const live = us.requests.filter((r) => r.url.includes('live-b'));
      expect(live).toHaveLength(3);
      for (const r of live) {
        expect(r.headers['x-maintenance-replay']).toBeUndefined();
        expect(r.headers['x-maintenance-original-received-at']).toBeUndefined();
        expect(r.headers['x-maintenance-signature']).toBeUndefined();
      }
      expect(live.map((r) => r.headers['idempotency-key'])).toEqual([undefined, undefined, 'client-key-7']);
      expect(live[0].body.toString()).toBe('email=x%40y.test');
    });

    it('takes a 5 MiB multipart upload in the window (202) and replays it byte-identical; 11 MiB gets 413 naming the limit, nothing stored', async () => {
      await openWindow(gw, 'up-c');
      const boundary = '----mg-boundary-5mib';
      const five = multipart(boundary, crypto.randomBytes(5 * 1024 * 1024));
      const contentType = `multipart/form-data; boundary=${boundary}`;
      const ok = await post(gw.url, '/forms/up-c/apply', { 'content-type': contentType }, five);
      expect(ok.status).toBe(202);

      const eleven = multipart(boundary, crypto.randomBytes(11 * 1024 * 1024));
      const refused = await post(gw.url, '/forms/up-c/apply', { 'content-type': contentType }, eleven);
      expect(refused.status).toBe(413);
      const answer = JSON.parse(refused.text) as { message: string; limit: string; limitBytes: number };
      expect(answer.limit).toBe('limits.maxBufferedBodyBytes.form');
      expect(answer.limitBytes).toBe(10 * 1024 * 1024);
      expect(answer.message).toContain('10 MiB');
      expect(answer.message).toContain('Nothing was stored');
      const view = await admin(gw, 'GET', '/accounts/up-c/buffer');
      expect(view.json).toMatchObject({ depth: 1, replay: { accepted: 1 } });

      await closeWindow(gw, 'up-c');
      await until('upload replayed', () => replays(eu).some((r) => r.path === '/forms/up-c/apply'), 30_000, 100);
      const replayed = replays(eu).filter((r) => r.path === '/forms/up-c/apply');
      expect(replayed).toHaveLength(1);
      expect(replayed[0].headers['content-type']).toBe(contentType);
      expect(replayed[0].body.equals(five)).toBe(true);
      expect(verified(replayed[0])).toBe(true);
    });

    it('emails a meeting request to its owner after completion and never sends it to the upstream', async () => {
      const settings = accountSettings({ meetingLinks: { intro: { ownerName: 'Bo Owner', ownerEmail: 'bo@example.test' } } });
      expect((await admin(gw, 'PUT', '/accounts/meet-d', settings)).status).toBe(201);
      const startAt = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
      expect((await admin(gw, 'POST', '/accounts/meet-d/migration', { start: startAt, target: 'eu' })).status).toBe(201);
      expect((await admin(gw, 'POST', '/accounts/meet-d/migration/start')).status).toBe(200);
      const body = Buffer.from(JSON.stringify({ name: 'Cy Visitor', email: 'cy@example.test', time: '2026-12-10T10:00' }));
      expect((await post(gw.url, '/meetings/meet-d/intro/book', { 'content-type': 'application/json' }, body)).status).toBe(202);
      const during = await admin(gw, 'GET', '/accounts/meet-d/buffer');
      expect(during.json).toMatchObject({
        meetingRequests: { waiting: 1, kept: 0 },
        items: [{ path: '/meetings/meet-d/intro/book', replayed: false }],
      });

      await closeWindow(gw, 'meet-d');
      await until(
        'meeting emailed to the owner',
        () => smtp.mails.some((m) => m.to.includes('bo@example.test') && m.raw.includes('Cy Visitor')),
        30_000,
        100,
      );
      await until(
        'meeting kept',
        async () => ((await admin(gw, 'GET', '/accounts/meet-d/buffer')).json.meetingRequests as { kept: number }).kept === 1,
        10_000,
        100,
      );
      const after = await admin(gw, 'GET', '/accounts/meet-d/buffer');
      expect(after.json).toMatchObject({
        depth: 0,
        deadLetterCount: 0,
        meetingRequests: { waiting: 0, kept: 1, items: [{ path: '/meetings/meet-d/intro/book', replayed: false }] },
      });
      expect([...us.requests, ...eu.requests].filter((r) => r.path.startsWith('/meetings/'))).toEqual([]);
    });

    it('turns a replay answered 401 into one replay_rejected notification (webhook and email) and mg_dead_letters_total{status="401"}', async () => {
      refusedPaths.add('/webhooks/crm');
      await openWindow(gw, 'rej-e');
      expect(
        (await post(gw.url, '/webhooks/crm?portalId=rej-e', { 'content-type': 'application/json' }, Buffer.from('{"a":1}'))).status,
      ).toBe(202);
      await closeWindow(gw, 'rej-e');
      const ofRejE = () => hooks.hooks.filter((h) => h.body.kind === 'replay_rejected' && h.body.accountId === 'rej-e');
      const mailsOfRejE = () =>
        smtp.mails.filter(
          (m) => m.to.includes('ops@example.test') && m.raw.includes('X-Notification-Kind: replay_rejected') && m.raw.includes('rej-e'),
        );
      await until('replay_rejected notified', () => ofRejE().length >= 1 && mailsOfRejE().length >= 1, 30_000, 100);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toContain('mg_dead_letters_total{status="401"} 1');
      expect(ofRejE()[0].body.subject).toContain('HTTP 401');

      // A restart (SIGKILL) and a re-drive that is refused again do not announce the item a second time. The kill
      // comes once the store has recorded the notification as sent: a kill between sending and recording re-sends it
      // under the same id (at-least-once, README), which is not what this test is about.
      const store = new RedisStore({ url: prefix.redisUrl, prefix: prefix.prefix });
      try {
        await until('notification recorded as sent', async () => (await store.buffer.rejectedDue('rej-e')).length === 0, 10_000, 50);
      } finally {
        await store.close();
      }
      gw.kill('SIGKILL');
      await gw.exited;
      gw = await start(prefix);
      expect((await admin(gw, 'POST', '/accounts/rej-e/buffer/redrive')).json).toMatchObject({ redriven: 1 });
      await until('refused again', () => rejectedByReceiver.filter((r) => r.url.includes('rej-e')).length >= 2, 30_000, 100);
      await until(
        'dead again',
        async () => ((await admin(gw, 'GET', '/accounts/rej-e/buffer')).json.deadLetterCount as number) === 1,
        10_000,
        100,
      );
      await new Promise((r) => setTimeout(r, 1500));
      expect(ofRejE()).toHaveLength(1);
      expect(mailsOfRejE()).toHaveLength(1);
    });
  });
});
