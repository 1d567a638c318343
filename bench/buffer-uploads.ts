// What 100 concurrent 10 MiB form uploads in a maintenance window cost: gateway RSS and Redis memory, accept and replay.
// Run: node --import tsx bench/buffer-uploads.ts [uploads=100] [MiB=10] [limits.maxBufferingBytes in MiB=default]
// (needs redis-server on PATH)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, startRedis } from '../test/support/redis-server';
import { peakRssMiB, repoRoot, startService } from './lib/processes';

const UPLOADS = Number(process.argv[2] ?? 100);
const MIB = Number(process.argv[3] ?? 10);
const BUDGET_MIB = process.argv[4] === undefined ? null : Number(process.argv[4]);
const TOKEN = 'bench-admin-token';
const ACCOUNT = 'bench-uploads';
const BOUNDARY = '----mg-bench-boundary';

function rssMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

interface RedisMemory {
  usedMiB: number;
  peakMiB: number;
  /** The data itself (the stream of bodies). */
  datasetMiB: number;
  /** Query and output buffers of the gateway's connections (a pipeline of large writes waits there). */
  clientsMiB: number;
  /** The Lua VM: script arguments and results are Lua strings until its GC runs. */
  luaMiB: number;
}

async function redisMemory(url: string): Promise<RedisMemory> {
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  const info = await client.info('memory');
  client.disconnect();
  const field = (name: string) => Math.round(Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0) / 104857.6) / 10;
  return {
    usedMiB: field('used_memory'),
    peakMiB: field('used_memory_peak'),
    datasetMiB: field('used_memory_dataset'),
    clientsMiB: field('mem_clients_normal'),
    luaMiB: field('used_memory_vm_eval') || field('used_memory_lua'),
  };
}

async function admin(gateway: string, method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${gateway}/admin/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'x-actor-id': 'sa-1', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** One multipart upload whose file part is the shared buffer (not copied per request); 503 + Retry-After is retried. */
function upload(gateway: URL, file: Buffer, n: number, tally: { busy: number; cut: Record<string, number> }): Promise<void> {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="n"\r\n\r\n${n}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="cv"; filename="cv-${n}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const attempt = (): Promise<void> =>
    new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request(
        {
          host: gateway.hostname,
          port: gateway.port,
          method: 'POST',
          path: `/forms/${ACCOUNT}/apply`,
          agent: false,
          headers: {
            'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
            'content-length': head.length + file.length + tail.length,
          },
        },
        (res) => {
          answered = true;
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 202) return resolve();
            if (res.statusCode === 503) {
              tally.busy += 1;
              const wait = Number(res.headers['retry-after'] ?? 1) * 1000;
              setTimeout(() => attempt().then(resolve, reject), wait);
              return;
            }
            reject(new Error(`upload ${n}: HTTP ${res.statusCode}`));
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return;
        // Counted and retried like a browser's user would: the figures say how often it happened.
        const code = err.code ?? 'ERROR';
        tally.cut[code] = (tally.cut[code] ?? 0) + 1;
        setTimeout(() => attempt().then(resolve, reject), 1000);
      });
      req.write(head);
      req.write(file);
      req.end(tail);
    });
  return attempt();
}

