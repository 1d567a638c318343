// `npm run bench`: the gateway against a plain upstream, two express + http-proxy-middleware references and nginx, one table.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, removeDir, startRedis, type RedisProcess } from '../test/support/redis-server';
import {
  accountInWindow,
  accountSettings,
  ADMIN_TOKEN,
  adminOk,
  API_PATH,
  bufferDepth,
  scheduledAccount,
  statusOf,
} from './lib/gateway-admin';
import { measure, median, percentile, type LoadFigures, type LoadSettings, type LoadSpec } from './lib/load';
import { nginxBinary, startNginx } from './lib/nginx';
import { peakRssMiB, repoRoot, startService, tailOf, type Service } from './lib/processes';
import { summariseProfile } from './lib/profile-summary';
import { commandCalls, commandsBetween } from './lib/redis-stats';
import { render, type BenchResults, type GatewayResults, type TargetResult } from './lib/render';
import { runScale } from './scale';

const settings: LoadSettings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  durationSec: Number(process.env.BENCH_DURATION ?? 4),
  warmupSec: Number(process.env.BENCH_WARMUP ?? 1),
};
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_PROFILE=1 runs gateway 1 under `node --cpu-prof` and prints where its CPU time went. */
const profile = process.env.BENCH_PROFILE === '1';
/** BENCH_ONLY=gateway,gatewayHost,gatewayToken,gateway477,bare477,flood,forms,propagation (any of those and upstream, referenceDefault, referenceKeepAlive, nginx) narrows the run. */
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
const wanted = (key: string): boolean => only === null || only.has(key);

const FORM_ACCOUNTS = 8;
const PROPAGATION_SAMPLES = 20;
const REPLAY_WAIT_MS = 30_000;
const FORM_BODY = 'email=visitor%40example.com&name=Bench+Visitor&message=hello';
/** The pass-through account's custom domain and registered API token (issue 10: the account named by Host or token). */
const BENCH_DOMAIN = 'help.bench-plain.example';
const BENCH_TOKEN = 'pat-bench-0123456789abcdef0123456789abcdef';
const FLOOD_TOKENS = 10_000;

