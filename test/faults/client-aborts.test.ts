// Fault: clients that go away mid-upload (to a buffered form in the window) or mid-download (a large, slow upstream
// answer). Nothing half-received is stored, the gateway does not crash, and it lets go of the upstream.
import http from 'node:http';
import net from 'node:net';
import { ADMIN_TOKEN } from '../support/accounts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { testRedisUrl, uniquePrefix } from '../support/stores';
import { handlers, startUpstream, type Upstream, type UpstreamHandler } from '../support/upstream';
import { admin, call, openWindow, postForm, sleep, until } from './fault-helpers';

jest.setTimeout(40_000);

let us: Upstream;
let eu: Upstream;
let gw: GatewayProcess;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
  gw = await startGatewayProcess({
    env: { REDIS_URL: testRedisUrl(), REDIS_PREFIX: uniquePrefix(), UPSTREAM_US: us.url, UPSTREAM_EU: eu.url, ADMIN_TOKENS: ADMIN_TOKEN },
  });
});

afterAll(async () => {
  await gw?.stop('SIGKILL');
  await us.close();
  await eu.close();
});

/** Sends the head and part of a body on a raw connection, then destroys it. */
async function abortedUpload(target: string, framing: 'length' | 'chunked'): Promise<void> {
  const part = 'email=' + 'a'.repeat(494);
  const head = [
    `POST ${target} HTTP/1.1`,
    'Host: gateway.test',
    'Content-Type: application/x-www-form-urlencoded',
    framing === 'length' ? 'Content-Length: 1000' : 'Transfer-Encoding: chunked',
    '',
    '',
  ].join('\r\n');
  const body = framing === 'length' ? part : `${part.length.toString(16)}\r\n${part}\r\n`;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(gw.port, '127.0.0.1', () => {
      socket.write(head + body, () => {
        // Long enough for the gateway to have read the part; then the client is gone without finishing.
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    socket.on('data', (chunk: Buffer) =>
      reject(new Error(`the gateway answered a half upload: ${chunk.toString('utf8').split('\r\n')[0]}`)),
    );
    socket.on('error', reject);
  });
}

it('stores nothing from uploads the client abandoned mid-body, and still buffers complete ones', async () => {
  await openWindow(gw, 'abort-up');
  await Promise.all(Array.from({ length: 40 }, (_, i) => abortedUpload('/forms/abort-up/f1', i % 2 === 0 ? 'length' : 'chunked')));
  await until(
    'every abandoned upload noticed',
    () => gw.logs.filter((l) => l.json?.msg === 'client went away mid-upload: nothing buffered').length === 40,
    5000,
  );
  const afterAborts = await admin(gw, 'GET', '/accounts/abort-up/buffer');
  expect(afterAborts.status).toBe(200);
  expect(afterAborts.json()).toMatchObject({ depth: 0 });

  // The same surface still works: a complete submission is stored and counted.
  expect((await postForm(gw, 'abort-up')).status).toBe(202);
  expect((await admin(gw, 'GET', '/accounts/abort-up/buffer')).json()).toMatchObject({ depth: 1 });
  expect(us.requests.concat(eu.requests).filter((r) => r.path.startsWith('/forms/'))).toHaveLength(0);
});

it('cuts the upstream request short when a client abandons an upload that is being proxied', async () => {
  const baseline = us.openSockets();
  await Promise.all(Array.from({ length: 10 }, (_, i) => abortedUpload(`/api/uploads/${i}`, i % 2 === 0 ? 'length' : 'chunked')));
  await until(
    'every abandoned upload reached the upstream',
    () => us.requests.filter((r) => r.path.startsWith('/api/uploads/')).length === 10,
    5000,
  );
  // The upstream never got a whole body, and the gateway closed each connection rather than leave it waiting.
  await until('upstream upload sockets closed', () => us.openSockets() <= baseline, 5000);
  expect(us.requests.filter((r) => r.path.startsWith('/api/uploads/') && r.complete)).toEqual([]);
  expect((await call(gw, '/api/after-uploads')).json()).toMatchObject({ upstream: 'us' });
});

it('cuts the upstream request short when a client gives up waiting for a slow upstream', async () => {
  const baseline = us.openSockets();
  us.setHandler(handlers.hang());
  const requests = Array.from({ length: 10 }, (_, i) => http.get(`${gw.url}/documents/wait-${i}`, { agent: false }));
  for (const req of requests) req.on('error', () => undefined);
  await until(
    'every request reached the upstream',
    () => us.requests.filter((r) => r.path.startsWith('/documents/wait-')).length === 10,
    5000,
  );
  for (const req of requests) req.destroy();
  // Long before the upstream timeout (30 s by default): nobody is left to read the answer.
  await until('upstream sockets closed', () => us.openSockets() <= baseline, 3000);
  us.setHandler(undefined);
  expect((await call(gw, '/documents/after-waits')).json()).toMatchObject({ upstream: 'us' });
  // Giving up is the client's doing, not an upstream failure.
  expect(gw.logs.filter((l) => l.json?.msg === 'upstream request failed' && String(l.json.path).includes('/documents/wait-'))).toEqual([]);
});

/** 64 KiB every few milliseconds, for much longer than the test: only the gateway giving up ends it. */
const endlessDownload: UpstreamHandler = (_request, res) => {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(1024 * 1024 * 1024) });
  const timer = setInterval(() => res.write(chunk), 2);
  res.on('close', () => clearInterval(timer));
};

/** Reads about `bytes` of a download, then destroys the connection. */
function abandonDownload(target: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${gw.url}${target}`, { agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`download answered ${res.statusCode}`));
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= bytes) {
          req.destroy();
          resolve(received);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
  });
}

it('lets go of the upstream when clients abandon large downloads, and keeps serving', async () => {
  const baseline = us.openSockets();
  us.setHandler(endlessDownload);
  const received = await Promise.all(Array.from({ length: 20 }, (_, i) => abandonDownload(`/documents/big-${i}`, 512 * 1024)));
  expect(Math.min(...received)).toBeGreaterThanOrEqual(512 * 1024);
  // The gateway stopped pulling from the upstream: every download connection is closed, not parked until a timeout.
  await until('upstream download sockets closed', () => us.openSockets() <= baseline, 5000);

  us.setHandler(undefined);
  await sleep(50);
  expect((await call(gw, '/healthz')).status).toBe(200);
  expect((await call(gw, '/documents/small')).json()).toMatchObject({ upstream: 'us', path: '/documents/small' });
  expect(gw.process.exitCode).toBeNull();
  expect(gw.logs.filter((l) => l.json && Number(l.json.level) >= 50)).toEqual([]);
});
