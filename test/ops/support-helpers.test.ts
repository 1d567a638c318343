// The process-level test helpers themselves: the scripted upstream and the gateway child-process runner.
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGatewayProcess } from '../support/gateway-process';
import { handlers, startUpstream, type Upstream } from '../support/upstream';

interface Answer {
  status: number;
  body: string;
}

function request(url: string, init: { method?: string; body?: string; agent?: http.Agent; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', agent: init.agent, timeout: init.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('startUpstream', () => {
  let upstream: Upstream;
  beforeEach(async () => {
    upstream = await startUpstream({ name: 'us' });
  });
  afterEach(async () => {
    await upstream.close();
  });

  it('answers small JSON naming itself and records method, url, headers, body and time', async () => {
    const before = Date.now();
    const answer = await request(`${upstream.url}/forms/a1/f1?x=1`, { method: 'POST', body: 'email=a%40b.c' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ upstream: 'us', method: 'POST', path: '/forms/a1/f1' });
    expect(upstream.requests).toHaveLength(1);
    const [recorded] = upstream.requests;
    expect(recorded.method).toBe('POST');
    expect(recorded.url).toBe('/forms/a1/f1?x=1');
    expect(recorded.path).toBe('/forms/a1/f1');
    expect(recorded.body.toString()).toBe('email=a%40b.c');
    expect(recorded.complete).toBe(true);
    expect(recorded.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(recorded.at).toBeGreaterThanOrEqual(before);
  });

  it('keeps connections alive across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await request(`${upstream.url}/a`, { agent });
    await request(`${upstream.url}/b`, { agent });
    expect(upstream.openSockets()).toBe(1);
    agent.destroy();
  });

  it('plays a status sequence, repeating the last status', async () => {
    upstream.setHandler(handlers.statusSequence([503, 500, 200]));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await request(`${upstream.url}/x`)).status);
    expect(statuses).toEqual([503, 500, 200, 200]);
    upstream.setHandler(undefined);
    expect(JSON.parse((await request(`${upstream.url}/y`)).body)).toMatchObject({ upstream: 'us', path: '/y' });
  });

  it('delays an answer', async () => {
    upstream.setHandler(handlers.delay(150));
    const started = Date.now();
    expect((await request(`${upstream.url}/slow`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hangs until the client gives up', async () => {
    upstream.setHandler(handlers.hang());
    await expect(request(`${upstream.url}/hang`, { timeoutMs: 200 })).rejects.toThrow('client timeout');
    expect(upstream.requests).toHaveLength(1);
  });

  it('closes the connection in the middle of a response', async () => {
    upstream.setHandler(handlers.closeMidResponse());
    await expect(request(`${upstream.url}/cut`)).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
  });

  it('resets the connection without answering', async () => {
    upstream.setHandler(handlers.reset());
    await expect(request(`${upstream.url}/reset`)).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('refuses connections while paused and answers again after resume', async () => {
    await upstream.pause();
    await expect(request(`${upstream.url}/x`)).rejects.toThrow(/ECONNREFUSED/);
    await upstream.resume();
    expect((await request(`${upstream.url}/x`)).status).toBe(200);
  });

  it('sends a fixed answer with headers', async () => {
    upstream.setHandler(handlers.reply(403, { errorCode: 'REQUEST_LIMIT_EXCEEDED' }, { 'sforce-limit-info': 'api-usage=10/10' }));
    const answer = await request(`${upstream.url}/services/data`);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
  });
});

describe('startGatewayProcess (against a stand-in server script)', () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mg-gw-proc-'));
    script = path.join(dir, 'stand-in.ts');
    // Behaves like the gateway's server.ts from outside: PORT, /healthz, JSON logs, graceful SIGTERM.
    writeFileSync(
      script,
      `import http from 'node:http';
const seen: Record<string, string | undefined> = {
  REDIS_URL: process.env.REDIS_URL, UPSTREAM_US: process.env.UPSTREAM_US, ADMIN_TOKENS: process.env.ADMIN_TOKENS, LOG_LEVEL: process.env.LOG_LEVEL,
};
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.end('ok'); return; }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(seen));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log(JSON.stringify({ level: 30, msg: 'listening', port: Number(process.env.PORT) }));
  console.log('plain text line');
});
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ level: 30, msg: 'shutting down' }));
  server.close(() => process.exit(0));
});
`,
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the script with tsx, waits for /healthz, passes only the given settings and captures logs', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'redis://inherited-must-not-leak:1';
    try {
      const gateway = await startGatewayProcess({ entry: script, env: { UPSTREAM_US: 'http://127.0.0.1:9', ADMIN_TOKENS: 't1' } });
      try {
        expect(gateway.pid).toBeGreaterThan(0);
        const seen = JSON.parse((await request(`${gateway.url}/env`)).body) as Record<string, string | undefined>;
        expect(seen).toEqual({ UPSTREAM_US: 'http://127.0.0.1:9', ADMIN_TOKENS: 't1', LOG_LEVEL: 'info' });
        const listening = await gateway.waitForLog((line) => line.json?.msg === 'listening');
        expect(listening.json?.port).toBe(gateway.port);
        await gateway.waitForLog((line) => line.line === 'plain text line');
        expect(gateway.logs.find((line) => line.line === 'plain text line')?.json).toBeUndefined();
      } finally {
        expect(await gateway.stop()).toBe(0);
      }
      expect(gateway.logs.some((line) => line.json?.msg === 'shutting down')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it('reports a server that exits before becoming healthy, with its output', async () => {
    const broken = path.join(dir, 'broken.ts');
    writeFileSync(broken, "console.error('config error: UPSTREAM_US is not a URL');\nprocess.exit(3);\n");
    await expect(startGatewayProcess({ entry: broken })).rejects.toThrow(/exited with code 3[\s\S]*UPSTREAM_US is not a URL/);
  });
});

describe('startGatewayProcess (the real src/server.ts)', () => {
  it('starts the gateway against an upstream, logs JSON, proxies, and exits 0 on SIGTERM', async () => {
    const upstream = await startUpstream({ name: 'us' });
    const gateway = await startGatewayProcess({ env: { UPSTREAM_US: upstream.url, UPSTREAM_EU: upstream.url, ADMIN_TOKENS: 'tok' } });
    try {
      const listening = await gateway.waitForLog(
        (line) => typeof line.json?.msg === 'string' && (line.json.msg as string).includes('listening'),
      );
      expect(listening.json?.port).toBe(gateway.port);
      // No REDIS_URL: the embedded store is announced loudly.
      expect(gateway.logs.some((line) => /REDIS_URL/.test(String(line.json?.msg ?? '')))).toBe(true);
      const answer = await request(`${gateway.url}/kb/articles/1`);
      expect(JSON.parse(answer.body)).toEqual({ upstream: 'us', method: 'GET', path: '/kb/articles/1' });
    } finally {
      expect(await gateway.stop()).toBe(0);
      await upstream.close();
    }
  });
});
