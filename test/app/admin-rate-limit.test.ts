// The admin API's limits over real sockets: bulk onboarding by an authenticated operator is never limited; guessing tokens is.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, SUPER_ADMIN, accountSettings } from '../support/accounts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const OPERATOR = '127.0.0.1';
const GUESSER = '127.0.0.2';
// The README's promise: 20 failed authentications per client per 15 minutes.
const FAILED_LIMIT = 20;
const WINDOW_SECONDS = 15 * 60;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Running {
  app: GatewayApp;
  store: MemoryStore;
  port: number;
  close: () => Promise<void>;
}

async function start(config: Record<string, unknown> = {}): Promise<Running> {
  const store = new MemoryStore();
  const app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store,
    clock: new ManualClock(NOW),
    adminTokens: [ADMIN_TOKEN],
    config,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    app,
    store,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.gateway.close();
    },
  };
}

function send(
  port: number,
  options: { method: string; path: string; token?: string; body?: string; from?: string; agent?: http.Agent },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'X-Actor-Id': SUPER_ADMIN.id };
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(options.body);
    }
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method,
        path: options.path,
        headers,
        localAddress: options.from ?? OPERATOR,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const errorCode = (answer: Answer): unknown => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

describe('admin API limits', () => {
  it('creates 10,000 accounts from one client in one go: every PUT answers 201', async () => {
    const running = await start();
    try {
      const total = 10_000;
      const concurrency = 16;
      const body = JSON.stringify(accountSettings());
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      const statuses = new Map<number, number>();
      let next = 0;
      const began = performance.now();
      const worker = async (): Promise<void> => {
        while (next < total) {
          const id = `bulk-${next++}`;
          const answer = await send(running.port, { method: 'PUT', path: `/admin/v1/accounts/${id}`, token: ADMIN_TOKEN, body, agent });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - began) / 1000;
      agent.destroy();
      console.log(
        `admin bulk onboarding: ${total} PUTs, ${concurrency} at a time, in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s)`,
      );
      expect(Object.fromEntries(statuses)).toEqual({ 201: total });
      const last = await send(running.port, { method: 'GET', path: `/admin/v1/accounts/bulk-${total - 1}`, token: ADMIN_TOKEN });
      expect(last.status).toBe(200);
    } finally {
      await running.close();
    }
  }, 180_000);

  it('refuses a client guessing tokens with 429 RATE_LIMITED after 20 failures, a valid token included; other clients go on', async () => {
    const running = await start();
    try {
      const path = '/admin/v1/accounts/acme';
      const created = await send(running.port, { method: 'PUT', path, token: ADMIN_TOKEN, body: JSON.stringify(accountSettings()) });
      expect(created.status).toBe(201);

      for (let attempt = 1; attempt <= FAILED_LIMIT; attempt++) {
        const guess = await send(running.port, { method: 'GET', path, token: `guess-${attempt}`, from: GUESSER });
        expect([attempt, guess.status, errorCode(guess)]).toEqual([attempt, 401, 'UNAUTHORIZED']);
      }
      const refused = await send(running.port, { method: 'GET', path, token: 'guess-21', from: GUESSER });
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(errorCode(refused)).toBe('RATE_LIMITED');
      // The rest of the 15-minute window that began with the first failure, a few seconds ago at most.
      const retryAfter = Number(refused.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter <= WINDOW_SECONDS && retryAfter >= WINDOW_SECONDS - 30).toBe(true);

      // The right token from the guessing client is refused too: a 200 would tell the guesser it found it.
      const rightGuess = await send(running.port, { method: 'GET', path, token: ADMIN_TOKEN, from: GUESSER });
      expect([rightGuess.status, errorCode(rightGuess)]).toEqual([429, 'RATE_LIMITED']);
      // The operator on another address is not affected.
      const operator = await send(running.port, { method: 'GET', path, token: ADMIN_TOKEN, from: OPERATOR });
      expect(operator.status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('counts only failed authentications: requests with the valid token in between do not use up the 20', async () => {
    const running = await start();
    try {
      const path = '/admin/v1/accounts/nobody';
      for (let attempt = 1; attempt < FAILED_LIMIT; attempt++) {
        expect((await send(running.port, { method: 'GET', path, token: 'wrong' })).status).toBe(401);
      }
      // 19 failures so far; 50 authenticated calls (404: no such account) are not counted.
      for (let call = 0; call < 50; call++) {
        const answer = await send(running.port, { method: 'GET', path, token: ADMIN_TOKEN });
        expect([call, answer.status, errorCode(answer)]).toEqual([call, 404, 'ACCOUNT_NOT_FOUND']);
      }
      const twentieth = await send(running.port, { method: 'GET', path });
      expect([twentieth.status, errorCode(twentieth)]).toEqual([401, 'UNAUTHORIZED']);
      const twentyFirst = await send(running.port, { method: 'GET', path, token: 'wrong' });
      expect([twentyFirst.status, errorCode(twentyFirst)]).toEqual([429, 'RATE_LIMITED']);
    } finally {
      await running.close();
    }
  });
});
