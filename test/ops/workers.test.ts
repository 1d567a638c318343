// WORKERS (SPEC §11): several server processes on one port; SIGTERM drains them all and exits 0; more than one
// worker without REDIS_URL is refused at start-up with the fix in the message.
import http from 'node:http';
import { workerCount } from '../../src/cluster-workers';
import { parseEnv } from '../../src/config/env';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { handlers, startUpstream, type Upstream } from '../support/upstream';

jest.setTimeout(60_000);

let us: Upstream;
let eu: Upstream;
const gateways: GatewayProcess[] = [];

beforeEach(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gw) => gw.stop('SIGKILL')));
  await us.close();
  await eu.close();
});

interface Answer {
  status: number | null;
  body: string;
  workerPid: string | undefined;
  error: string | null;
}

/** One request on its own connection (the cluster hands out connections, not requests). */
function get(url: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? null,
          body,
          workerPid: res.headers['x-mg-test-worker-pid'] as string | undefined,
          error: res.complete ? null : 'incomplete',
        }),
      );
    });
    req.on('error', (error) => resolve({ status: null, body: '', workerPid: undefined, error: error.message }));
  });
}

async function twoWorkers(): Promise<GatewayProcess> {
  const gw = await startGatewayProcess({
    env: {
      WORKERS: '2',
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: uniquePrefix(),
      UPSTREAM_US: us.url,
      UPSTREAM_EU: eu.url,
      SHUTDOWN_GRACE_MS: '8000',
      MG_TEST_WORKER_HEADER: '1',
    },
    readyTimeoutMs: 40_000,
  });
  gateways.push(gw);
  // /healthz answers as soon as one worker listens: wait for both.
  await gw.waitForLog((l) => l.json?.msg === 'maintenance-gateway listening' && l.json.worker === 2, 30_000);
  await gw.waitForLog((l) => l.json?.msg === 'maintenance-gateway listening' && l.json.worker === 1, 30_000);
  return gw;
}

it('WORKERS=2 serves one port from two worker processes', async () => {
  const gw = await twoWorkers();
  const pids = new Set<string>();
  for (let i = 0; i < 40 && pids.size < 2; i += 1) {
    const answer = await get(`${gw.url}/healthz`);
    expect(answer.status).toBe(200);
    if (answer.workerPid) pids.add(answer.workerPid);
  }
  expect(pids.size).toBe(2);
  // Workers, not the primary, answer.
  expect(pids.has(String(gw.pid))).toBe(false);
});

it('/metrics from any worker counts the requests every worker served', async () => {
  const gw = await twoWorkers();
  const pids = new Set<string>();
  let sent = 0;
  while (pids.size < 2 && sent < 60) {
    const answer = await get(`${gw.url}/documents/q${sent}`);
    expect(answer.status).toBe(200);
    if (answer.workerPid) pids.add(answer.workerPid);
    sent += 1;
  }
  expect(pids.size).toBe(2);
  for (let i = 0; i < 2; i += 1) {
    const scrape = await get(`${gw.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.body).toContain(`mg_requests_total{surface="document",action="proxy"} ${sent}`);
  }
});

it('SIGTERM lets every worker finish the requests in flight, then the primary exits 0', async () => {
  const gw = await twoWorkers();
  us.setHandler(handlers.delay(1500, handlers.reply(200, { upstream: 'us', slow: true })));
  const inFlight = Array.from({ length: 8 }, (_, i) => get(`${gw.url}/documents/slow-${i}`));
  const deadline = Date.now() + 10_000;
  while (us.requests.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(us.requests).toHaveLength(8);

  gw.kill('SIGTERM');
  const answers = await Promise.all(inFlight);
  for (const answer of answers) {
    expect(answer).toMatchObject({ status: 200, error: null });
    expect(JSON.parse(answer.body)).toEqual({ upstream: 'us', slow: true });
  }
  // The eight were spread over both workers, and both drained them.
  expect(new Set(answers.map((a) => a.workerPid)).size).toBe(2);
  expect(await gw.exited).toBe(0);
  expect(gw.logs.filter((l) => l.json?.msg === 'stopped')).toHaveLength(2);
  expect(gw.logs.some((l) => l.json?.msg === 'all workers stopped')).toBe(true);
});

it('WORKERS=2 without REDIS_URL refuses to start and names the fix', async () => {
  const gw = await startGatewayProcess({ env: { WORKERS: '2', UPSTREAM_US: us.url, UPSTREAM_EU: eu.url }, waitForHealth: false });
  gateways.push(gw);
  expect(await gw.exited).toBe(1);
  const output = gw.logs.map((l) => l.line).join('\n');
  expect(output).toContain('WORKERS=2');
  expect(output).toContain('Set REDIS_URL');
  expect(output).toContain('or set WORKERS=1');
});

it('WORKERS: unset is 1, auto is one per core, a count is taken as is', () => {
  const workers = (env: Record<string, string>, cores?: () => number) => workerCount(parseEnv(env).workers, cores);
  expect(workers({})).toBe(1);
  expect(workers({ WORKERS: 'auto' }, () => 6)).toBe(6);
  expect(workers({ WORKERS: 'AUTO' }, () => 2)).toBe(2);
  expect(workers({ WORKERS: '3' })).toBe(3);
  expect(() => workers({ WORKERS: '0' })).toThrow('WORKERS: must be "auto" or a whole number from 1 to 256 (got "0")');
  expect(() => workers({ WORKERS: '1.5' })).toThrow('(got "1.5")');
});

it('a WORKERS value that is not a count stops the start-up', async () => {
  const gw = await startGatewayProcess({ env: { WORKERS: 'two', UPSTREAM_US: us.url, UPSTREAM_EU: eu.url }, waitForHealth: false });
  gateways.push(gw);
  expect(await gw.exited).toBe(1);
  expect(gw.logs.map((l) => l.line).join('\n')).toContain('WORKERS: must be \\"auto\\" or a whole number from 1 to 256 (got \\"two\\")');
});
