// Fault: the upstream refuses connections, hangs past limits.upstreamTimeoutMs, resets, or dies mid-response.
// Clean 502/504 answers (a broken response mid-body, never a hang), and no handles leaked after 1,000 of each.
import http from 'node:http';
import { ADMIN_TOKEN } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { handlers, startUpstream, type Upstream } from '../support/upstream';
import { configFile, openFds, openSocketFds, sleep, until } from './fault-helpers';

jest.setTimeout(40_000);

const TIMEOUT_MS = 500;
const COUNT = 1000;

let us: Upstream;
let eu: Upstream;
let gw: GatewayProcess;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
  gw = await startGatewayProcess({
    env: {
      UPSTREAM_US: us.url,
      UPSTREAM_EU: eu.url,
      ADMIN_TOKENS: ADMIN_TOKEN,
      GATEWAY_CONFIG: configFile({ limits: { upstreamTimeoutMs: TIMEOUT_MS } }),
    },
  });
});

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await us.close();
  await eu.close();
});

interface Outcome {
  status: number | null;
  body: string;
  /** The response started but its body was cut off (or the connection failed before any answer). */
  broken: boolean;
}

/** One request on its own connection (the client never pools, so every handle left open is the gateway's). */
function request(target: string, timeoutMs = 5000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}${target}`, { agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8'), broken: !res.complete }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8'), broken: true }));
      res.on('error', () => resolve({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8'), broken: true }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      reject(new Error(`${target}: no answer within ${timeoutMs} ms (the gateway hung)`));
    });
    req.on('error', (error) => resolve({ status: null, body: error.message, broken: true }));
    req.end();
  });
}

async function many(count: number, concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      outcomes[n] = await request(`/api/contacts/${n}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `${o.status ?? 'none'}${o.broken ? ' broken' : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Handles of the gateway process once the dust settled, and of the upstream's side of its connections. */
async function handles(): Promise<{ fds: number; sockets: number; upstream: number }> {
  await sleep(200);
  return { fds: openFds(gw.pid), sockets: openSocketFds(gw.pid), upstream: us.openSockets() };
}

it('answers 502, 504 or a broken response to 5,000 failed upstream requests and leaks no handles', async () => {
  // Warm up: the keep-alive pool and lazily loaded modules exist before the baseline is taken.
  expect(tally(await many(50, 10))).toEqual({ 200: 50 });
  const before = await handles();

  // Refused connections: 502 with the gateway's own JSON, never the raw error.
  await us.pause();
  const refused = await many(COUNT, 25);
  expect(tally(refused)).toEqual({ 502: COUNT });
  expect(JSON.parse(refused[0].body)).toMatchObject({ status: 'error', category: 'UPSTREAM_UNREACHABLE' });
  expect(refused[0].body).not.toContain('ECONNREFUSED');
  await us.resume();

  // Hanging past the configured timeout: 504, about TIMEOUT_MS after the request.
  us.setHandler(handlers.hang());
  const started = Date.now();
  const hung = await many(COUNT, 250);
  const elapsed = Date.now() - started;
  expect(tally(hung)).toEqual({ 504: COUNT });
  expect(JSON.parse(hung[0].body)).toMatchObject({ status: 'error', category: 'UPSTREAM_TIMEOUT' });
  // Four rounds of 250 at TIMEOUT_MS each take about 2 s: the configured timeout was applied, not the default
  // (30 s, for one round alone). The bound leaves room for a loaded machine.
  expect(elapsed).toBeLessThan(20_000);
  // The gateway gave up on every hanging upstream request: the upstream sees its sockets closed.
  await until('hung upstream sockets closed', () => us.openSockets() <= before.upstream + 10, 5000);

  // Connection dropped without an answer: 502.
  us.setHandler(handlers.reset());
  expect(tally(await many(COUNT, 25))).toEqual({ 502: COUNT });

  // Dropped mid-response: the client sees the 200 headers and a cut-off body, never a complete short answer or a hang.
  us.setHandler(handlers.closeMidResponse());
  const cut = await many(COUNT, 25);
  expect(tally(cut)).toEqual({ '200 broken': COUNT });

  // Stalled mid-response (headers and part of the body, then silence past the timeout): cut off as well.
  us.setHandler((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"partial":');
  });
  expect(tally(await many(COUNT, 250))).toEqual({ '200 broken': COUNT });

  // The timeout is for silence, not for length: a steady answer lasting several timeouts arrives whole.
  us.setHandler((_request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10' });
    let sent = 0;
    const timer = setInterval(() => {
      res.write('x');
      if (++sent === 10) {
        clearInterval(timer);
        res.end();
      }
    }, TIMEOUT_MS / 3);
    res.on('close', () => clearInterval(timer));
  });
  const steady = await Promise.all([request('/api/steady/1', 15_000), request('/api/steady/2', 15_000)]);
  expect(steady).toEqual([
    { status: 200, body: 'x'.repeat(10), broken: false },
    { status: 200, body: 'x'.repeat(10), broken: false },
  ]);

  // Still serving, and back to the baseline of handles (a small slack for the keep-alive pool).
  us.setHandler(undefined);
  expect(tally(await many(50, 10))).toEqual({ 200: 50 });
  await until(
    'handles back to the baseline',
    async () => {
      const after = await handles();
      return after.fds <= before.fds + 10 && after.sockets <= before.sockets + 10 && after.upstream <= before.upstream + 10;
    },
    5000,
  );
  expect(gw.process.exitCode).toBeNull();
  expect((await request('/healthz')).status).toBe(200);
});