async function main(): Promise<void> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-uploads-'));
  const redis = await startRedis();
  let replayedBytes = 0;
  let replayed = 0;
  const upstream = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (replayedBytes += chunk.length));
    req.on('end', () => {
      if (req.headers['x-maintenance-replay'] === '1') replayed += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const port = await freePort();
  let gatewayConfig: string | undefined;
  if (BUDGET_MIB !== null) {
    // The shipped config with only the in-flight budget changed.
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'default.json'), 'utf8')) as { limits?: Record<string, unknown> };
    config.limits = { ...config.limits, maxBufferingBytes: BUDGET_MIB * 1024 * 1024 };
    gatewayConfig = path.join(logDir, 'gateway.json');
    writeFileSync(gatewayConfig, JSON.stringify(config));
  }
  const gateway = await startService({
    name: 'gateway',
    command: process.execPath,
    args: ['--import', 'tsx', 'src/server.ts'],
    port,
    logDir,
    readyPath: '/healthz',
    env: {
      REDIS_URL: redis.url,
      UPSTREAM_US: upstreamUrl,
      UPSTREAM_EU: upstreamUrl,
      ADMIN_TOKENS: TOKEN,
      LOG_LEVEL: 'warn',
      REPLAY_POLL_INTERVAL_MS: '100',
      REPLAY_RECHECK_MS: '200',
      GATEWAY_CONFIG: gatewayConfig,
    },
  });
  const stopAll = async () => {
    await gateway.stop();
    await redis.stop();
    upstream.close();
  };
  try {
    await admin(gateway.url, 'PUT', `/accounts/${ACCOUNT}`, {
      dataLocation: 'us',
      timezone: 'Europe/Berlin',
      contactName: 'Bench',
      superAdmins: [{ id: 'sa-1', name: 'Bench', email: 'bench@example.test' }],
      paymentsEnabled: false,
      ssoEnabled: false,
      hasSandbox: false,
    });
    await admin(gateway.url, 'POST', `/accounts/${ACCOUNT}/migration`, {
      start: new Date(Date.now() + 8 * 86_400_000).toISOString(),
      target: 'eu',
    });
    await admin(gateway.url, 'POST', `/accounts/${ACCOUNT}/migration/start`);

    // The file part leaves room for the multipart framing: the whole body stays within the form limit.
    const file = Buffer.alloc(MIB * 1024 * 1024 - 512, 0x5a);
    const idleRss = rssMiB(gateway.pid);
    const redisBefore = await redisMemory(redis.url);
    console.log(`gateway pid ${gateway.pid} idle RSS ${idleRss} MiB; Redis used ${redisBefore.usedMiB} MiB`);
    console.log(`posting ${UPLOADS} concurrent uploads of ${MIB} MiB...`);

    let peakRss = idleRss ?? 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(gateway.pid) ?? 0)), 50);
    const tally = { busy: 0, cut: {} as Record<string, number> };
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: UPLOADS }, (_, n) =>
        upload(new URL(gateway.url), file, n, tally).then(() => {
          done += 1;
          if (done % 10 === 0)
            console.log(
              `  ${done}/${UPLOADS} stored (202), ${tally.busy} answered 503 + Retry-After so far, gateway RSS now ${rssMiB(gateway.pid)} MiB`,
            );
        }),
      ),
    );
    const acceptSeconds = (performance.now() - started) / 1000;
    const acceptPeak = peakRss;
    const redisStored = await redisMemory(redis.url);
    const view = await admin(gateway.url, 'GET', `/accounts/${ACCOUNT}/buffer?limit=1`);
    // More stored than uploaded: a write the store confirmed after the acceptor's timeout (503) was stored anyway.
    const stored = Number(view.depth);
    console.log(
      `accepted ${UPLOADS} in ${acceptSeconds.toFixed(1)} s (items stored ${stored}); gateway peak RSS ${acceptPeak} MiB; Redis used ${redisStored.usedMiB} MiB (peak ${redisStored.peakMiB} MiB)`,
    );

    console.log('closing the window: replaying...');
    peakRss = rssMiB(gateway.pid) ?? 0;
    const replayStarted = performance.now();
    await admin(gateway.url, 'POST', `/accounts/${ACCOUNT}/migration/complete`);
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const depth = Number((await admin(gateway.url, 'GET', `/accounts/${ACCOUNT}/buffer?limit=1`)).depth);
      console.log(`  ${replayed} replayed, ${depth} waiting, gateway RSS now ${rssMiB(gateway.pid)} MiB`);
      if (depth === 0) break;
    }
    const replaySeconds = (performance.now() - replayStarted) / 1000;
    clearInterval(sampler);
    const redisAfter = await redisMemory(redis.url);
    console.log('');
    console.log(`| ${UPLOADS} × ${MIB} MiB form uploads, limits.maxBufferingBytes ${BUDGET_MIB ?? 64} MiB | value |`);
    console.log('| --- | --- |');
    console.log(`| gateway RSS idle | ${idleRss} MiB |`);
    console.log(`| gateway RSS peak while accepting | ${acceptPeak} MiB |`);
    console.log(`| writes answered 503 + Retry-After and retried | ${tally.busy} |`);
    console.log(`| items stored (more than uploads: a 503 after the store timeout that landed anyway) | ${stored} |`);
    console.log(`| uploads cut off before an answer (connection errors), retried | ${JSON.stringify(tally.cut)} |`);
    console.log(`| time to accept all | ${acceptSeconds.toFixed(1)} s |`);
    console.log(`| Redis used_memory before / with all stored | ${redisBefore.usedMiB} / ${redisStored.usedMiB} MiB |`);
    console.log(
      `| of which dataset / client buffers / Lua | ${redisStored.datasetMiB} / ${redisStored.clientsMiB} / ${redisStored.luaMiB} MiB |`,
    );
    console.log(`| gateway RSS peak while replaying | ${peakRss} MiB |`);
    console.log(`| time to replay all | ${replaySeconds.toFixed(1)} s (${(replayedBytes / 1048576).toFixed(0)} MiB to the upstream) |`);
    console.log(`| Redis used_memory after replay / peak | ${redisAfter.usedMiB} / ${redisAfter.peakMiB} MiB |`);
    console.log(
      `| after replay: dataset / client buffers / Lua | ${redisAfter.datasetMiB} / ${redisAfter.clientsMiB} / ${redisAfter.luaMiB} MiB |`,
    );
    console.log(`| gateway VmHWM (lifetime peak) | ${peakRssMiB(gateway.pid)} MiB |`);
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