const started = Date.now();
const progress = (message: string): void => {
  console.log(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tsx = (script: string) => ({ command: process.execPath, args: ['--import', 'tsx', script] });
const statusList = (statuses: Record<string, number>): string =>
  Object.entries(statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');

interface Peers {
  upstreamUs: Service;
  upstreamEu: Service;
  referenceA: Service;
  referenceB: Service;
  nginx: Service | null;
  redis: RedisProcess;
}

interface Gateway {
  service: Service;
  /** How to start more instances like it. */
  start(name: string, nodeArgs?: string[]): Promise<Service>;
}

interface Context {
  logDir: string;
  services: Service[];
  notes: string[];
}

async function startPeers(ctx: Context): Promise<Peers> {
  const start = async (name: string, script: string, env: Record<string, string>) => {
    const service = await startService({ name, ...tsx(script), port: await freePort(), env, logDir: ctx.logDir });
    ctx.services.push(service);
    return service;
  };
  const upstreamUs = await start('upstream-us', 'bench/servers/upstream.ts', { UPSTREAM_NAME: 'us' });
  const upstreamEu = await start('upstream-eu', 'bench/servers/upstream.ts', { UPSTREAM_NAME: 'eu' });
  const referenceA = await start('reference-default', 'bench/servers/reference-proxy.ts', {
    TARGET: upstreamUs.url,
    REFERENCE_AGENT: 'default',
  });
  const referenceB = await start('reference-keepalive', 'bench/servers/reference-proxy.ts', {
    TARGET: upstreamUs.url,
    REFERENCE_AGENT: 'keepalive',
  });
  progress(
    `upstreams ${upstreamUs.url} (us) ${upstreamEu.url} (eu); references ${referenceA.url} (default) ${referenceB.url} (keep-alive agent)`,
  );

  let nginx: Service | null = null;
  const nginxPath = nginxBinary();
  if (!nginxPath) {
    ctx.notes.push('nginx: skipped (not installed; `apt-get install nginx-light` to include it)');
    progress('nginx not installed: skipped');
  } else {
    try {
      nginx = await startNginx(nginxPath, ctx.logDir, await freePort(), upstreamUs.port);
      ctx.services.push(nginx);
      progress(`nginx ${nginx.url} (proxy_pass, upstream keepalive, 1 worker)`);
    } catch (error) {
      ctx.notes.push(`nginx: failed to start (${String(error).slice(0, 200)})`);
    }
  }
  const redis = await startRedis();
  progress(`redis-server ${redis.url}`);
  return { upstreamUs, upstreamEu, referenceA, referenceB, nginx, redis };
}

function writeGatewayConfig(dir: string): string | undefined {
  const defaults = path.join(repoRoot, 'config', 'default.json');
  if (!existsSync(defaults)) return undefined;
  const config = JSON.parse(readFileSync(defaults, 'utf8')) as { limits?: Record<string, unknown> };
  // The benchmark schedules more migrations than the default per-day cap allows.
  config.limits = { ...config.limits, migrationsPerDay: 10_000 };
  const file = path.join(dir, 'gateway-config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Builds the gateway as production runs it (dist/server.js), starts instance 1 and sets up the benchmark's accounts. */
async function startGateway(ctx: Context, peers: Peers): Promise<Gateway | null> {
  try {
    progress('building the gateway (npm run build)');
    execFileSync(process.execPath, ['scripts/build.js'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    ctx.notes.push(`gateway: build failed (${String((error as { stderr?: Buffer }).stderr ?? error).slice(0, 300)})`);
    return null;
  }
  if (!existsSync(path.join(repoRoot, 'dist', 'server.js'))) {
    ctx.notes.push('gateway: dist/server.js was not produced by the build');
    return null;
  }
  const configFile = writeGatewayConfig(ctx.logDir);
  const start = async (name: string, nodeArgs: string[] = []): Promise<Service> => {
    const service = await startService({
      name,
      command: process.execPath,
      args: [...nodeArgs, 'dist/server.js'],
      port: await freePort(),
      env: {
        REDIS_URL: peers.redis.url,
        UPSTREAM_US: peers.upstreamUs.url,
        UPSTREAM_EU: peers.upstreamEu.url,
        ADMIN_TOKENS: ADMIN_TOKEN,
        GATEWAY_CONFIG: configFile,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        NODE_ENV: 'production',
      },
      logDir: ctx.logDir,
      readyPath: '/healthz',
    });
    ctx.services.push(service);
    return service;
  };
  let service: Service | undefined;
  try {
    service = await start('gateway-1', profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ctx.logDir, 'profile')}`] : []);
    progress(`gateway ${service.url} (pid ${service.pid}), setting up accounts`);
    await adminOk(service.url, 'PUT', '/accounts/bench-plain', { ...accountSettings, domains: [BENCH_DOMAIN] });
    await adminOk(service.url, 'POST', '/accounts/bench-plain/api-tokens', { token: BENCH_TOKEN, label: 'bench' });
    await accountInWindow(service.url, 'bench-window', 0);
    for (let i = 0; i < FORM_ACCOUNTS; i += 1) await accountInWindow(service.url, `bench-form-${i}`, 1 + i);
    for (let i = 0; i < PROPAGATION_SAMPLES; i += 1) await scheduledAccount(service.url, `bench-prop-${i}`, 20 + i);
    const plain = await statusOf(service.url, 'bench-plain');
    const window = await statusOf(service.url, 'bench-window');
    if (plain !== 200 || window !== 477)
      throw new Error(`set-up check: pass-through answered ${plain} (want 200), window answered ${window} (want 477)`);
    return { service, start };
  } catch (error) {
    ctx.notes.push(`gateway: ${String(error).slice(0, 400)}`);
    progress(`gateway not usable: ${String(error).slice(0, 200)}`);
    if (service) progress(`gateway log tail:\n${tailOf(service.logFile, 10)}`);
    return null;
  }
}

/**
 * Records one 477 exactly as the gateway writes it (status line, headers, body) and starts a bare node server that
 * writes the same bytes: the limit for the gateway's own answers (SPEC §11: at least half its rate).
 */
async function startBareAnswer(ctx: Context, gateway: Service): Promise<Service | null> {
  const recorded = await new Promise<{ status: number; statusMessage: string; headers: Record<string, string | string[]>; body: string }>(
    (resolve, reject) => {
      const req = http.request(`${gateway.url}${API_PATH}`, { headers: { 'x-account-id': 'bench-window' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            // Set by node per connection and per answer, as they are for the gateway.
            if (value === undefined || ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) continue;
            headers[name] = value;
          }
          resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers, body: Buffer.concat(chunks).toString() });
        });
      });
      req.on('error', reject);
      req.end();
    },
  );
  if (recorded.status !== 477) {
    ctx.notes.push(`bare 477: the gateway answered ${recorded.status}, not 477; skipped`);
    return null;
  }
  const service = await startService({
    name: 'bare-477',
    ...tsx('bench/servers/bare-answer.ts'),
    port: await freePort(),
    env: { BARE_ANSWER: JSON.stringify(recorded) },
    logDir: ctx.logDir,
  });
  ctx.services.push(service);
  progress(
    `bare 477 server ${service.url} (${Object.keys(recorded.headers).length} headers, ${recorded.body.length} bytes of body, as the gateway wrote them)`,
  );
  return service;
}

interface Target {
  key: string;
  label: string;
  spec: LoadSpec;
}

/** Every target once per round, the order rotated each round so drift hits all alike; Redis commands counted around pass-through runs. */
async function throughputRounds(
  targets: Target[],
  redisUrl: string | null,
): Promise<{ results: Record<string, TargetResult>; redis: GatewayResults['redisCommandsPerPassThrough'] }> {
  const runs: Record<string, LoadFigures[]> = Object.fromEntries(targets.map((t) => [t.key, []]));
  let commands = 0;
  let idleCommands = 0;
  let idleSeconds = 0;
  let passRequests = 0;
  const byCommand: Record<string, number> = {};
  for (let round = 0; round < rounds; round += 1) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const target of order) {
      const countRedis = target.key === 'gateway' && redisUrl !== null ? redisUrl : null;
      let before: Record<string, number> = {};
      if (countRedis) {
        // One idle second first: what the gateway sends to Redis on its own (subscriptions, timers) is not per-request cost.
        const idleStart = await commandCalls(countRedis);
        await sleep(1000);
        idleCommands += commandsBetween(idleStart, await commandCalls(countRedis)).total;
        idleSeconds += 1;
      }
      // Snapshot after the warm-up, so only measured requests are counted.
      const snapshot = countRedis
        ? async () => {
            before = await commandCalls(countRedis);
          }
        : undefined;
      const figures = await measure(target.spec, settings, snapshot);
      if (countRedis) {
        const delta = commandsBetween(before, await commandCalls(countRedis));
        commands += delta.total;
        for (const [command, calls] of Object.entries(delta.byCommand)) byCommand[command] = (byCommand[command] ?? 0) + calls;
        passRequests += figures.total;
      }
      runs[target.key].push(figures);
      const trouble = `${figures.errors ? ` errors×${figures.errors}` : ''}${figures.timeouts ? ` timeouts×${figures.timeouts}` : ''}`;
      progress(
        `round ${round + 1}/${rounds} ${target.label.padEnd(36)} ${String(figures.rps).padStart(6)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  [${statusList(figures.statuses)}${trouble}]`,
      );
    }
  }
  const results: Record<string, TargetResult> = {};
  for (const target of targets) {
    const r = runs[target.key];
    results[target.key] = {
      rounds: r,
      median: { rps: Math.round(median(r.map((x) => x.rps))), p50: median(r.map((x) => x.p50)), p99: median(r.map((x) => x.p99)) },
    };
  }
  if (passRequests === 0) return { results, redis: undefined };
  const idlePerSecond = idleSeconds > 0 ? idleCommands / idleSeconds : 0;
  const measuredSeconds = rounds * settings.durationSec;
  const redis = {
    raw: commands / passRequests,
    net: Math.max(0, commands - idlePerSecond * measuredSeconds) / passRequests,
    idleCommandsPerSecond: idlePerSecond,
    requests: passRequests,
    byCommand,
  };
  progress(
    `redis commands per pass-through request: ${redis.raw.toFixed(4)} (net of ${idlePerSecond.toFixed(1)} idle commands/s: ${redis.net.toFixed(4)})`,
  );
  return { results, redis };
}

/**
 * 10,000 distinct bearer tokens nobody registered, cycled by every connection: each request names no account and is
 * proxied. What matters is the Redis commands they cause: an unknown token must not become a store lookup.
 */
async function unknownTokenFlood(gateway: Service, redisUrl: string): Promise<GatewayResults['unknownTokenFlood']> {
  const requests = Array.from({ length: FLOOD_TOKENS }, (_, i) => ({
    method: 'GET',
    path: API_PATH,
    headers: { authorization: `Bearer flood-${i.toString(16).padStart(8, '0')}-unregistered-token` },
  }));
  // What the instance sends on its own (timeline, leases) in the same time is not caused by the tokens: measured first.
  const idleStart = await commandCalls(redisUrl);
  const idleFrom = performance.now();
  await sleep(2000);
  const idlePerSecond = commandsBetween(idleStart, await commandCalls(redisUrl)).total / ((performance.now() - idleFrom) / 1000);
  let before: Record<string, number> = {};
  let lookupsBefore = 0;
  let from = 0;
  // No warm-up: the first sight of each token is the case that must not reach the store.
  const figures = await measure({ url: gateway.url, requests }, { ...settings, warmupSec: 0 }, async () => {
    before = await commandCalls(redisUrl);
    lookupsBefore = await tokenStoreLookups(gateway);
    from = performance.now();
  });
  const delta = commandsBetween(before, await commandCalls(redisUrl));
  // The directory counts the lookups it had to send to the store (one command each): what the tokens caused, apart from
  // the timeline passes and replay polls other accounts cause in the same seconds.
  const storeLookups = (await tokenStoreLookups(gateway)) - lookupsBefore;
  const net = Math.max(0, delta.total - idlePerSecond * ((performance.now() - from) / 1000));
  const result = {
    requests: figures.total,
    distinctTokens: Math.min(FLOOD_TOKENS, figures.total),
    commands: delta.total,
    idleCommandsPerSecond: Math.round(idlePerSecond * 10) / 10,
    netPerRequest: figures.total > 0 ? net / figures.total : null,
    storeLookups,
    perRequest: figures.total > 0 ? storeLookups / figures.total : null,
    rps: figures.rps,
    byCommand: delta.byCommand,
  };
  progress(
    `unknown-token flood: ${figures.total} requests over ${FLOOD_TOKENS} distinct tokens → ${storeLookups} directory store lookups (${result.perRequest?.toFixed(4) ?? 'n/a'} per request); all Redis commands meanwhile ${delta.total} (${JSON.stringify(delta.byCommand)}; idle ${result.idleCommandsPerSecond}/s, ${result.netPerRequest?.toFixed(4) ?? 'n/a'} per request net of idle) [${statusList(figures.statuses)}]`,
  );
  return result;
}

/** mg_directory_lookups_total{kind="token",source="store"} of one instance. */
async function tokenStoreLookups(gateway: Service): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('mg_directory_lookups_total{') && l.includes('kind="token"') && l.includes('source="store"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function upstreamCount(upstream: Service, prefix: string): Promise<number> {
  const res = await fetch(`${upstream.url}/__bench/stats`);
  const stats = (await res.json()) as { byPrefix: Record<string, number> };
  return stats.byPrefix[prefix] ?? 0;
}

/** Form posts spread over accounts in their window (accepted = 202), then every account completed and the EU upstream counted until all arrived. */
async function formsAndReplay(gateway: Service, upstreamEu: Service): Promise<Pick<GatewayResults, 'formsAccepted' | 'replay'>> {
  const requests = Array.from({ length: FORM_ACCOUNTS }, (_, i) => ({
    method: 'POST',
    path: `/forms/bench-form-${i}/contact-us`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: FORM_BODY,
  }));
  const forms = await measure({ url: gateway.url, requests }, { ...settings, warmupSec: 0 });
  const accepted = forms.statuses['202'] ?? 0;
  const perSecond = Math.round(accepted / settings.durationSec);
  progress(
    `forms: ${accepted} accepted (202) in ${settings.durationSec} s = ${perSecond}/s  p50 ${forms.p50} ms p99 ${forms.p99} ms  [${statusList(forms.statuses)}]`,
  );
  const formsAccepted = { accepted, perSecond, p50: forms.p50, p99: forms.p99, statuses: forms.statuses };
  if (accepted === 0) return { formsAccepted };

  const before = await upstreamCount(upstreamEu, 'POST /forms');
  const completedAt = performance.now();
  await Promise.all(
    Array.from({ length: FORM_ACCOUNTS }, (_, i) => adminOk(gateway.url, 'POST', `/accounts/bench-form-${i}/migration/complete`)),
  );
  let replayed = 0;
  while (performance.now() - completedAt < REPLAY_WAIT_MS) {
    replayed = (await upstreamCount(upstreamEu, 'POST /forms')) - before;
    if (replayed >= accepted) break;
    await sleep(50);
  }
  const seconds = (performance.now() - completedAt) / 1000;
  const depths = await Promise.all(Array.from({ length: FORM_ACCOUNTS }, (_, i) => bufferDepth(gateway.url, `bench-form-${i}`)));
  const bufferDepthAfter: number | 'n/a' = depths.every((d) => d !== null) ? depths.reduce<number>((sum, d) => sum + (d ?? 0), 0) : 'n/a';
  const replay = {
    replayed,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(replayed / seconds),
    complete: replayed >= accepted,
    bufferDepthAfter,
  };
  progress(
    `replay: ${replayed}/${accepted} delivered to the EU upstream in ${seconds.toFixed(2)} s = ${replay.perSecond}/s; buffer depth after (admin API): ${bufferDepthAfter}`,
  );
  return { formsAccepted, replay };
}

/** Polls every 5 ms until the instance answers `status` for the account; ms since `since`, Infinity after the timeout. */
async function obeyed(url: string, accountId: string, status: number, since: number, timeoutMs = 5000): Promise<number> {
  for (;;) {
    if ((await statusOf(url, accountId)) === status) return performance.now() - since;
    if (performance.now() - since > timeoutMs) return Number.POSITIVE_INFINITY;
    await sleep(5);
  }
}

/** A migration started through instance 1; the time until instances 2 and 3 both answer 477 (from the moment the admin call is sent). */
async function propagation(gateway: Gateway): Promise<GatewayResults['propagation']> {
  const others = [await gateway.start('gateway-2'), await gateway.start('gateway-3')];
  const samples: number[] = [];
  const perInstance: number[] = [];
  for (let i = 0; i < PROPAGATION_SAMPLES; i += 1) {
    const id = `bench-prop-${i}`;
    // The others hold the account's current state (scheduled, window not open) before the change.
    for (const instance of others) {
      const status = await statusOf(instance.url, id);
      if (status !== 200) throw new Error(`propagation set-up: ${instance.name} answered ${status} for ${id} before the change`);
    }
    const since = performance.now();
    const change = adminOk(gateway.service.url, 'POST', `/accounts/${id}/migration/start`);
    const times = await Promise.all(others.map((instance) => obeyed(instance.url, id, 477, since)));
    await change;
    perInstance.push(...times);
    samples.push(Math.max(...times));
  }
  const finite = samples.filter(Number.isFinite);
  const round1 = (ms: number) => Math.round(ms * 10) / 10;
  const result = {
    samples: samples.map(round1),
    p50: finite.length > 0 ? round1(percentile(finite, 50)) : null,
    p99: finite.length > 0 ? round1(percentile(finite, 99)) : null,
    timedOut: samples.length - finite.length,
    perInstanceP50: finite.length > 0 ? round1(percentile(perInstance.filter(Number.isFinite), 50)) : null,
  };
  progress(
    `propagation (change on instance 1 until instances 2 and 3 both answer 477, 5 ms polling, ${PROPAGATION_SAMPLES} changes): p50 ${String(result.p50)} ms, p99 ${String(result.p99)} ms${result.timedOut ? `, ${result.timedOut} not obeyed within 5 s` : ''}`,
  );
  return result;
}

function printProfile(dir: string): void {
  const file = existsSync(dir) ? readdirSync(dir).find((name) => name.endsWith('.cpuprofile')) : undefined;
  if (!file) {
    progress(`no CPU profile was written in ${dir} (did gateway 1 exit cleanly on SIGTERM?)`);
    return;
  }
  const summary = summariseProfile(path.join(dir, file));
  console.log(`\nCPU profile of gateway 1 (${path.join(dir, file)}), self time:`);
  for (const line of summary.files) console.log(`  ${line.percent.toFixed(1).padStart(5)}%  ${line.name}`);
  console.log('  top functions:');
  for (const line of summary.functions) console.log(`  ${line.percent.toFixed(1).padStart(5)}%  ${line.name}`);
}

async function main(): Promise<void> {
  // BENCH_ONLY=scale: the scale part alone (bench/scale.ts), a separate run of several minutes.
  if (only?.has('scale')) return runScale();
  const ctx: Context = { logDir: mkdtempSync(path.join(os.tmpdir(), 'mg-bench-')), services: [], notes: [] };
  progress(
    `logs in ${ctx.logDir}; ${settings.connections} connections, pipelining 1, ${settings.warmupSec} s warm-up + ${settings.durationSec} s per run, ${rounds} rounds`,
  );
  const cpus = os.cpus();
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpu: cpus[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
    },
    settings: { ...settings, pipelining: 1, rounds, only: only ? [...only] : 'all' },
    throughput: {},
    gateway: {},
    notes: ctx.notes,
  };
  let peers: Peers | undefined;
  let failed = false;
  try {
    peers = await startPeers(ctx);
    const gateway = await startGateway(ctx, peers);
    const api = (base: string) => `${base}${API_PATH}`;
    const targets: Target[] = [
      { key: 'upstream', label: 'upstream alone', spec: { url: api(peers.upstreamUs.url) } },
      { key: 'referenceDefault', label: 'A: express + hpm, default', spec: { url: api(peers.referenceA.url) } },
      { key: 'referenceKeepAlive', label: 'B: express + hpm, keep-alive agent', spec: { url: api(peers.referenceB.url) } },
    ];
    if (peers.nginx) targets.push({ key: 'nginx', label: 'nginx proxy_pass keep-alive', spec: { url: api(peers.nginx.url) } });
    if (gateway) {
      const bare = await startBareAnswer(ctx, gateway.service);
      if (bare) targets.push({ key: 'bare477', label: 'bare node writing the same 477', spec: { url: api(bare.url) } });
      targets.push({
        key: 'gateway',
        label: 'gateway pass-through',
        spec: { url: api(gateway.service.url), headers: { 'x-account-id': 'bench-plain' } },
      });
      targets.push({
        key: 'gatewayHost',
        label: 'gateway pass-through, account by Host',
        spec: { url: api(gateway.service.url), headers: { host: BENCH_DOMAIN } },
      });
      targets.push({
        key: 'gatewayToken',
        label: 'gateway pass-through, account by token',
        spec: { url: api(gateway.service.url), headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
      });
      targets.push({
        key: 'gateway477',
        label: 'gateway 477 (account in window)',
        spec: { url: api(gateway.service.url), headers: { 'x-account-id': 'bench-window' } },
      });
    }
    const throughput = await throughputRounds(
      targets.filter((t) => wanted(t.key)),
      gateway ? peers.redis.url : null,
    );
    results.throughput = throughput.results;
    if (!peers.nginx) results.throughput.nginx = { skipped: 'nginx not installed' };
    if (throughput.redis) results.gateway.redisCommandsPerPassThrough = throughput.redis;

    if (gateway) {
      if (wanted('flood')) results.gateway.unknownTokenFlood = await unknownTokenFlood(gateway.service, peers.redis.url);
      if (wanted('forms')) Object.assign(results.gateway, await formsAndReplay(gateway.service, peers.upstreamEu));
      if (wanted('propagation')) results.gateway.propagation = await propagation(gateway);
      results.gateway.peakRssMiB = peakRssMiB(gateway.service.pid);
      progress(`gateway 1 peak RSS ${String(results.gateway.peakRssMiB)} MiB`);
    }

    results.table = render(results);
    console.log(`\n${results.table}\n`);
    writeFileSync(path.join(repoRoot, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    progress('written bench/results.json');
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await Promise.all(ctx.services.map((service) => service.stop()));
    if (peers) {
      await peers.redis.stop();
      removeDir(peers.redis.dir);
    }
    if (profile) printProfile(path.join(ctx.logDir, 'profile'));
    // Logs are kept when something went wrong or a profile was asked for.
    if (!failed && !profile && process.env.BENCH_KEEP_LOGS !== '1') rmSync(ctx.logDir, { recursive: true, force: true });
    else progress(`logs kept in ${ctx.logDir}`);
  }
}

main().then(
  () => {
    progress('done');
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
