// The integration guard's order of checks, proxying (streamed), thresholds, probes, notifications and metrics.
import http from 'node:http';
import express from 'express';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ManualClock } from '../../src/domain/clock';
import { createIntegrationHandler } from '../../src/integrations/handler';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { startUpstream, handlers, type Upstream } from '../support/upstream';
import { account, guardApp, integration, T0, type GuardApp } from './harness';

const sfError = (errorCode: string): object[] => [{ message: `${errorCode} happened`, errorCode, fields: [] }];

describe('integration guard', () => {
  let crm: Upstream;
  let store: MemoryStore;
  let clock: ManualClock;
  let guard: GuardApp;

  beforeEach(async () => {
    crm = await startUpstream({ name: 'crm' });
    store = new MemoryStore();
    clock = new ManualClock(T0);
    guard = guardApp(store, clock, { transientThreshold: 3, probeCooldownMs: 60_000 });
    guard.accounts.set('a1', account('a1', { crm: integration(crm.url) }));
  });
  afterEach(async () => {
    guard.handler.close();
    await crm.close();
    await store.close();
  });

  const rebuild = (options: Parameters<typeof guardApp>[2]): void => {
    guard.handler.close();
    guard = guardApp(store, clock, options);
    guard.accounts.set('a1', account('a1', { crm: integration(crm.url) }));
  };
  const call = (path = '/integrations/crm/services/data/v58.0/sobjects/Contact') => request(guard.app).get(path).set('X-Account-Id', 'a1');

  it('answers 404 for an integration the account does not have, without reaching any CRM', async () => {
    const res = await call('/integrations/other/x');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 'error', category: 'INTEGRATION_NOT_FOUND' });
    const proto = await call('/integrations/__proto__/x');
    expect(proto.status).toBe(404);
    expect(crm.requests).toHaveLength(0);
  });

  it('proxies method, path, query, headers and body to baseUrl + path, and counts the call', async () => {
    guard.accounts.set('a1', account('a1', { crm: integration(`${crm.url}/base/`) }));
    const res = await request(guard.app)
      .post('/integrations/crm/sobjects/Contact?x=1&y=2')
      .set('X-Account-Id', 'a1')
      .set('Authorization', 'Bearer crm-token')
      .send({ Email: 'a@example.test' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ upstream: 'crm', method: 'POST', path: '/base/sobjects/Contact' });
    expect(crm.requests[0].url).toBe('/base/sobjects/Contact?x=1&y=2');
    expect(crm.requests[0].headers.authorization).toBe('Bearer crm-token');
    expect(JSON.parse(crm.requests[0].body.toString())).toEqual({ Email: 'a@example.test' });
    expect(await store.integrations.callsInWindow('a1', 'crm', clock.now(), 86_400_000)).toBe(1);
  });

  it('never forwards forged replay headers or an mg: Idempotency-Key to the CRM (SPEC §9: only the replayer sends them)', async () => {
    const res = await request(guard.app)
      .post('/integrations/crm/sobjects/Contact')
      .set('X-Account-Id', 'a1')
      .set('X-Maintenance-Replay', '1')
      .set('X-Maintenance-Original-Received-At', '2026-01-01T00:00:00.000Z')
      .set('X-Maintenance-Signature', 't=1,v1=00')
      .set('Idempotency-Key', 'mg:a1:forged')
      .send({ LastName: 'Doe' });
    expect(res.status).toBe(200);
    expect(crm.requests).toHaveLength(1);
    const forwarded = crm.requests[0].headers;
    expect([
      forwarded['x-maintenance-replay'],
      forwarded['x-maintenance-original-received-at'],
      forwarded['x-maintenance-signature'],
      forwarded['idempotency-key'],
    ]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("never forwards the operator bypass token to the CRM (it is the gateway's own secret)", async () => {
    const res = await request(guard.app)
      .get('/integrations/crm/sobjects/Contact')
      .set('X-Account-Id', 'a1')
      .set('X-Maintenance-Bypass', 'eyJhY2NvdW50IjoiYTEifQ.secret-mac')
      .set('Authorization', 'Bearer crm-token');
    expect(res.status).toBe(200);
    expect(crm.requests).toHaveLength(1);
    expect(crm.requests[0].headers['x-maintenance-bypass']).toBeUndefined();
    expect(crm.requests[0].headers.authorization).toBe('Bearer crm-token');
  });

  it('streams a successful body through before the CRM has finished it', async () => {
    let release: () => void = () => undefined;
    crm.setHandler((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first-chunk;');
      return new Promise<void>((resolve) => {
        release = () => {
          res.end('second-chunk');
          resolve();
        };
      });
    });
    const server = guard.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ port, host: '127.0.0.1', path: '/integrations/crm/stream', headers: { 'x-account-id': 'a1' } }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
              // The first chunk arrived while the CRM still holds the rest back: nothing was buffered.
              if (text === 'first-chunk;') release();
            });
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(body).toBe('first-chunk;second-chunk');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('relays the error that suspends, then fails fast without reaching the CRM', async () => {
    crm.setHandler(handlers.reply(403, sfError('API_DISABLED_FOR_ORG')));
    const first = await call();
    expect(first.status).toBe(403);
    expect(first.body).toEqual(sfError('API_DISABLED_FOR_ORG'));
    const second = await call();
    expect(second.status).toBe(503);
    expect(second.body).toMatchObject({
      status: 'error',
      category: 'INTEGRATION_SUSPENDED',
      reason: 'CRM_API_DISABLED',
      // SPEC §6: the integration user lacks "API Enabled"; cleared by re-entering credentials or Clear Suspension.
      message: expect.stringMatching(/API access is disabled/),
      remedy: expect.stringMatching(/"API Enabled"[\s\S]*re-enter the CRM credentials or use Clear Suspension/),
    });
    expect(second.headers['retry-after']).toBeUndefined();
    expect(crm.requests).toHaveLength(1);
    // A fast-failed call is not counted against the allocation.
    expect(await store.integrations.callsInWindow('a1', 'crm', clock.now(), 86_400_000)).toBe(1);
    expect(guard.notified).toEqual([
      {
        accountId: 'a1',
        reason: 'CRM_API_DISABLED',
        detail: expect.objectContaining({ integration: 'crm', crmErrorCode: 'API_DISABLED_FOR_ORG', since: T0 }),
      },
    ]);
  });

  it('suspends for a transient reason only after the threshold of consecutive failures; a success resets the run', async () => {
    const locked = handlers.reply(400, sfError('UNABLE_TO_LOCK_ROW'));
    crm.setHandler(locked);
    expect((await call()).status).toBe(400);
    expect((await call()).status).toBe(400);
    crm.setHandler(undefined);
    expect((await call()).status).toBe(200);
    crm.setHandler(locked);
    expect((await call()).status).toBe(400);
    expect((await call()).status).toBe(400);
    expect((await store.integrations.get('a1', 'crm')).state).toBe('active');
    expect((await call()).status).toBe(400);
    expect(await store.integrations.get('a1', 'crm')).toMatchObject({ state: 'suspended', reason: 'ORG_LOCKED' });
    const fast = await call();
    expect(fast.status).toBe(503);
    expect(fast.body.reason).toBe('ORG_LOCKED');
    expect(fast.headers['retry-after']).toBe('60');
    expect(crm.requests).toHaveLength(6);
  });

  it("relays the caller's own errors unchanged without suspending, and without ending a run of transient failures", async () => {
    const notFound = handlers.reply(404, sfError('NOT_FOUND'));
    crm.setHandler(notFound);
    for (let i = 0; i < 5; i++) {
      const res = await call();
      expect(res.status).toBe(404);
      expect(res.body).toEqual(sfError('NOT_FOUND'));
    }
    crm.setHandler(handlers.reply(400, sfError('DUPLICATE_VALUE')));
    expect((await call()).status).toBe(400);
    expect(await store.integrations.get('a1', 'crm')).toMatchObject({ state: 'active', consecutiveFailures: 0 });

    const locked = handlers.reply(400, sfError('UNABLE_TO_LOCK_ROW'));
    crm.setHandler(locked);
    await call();
    await call();
    crm.setHandler(notFound);
    expect((await call()).status).toBe(404);
    expect(await store.integrations.get('a1', 'crm')).toMatchObject({ state: 'active', consecutiveFailures: 2 });
    crm.setHandler(locked);
    await call();
    expect(await store.integrations.get('a1', 'crm')).toMatchObject({ state: 'suspended', reason: 'ORG_LOCKED' });

    // A trial call that meets the caller's error neither lifts the suspension nor counts as a new one.
    clock.advance(60_000);
    crm.setHandler(notFound);
    expect((await call()).status).toBe(404);
    expect(await store.integrations.get('a1', 'crm')).toMatchObject({ state: 'suspended', reason: 'ORG_LOCKED' });
    expect((await call()).body.category).toBe('INTEGRATION_SUSPENDED');
    expect(guard.notified.map((n) => n.reason)).toEqual(['ORG_LOCKED']);
    const text = await guard.metrics.registry.metrics();
    expect(text).toContain('mg_integration_calls_total{result="caller_error"} 8');
  });

  it('lets one trial call through after the cool-down; a failed one waits again, a successful one lifts the suspension', async () => {
    rebuild({ transientThreshold: 1, probeCooldownMs: 60_000 });
    crm.setHandler(handlers.reply(503, '<html><body>Maintenance</body></html>', { 'content-type': 'text/html' }));
    expect((await call()).status).toBe(503);
    expect((await store.integrations.get('a1', 'crm')).reason).toBe('ORG_UNAVAILABLE');
    clock.advance(59_999);
    expect((await call()).body.category).toBe('INTEGRATION_SUSPENDED');
    expect(crm.requests).toHaveLength(1);
    clock.advance(1);
    const trial = await call();
    expect(trial.status).toBe(503);
    expect(trial.text).toContain('Maintenance');
    expect(crm.requests).toHaveLength(2);
    expect((await call()).body.category).toBe('INTEGRATION_SUSPENDED');
    expect(crm.requests).toHaveLength(2);
    clock.advance(60_000);
    crm.setHandler(undefined);
    expect((await call()).status).toBe(200);
    expect((await store.integrations.get('a1', 'crm')).state).toBe('active');
    expect((await call()).status).toBe(200);
    expect(crm.requests).toHaveLength(4);
    // One suspension, one notification: the failed trial did not count as a new one.
    expect(guard.notified.map((n) => n.reason)).toEqual(['ORG_UNAVAILABLE']);
  });

  it('never probes a suspension that only a person can clear', async () => {
    crm.setHandler(handlers.reply(400, sfError('STORAGE_LIMIT_EXCEEDED')));
    await call();
    clock.advance(3600_000);
    expect((await call()).body.reason).toBe('STORAGE_LIMIT_EXCEEDED');
    expect(crm.requests).toHaveLength(1);
  });

  it('survives its store failing while a successful CRM answer is still streaming (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    jest.spyOn(store.integrations, 'recordCrmUsage').mockRejectedValue(new Error('store down'));
    crm.setHandler((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'Sforce-Limit-Info': 'api-usage=18/5000' });
      res.write('first;');
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          res.end('last');
          resolve();
        }, 200),
      );
    });
    try {
      const res = await call('/integrations/crm/stream');
      expect(res.status).toBe(200);
      expect(res.text).toBe('first;last');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('records the CRM org usage from Sforce-Limit-Info on successes and errors', async () => {
    crm.setHandler(handlers.reply(200, { ok: true }, { 'Sforce-Limit-Info': 'api-usage=18/5000' }));
    await call();
    expect((await store.integrations.get('a1', 'crm')).crmUsage).toEqual({ used: 18, limit: 5000 });
    crm.setHandler(handlers.reply(403, sfError('REQUEST_LIMIT_EXCEEDED'), { 'Sforce-Limit-Info': 'api-usage=5001/5000' }));
    await call();
    expect(await store.integrations.get('a1', 'crm')).toMatchObject({
      reason: 'CRM_API_LIMIT_EXCEEDED',
      crmUsage: { used: 5001, limit: 5000 },
    });
    const view = await request(guard.app).get('/admin/v1/accounts/a1/integrations/crm');
    expect(view.body.crmUsage).toEqual({ used: 5001, limit: 5000 });
  });

  it('suspends an integration without field mappings before any CRM call, and notifies only once and only if opted in', async () => {
    guard.accounts.set(
      'a1',
      account('a1', {
        crm: integration(crm.url, { fieldMappings: [] }),
        quiet: integration(crm.url, { fieldMappings: [], notifyOnSuspension: false }),
      }),
    );
    for (let i = 0; i < 2; i++) {
      const res = await call();
      expect(res.status).toBe(503);
      // SPEC §6: cleared by Clear Suspension once mappings exist.
      expect(res.body).toMatchObject({
        reason: 'MISSING_FIELD_MAPPINGS',
        remedy: expect.stringMatching(/^Add field mappings to the integration settings, then use Clear Suspension\./),
      });
    }
    expect((await call('/integrations/quiet/x')).body.reason).toBe('MISSING_FIELD_MAPPINGS');
    expect(crm.requests).toHaveLength(0);
    expect(guard.notified.map((n) => [n.reason, n.detail.integration])).toEqual([['MISSING_FIELD_MAPPINGS', 'crm']]);
  });

  it('answers 502 when the CRM cannot be reached and counts it as an outage', async () => {
    rebuild({ transientThreshold: 2 });
    await crm.pause();
    const res = await call();
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ category: 'CRM_UNREACHABLE' });
    expect((await call()).status).toBe(502);
    expect(await store.integrations.get('a1', 'crm')).toMatchObject({ state: 'suspended', reason: 'ORG_UNAVAILABLE' });
    await crm.resume();
  });

  it('answers 504 when the CRM does not answer in time', async () => {
    rebuild({ upstreamTimeoutMs: 100 });
    crm.setHandler(handlers.hang());
    const res = await call();
    expect(res.status).toBe(504);
    expect(res.body.category).toBe('CRM_TIMEOUT');
    expect((await store.integrations.get('a1', 'crm')).consecutiveFailures).toBe(1);
  });

  it('neither calls the CRM nor counts an outage for a client that left while the guard was checking its store', async () => {
    rebuild({ upstreamTimeoutMs: 200 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const takeCall = store.integrations.takeCall.bind(store.integrations);
    jest.spyOn(store.integrations, 'takeCall').mockImplementation(async (...args) => {
      await gate;
      return takeCall(...args);
    });
    const server = http.createServer(guard.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const upload = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/integrations/crm/sobjects/Contact',
      headers: { 'x-account-id': 'a1', 'content-type': 'application/json', 'content-length': '100' },
    });
    upload.on('error', () => undefined);
    upload.write('{"Email":');
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(50);
    upload.destroy();
    await sleep(50);
    release();
    await sleep(400);
    expect((await store.integrations.get('a1', 'crm')).consecutiveFailures).toBe(0);
    expect(crm.requests).toHaveLength(0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('relays an error body longer than the classification excerpt in full', async () => {
    const big = JSON.stringify([{ message: 'x'.repeat(200_000), errorCode: 'UNKNOWN_EXCEPTION', fields: [] }]);
    crm.setHandler(handlers.reply(500, big, { 'content-type': 'application/json' }));
    const res = await call();
    expect(res.status).toBe(500);
    expect(res.text.length).toBe(big.length);
    expect((await store.integrations.get('a1', 'crm')).consecutiveFailures).toBe(1);
  });

  it('counts an error whose body breaks off, and breaks the answer instead of relaying it short', async () => {
    crm.setHandler((_r, res) => {
      res.writeHead(500, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('[{"errorCode":"UNKNOWN_EXCEPTION"', () => res.socket?.destroy());
    });
    await expect(call()).rejects.toThrow();
    const deadline = Date.now() + 2000;
    while ((await store.integrations.get('a1', 'crm')).consecutiveFailures === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect((await store.integrations.get('a1', 'crm')).consecutiveFailures).toBe(1);
  });

  it('counts calls and suspensions in metrics', async () => {
    crm.setHandler(handlers.reply(400, sfError('INVALID_FIELD')));
    await call();
    await call();
    const text = await guard.metrics.registry.metrics();
    expect(text).toContain('mg_integration_calls_total{result="crm_error"} 1');
    expect(text).toContain('mg_integration_calls_total{result="suspended"} 1');
    expect(text).toContain('mg_integration_suspensions_total{reason="FIELD_PERMISSIONS_MISSING"} 1');
  });

  it('refuses with 503 and Retry-After when its store is unreachable, rather than overrun the CRM', async () => {
    const broken = new MemoryStore();
    broken.integrations.get = async () => {
      throw new Error('store down');
    };
    const handler = createIntegrationHandler({ store: broken, clock, logger: silentLogger, metrics: new Metrics() });
    const own = express();
    own.use('/integrations/:integration', (req, res) =>
      handler(req, res, {
        account: account('a1', { crm: integration(crm.url) }),
        integration: req.params.integration,
        forwardPath: req.url,
      }),
    );
    const res = await request(own).get('/integrations/crm/x');
    expect(res.status).toBe(503);
    expect(res.body.category).toBe('STORE_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
    expect(crm.requests).toHaveLength(0);
    handler.close();
  });
});
