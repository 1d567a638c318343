// `npm run bench`: the gateway against a plain upstream, two express + http-proxy-middleware references and nginx, one table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRedis, type RedisProcess } from '../test/support/redis-server';
import { measure, median, percentile, type LoadFigures, type LoadSettings, type LoadSpec } from './lib/load';
import { nginxBinary, startNginx } from './lib/nginx';
import { peakRssMiB, repoRoot, startService, tailOf, type Service } from './lib/processes';
import { summariseProfile } from './lib/profile-summary';
import { commandCalls, commandsBetween } from './lib/redis-stats';

const settings: LoadSettings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  durationSec: Number(process.env.BENCH_DURATION ?? 4),
  warmupSec: Number(process.env.BENCH_WARMUP ?? 1),
};
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_PROFILE=1 runs gateway 1 under `node --cpu-prof` and prints where its CPU time went. */
const profile = process.env.BENCH_PROFILE === '1';
const FORM_ACCOUNTS = 8;
const PROPAGATION_SAMPLES = 20;
const ADMIN_TOKEN = 'bench-admin-token';
const SUPER_ADMIN = 'sa-bench';
const API_PATH = '/api/v1/contacts?limit=10';
const FORM_BODY = 'email=visitor%40example.com&name=Bench+Visitor&message=hello';

const started = Date.now();
const progress = (message: string): void => {
  console.log(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tsx = (script: string) => ({ command: process.execPath, args: ['--import', 'tsx', script] });

interface AdminAnswer {
  status: number;
  body: unknown;
}

async function admin(base: string, method: string, route: string, body?: unknown): Promise<AdminAnswer> {
  const res = await fetch(`${base}/admin/v1${route}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      'x-actor-id': SUPER_ADMIN,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.status, body: parsed };
}

async function adminOk(base: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const answer = await admin(base, method, route, body);
  if (answer.status >= 300) throw new Error(`${method} ${route} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const accountSettings = {
  dataLocation: 'us',
  timezone: 'Europe/Berlin',
  contactName: 'Bench Admin',
  superAdmins: [{ id: SUPER_ADMIN, name: 'Bench Admin', email: 'bench-admin@example.com' }],
  paymentsEnabled: false,
  ssoEnabled: false,
  hasSandbox: false,
};

/** Creates an account and schedules its migration (8+ days ahead, one day per index so no day fills up). */
async function scheduledAccount(base: string, id: string, index: number): Promise<void> {
  await adminOk(base, 'PUT', `/accounts/${id}`, accountSettings);
  const start = new Date(Date.now() + (8 + (index % 300)) * 86_400_000);
  start.setUTCHours(21, 0, 0, 0);
  await adminOk(base, 'POST', `/accounts/${id}/migration`, { start: start.toISOString(), target: 'eu' });
}

async function accountInWindow(base: string, id: string, index: number): Promise<void> {
  await scheduledAccount(base, id, index);
  await adminOk(base, 'POST', `/accounts/${id}/migration/start`);
}

async function upstreamCount(upstream: Service, prefix: string): Promise<number> {
  const res = await fetch(`${upstream.url}/__bench/stats`);
  const stats = (await res.json()) as { byPrefix: Record<string, number> };
  return stats.byPrefix[prefix] ?? 0;
}

/** Depth of an account's buffer from the admin API, or null when the buffer API is not there or says nothing usable. */
async function bufferDepth(base: string, id: string): Promise<number | null> {
  const answer = await admin(base, 'GET', `/accounts/${id}/buffer`).catch(() => null);
  if (!answer || answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) return null;
  const body = answer.body as { depth?: unknown; stats?: { depth?: unknown } };
  const depth = body.depth ?? body.stats?.depth;
  return typeof depth === 'number' ? depth : null;
}

async function statusOf(url: string, accountId: string): Promise<number> {
  const res = await fetch(`${url}${API_PATH}`, { headers: { 'x-account-id': accountId } });
  await res.arrayBuffer();
  return res.status;
}

/** Polls every 5 ms until the instance answers `status` for the account; ms since `since`. */
async function obeyed(url: string, accountId: string, status: number, since: number, timeoutMs = 5000): Promise<number> {
  for (;;) {
    if ((await statusOf(url, accountId)) === status) return performance.now() - since;
    if (performance.now() - since > timeoutMs) return Number.POSITIVE_INFINITY;
    await sleep(5);
  }
}

function writeGatewayConfig(dir: string): string | undefined {
  const defaults = path.join(repoRoot, 'config', 'default.json');
  if (!existsSync(defaults)) return undefined;
  const config = JSON.parse(readFileSync(defaults, 'utf8')) as { limits?: Record<string, unknown> };
  // The benchmark's own admin traffic (setup, polling) must not trip the admin rate limit or the per-day cap.
  config.limits = { ...config.limits, adminRequestsPerMinute: 1_000_000, migrationsPerDay: 10_000 };
  const file = path.join(dir, 'gateway-config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

interface Target {
  key: string;
  label: string;
  spec: LoadSpec;
}

type Figures = { rounds: LoadFigures[]; median: { rps: number; p50: number; p99: number } } | { skipped: string };

function summarise(runs: LoadFigures[]): { rps: number; p50: number; p99: number } {
  return { rps: Math.round(median(runs.map((r) => r.rps))), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
}

async function main(): Promise<void> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-'));
  const services: Service[] = [];
  let redis: RedisProcess | undefined;
  progress(`logs in ${logDir}; ${settings.connections} connections, pipelining 1, ${settings.warmupSec} s warm-up + ${settings.durationSec} s per run, ${rounds} rounds`);

  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
    settings: { ...settings, pipelining: 1, rounds },
  };
  const notes: string[] = [];

  try {
    // ---- build the gateway the way production runs it
    let gatewayEntry: string[] | null = null;
    try {
      progress('building the gateway (npm run build)');
      execFileSync(process.execPath, ['scripts/build.js'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
      if (existsSync(path.join(repoRoot, 'dist', 'server.js'))) gatewayEntry = [process.execPath, 'dist/server.js'];
      else notes.push('gateway: dist/server.js was not produced by the build');
    } catch (error) {
      notes.push(`gateway: build failed (${String((error as { stderr?: Buffer }).stderr ?? error).slice(0, 300)})`);
    }

    // ---- peers
    const upstreamUs = await startService({ name: 'upstream-us', ...tsx('bench/servers/upstream.ts'), port: await freePort(), env: { UPSTREAM_NAME: 'us' }, logDir });
    const upstreamEu = await startService({ name: 'upstream-eu', ...tsx('bench/servers/upstream.ts'), port: await freePort(), env: { UPSTREAM_NAME: 'eu' }, logDir });
    services.push(upstreamUs, upstreamEu);
    const referenceA = await startService({ name: 'reference-default', ...tsx('bench/servers/reference-proxy.ts'), port: await freePort(), env: { TARGET: upstreamUs.url, REFERENCE_AGENT: 'default' }, logDir });
    const referenceB = await startService({ name: 'reference-keepalive', ...tsx('bench/servers/reference-proxy.ts'), port: await freePort(), env: { TARGET: upstreamUs.url, REFERENCE_AGENT: 'keepalive' }, logDir });
    services.push(referenceA, referenceB);
    progress(`upstreams ${upstreamUs.url} (us) ${upstreamEu.url} (eu); references ${referenceA.url} (default) ${referenceB.url} (keep-alive agent)`);

    let nginx: Service | null = null;
    const nginxPath = nginxBinary();
    if (nginxPath) {
      try {
        nginx = await startNginx(nginxPath, logDir, await freePort(), upstreamUs.port);
        services.push(nginx);
        progress(`nginx ${nginx.url} (proxy_pass, upstream keepalive, 1 worker)`);
      } catch (error) {
        notes.push(`nginx: failed to start (${String(error).slice(0, 200)})`);
      }
    } else {
      notes.push('nginx: skipped (not installed; `apt-get install nginx` to include it)');
      progress('nginx not installed: skipped');
    }

    redis = await startRedis();
    progress(`redis-server ${redis.url}`);

    const gatewayEnv = (configFile: string | undefined): Record<string, string | undefined> => ({
      REDIS_URL: redis?.url,
      UPSTREAM_US: upstreamUs.url,
      UPSTREAM_EU: upstreamEu.url,
      ADMIN_TOKENS: ADMIN_TOKEN,
      GATEWAY_CONFIG: configFile,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      NODE_ENV: 'production',
    });
    const configFile = writeGatewayConfig(logDir);
    let gateway: Service | null = null;
    let gatewayReady = false;
    if (gatewayEntry) {
      try {
        gateway = await startService({ name: 'gateway-1', command: gatewayEntry[0], args: [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(logDir, 'profile')}`] : []), ...gatewayEntry.slice(1)], port: await freePort(), env: gatewayEnv(configFile), logDir, readyPath: '/healthz' });
        services.push(gateway);
        progress(`gateway ${gateway.url} (pid ${gateway.pid})`);
        await adminOk(gateway.url, 'PUT', '/accounts/bench-plain', accountSettings);
        await accountInWindow(gateway.url, 'bench-window', 0);
        for (let i = 0; i < FORM_ACCOUNTS; i += 1) await accountInWindow(gateway.url, `bench-form-${i}`, 1 + i);
        for (let i = 0; i < PROPAGATION_SAMPLES; i += 1) await scheduledAccount(gateway.url, `bench-prop-${i}`, 20 + i);
        const plain = await statusOf(gateway.url, 'bench-plain');
        const window = await statusOf(gateway.url, 'bench-window');
        if (plain !== 200 || window !== 477) throw new Error(`set-up check: pass-through answered ${plain} (want 200), window answered ${window} (want 477)`);
        gatewayReady = true;
      } catch (error) {
        notes.push(`gateway: ${String(error).slice(0, 400)}`);
        progress(`gateway not usable: ${String(error).slice(0, 200)}`);
        if (gateway) progress(`gateway log tail:\n${tailOf(gateway.logFile, 10)}`);
      }
    }

    // ---- throughput rounds, order rotated each round so drift hits every target alike
    const targets: Target[] = [
      { key: 'upstream', label: 'upstream alone', spec: { url: `${upstreamUs.url}${API_PATH}` } },
      { key: 'referenceDefault', label: 'A: express + hpm, default', spec: { url: `${referenceA.url}${API_PATH}` } },
      { key: 'referenceKeepAlive', label: 'B: express + hpm, keep-alive agent', spec: { url: `${referenceB.url}${API_PATH}` } },
    ];
    if (nginx) targets.push({ key: 'nginx', label: 'nginx proxy_pass keep-alive', spec: { url: `${nginx.url}${API_PATH}` } });
    if (gateway && gatewayReady) {
      targets.push({ key: 'gateway', label: 'gateway pass-through', spec: { url: `${gateway.url}${API_PATH}`, headers: { 'x-account-id': 'bench-plain' } } });
      targets.push({ key: 'gateway477', label: 'gateway 477 (account in window)', spec: { url: `${gateway.url}${API_PATH}`, headers: { 'x-account-id': 'bench-window' } } });
    }
    const runs: Record<string, LoadFigures[]> = Object.fromEntries(targets.map((t) => [t.key, []]));
    let redisCommands = 0;
    let redisIdleCommands = 0;
    let passRequests = 0;
    let passSeconds = 0;
    const redisByCommand: Record<string, number> = {};
    for (let round = 0; round < rounds; round += 1) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const target of order) {
        const redisUrl = target.key === 'gateway' ? redis?.url : undefined;
        let before: Record<string, number> = {};
        if (redisUrl) {
          // One idle second first: what the gateway sends to Redis on its own (subscriptions, schedulers) is not per-request cost.
          const idleStart = await commandCalls(redisUrl);
          await sleep(1000);
          redisIdleCommands += commandsBetween(idleStart, await commandCalls(redisUrl)).total;
        }
        // The snapshot is taken after the warm-up so only measured requests are counted.
        const snapshot = redisUrl
          ? async () => {
              before = await commandCalls(redisUrl);
            }
          : undefined;
        const figures = await measure(target.spec, settings, snapshot);
        if (redisUrl) {
          const delta = commandsBetween(before, await commandCalls(redisUrl));
          redisCommands += delta.total;
          for (const [command, calls] of Object.entries(delta.byCommand)) redisByCommand[command] = (redisByCommand[command] ?? 0) + calls;
          passRequests += figures.total;
          passSeconds += settings.durationSec;
        }
        runs[target.key].push(figures);
        const statuses = Object.entries(figures.statuses).map(([s, n]) => `${s}×${n}`).join(' ');
        progress(`round ${round + 1}/${rounds} ${target.label.padEnd(36)} ${String(figures.rps).padStart(6)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  [${statuses}${figures.errors ? ` errors×${figures.errors}` : ''}${figures.timeouts ? ` timeouts×${figures.timeouts}` : ''}]`);
      }
    }
    const figures: Record<string, Figures> = {};
    for (const target of targets) figures[target.key] = { rounds: runs[target.key], median: summarise(runs[target.key]) };
    if (!nginx) figures.nginx = { skipped: 'nginx not installed' };
    results.throughput = figures;

    const gatewayResults: Record<string, unknown> = {};
    if (gateway && gatewayReady && redis && gatewayEntry) {
      const gw = gateway;
      const entry = gatewayEntry;
      const perRequest = passRequests > 0 ? redisCommands / passRequests : null;
      const idlePerSecond = redisIdleCommands / rounds;
      const net = passRequests > 0 ? Math.max(0, redisCommands - idlePerSecond * passSeconds) / passRequests : null;
      gatewayResults.redisCommandsPerPassThrough = { raw: perRequest, net, idleCommandsPerSecond: idlePerSecond, requests: passRequests, byCommand: redisByCommand };
      progress(`redis commands per pass-through request: ${perRequest?.toFixed(4)} (net of ${idlePerSecond.toFixed(1)} idle commands/s: ${net?.toFixed(4)})`);

      // ---- buffered form submissions across accounts, then replay after completion
      const formRequests = Array.from({ length: FORM_ACCOUNTS }, (_, i) => ({
        method: 'POST',
        path: `/forms/bench-form-${i}/contact-us`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: FORM_BODY,
      }));
      const forms = await measure({ url: gateway.url, requests: formRequests }, { ...settings, warmupSec: 0 });
      const accepted = forms.statuses['202'] ?? 0;
      const acceptedPerSec = Math.round(accepted / settings.durationSec);
      progress(`forms: ${accepted} accepted (202) in ${settings.durationSec} s = ${acceptedPerSec}/s  p50 ${forms.p50} ms p99 ${forms.p99} ms  [${Object.entries(forms.statuses).map(([s, n]) => `${s}×${n}`).join(' ')}]`);
      gatewayResults.formsAccepted = { accepted, perSecond: acceptedPerSec, p50: forms.p50, p99: forms.p99, statuses: forms.statuses };

      const replayedBefore = await upstreamCount(upstreamEu, 'POST /forms');
      const completedAt = performance.now();
      await Promise.all(Array.from({ length: FORM_ACCOUNTS }, (_, i) => adminOk(gw.url, 'POST', `/accounts/bench-form-${i}/migration/complete`)));
      let replayed = 0;
      const replayDeadline = completedAt + 60_000;
      while (performance.now() < replayDeadline) {
        replayed = (await upstreamCount(upstreamEu, 'POST /forms')) - replayedBefore;
        if (replayed >= accepted) break;
        await sleep(50);
      }
      const replaySeconds = (performance.now() - completedAt) / 1000;
      const depths = await Promise.all(Array.from({ length: FORM_ACCOUNTS }, (_, i) => bufferDepth(gw.url, `bench-form-${i}`)));
      const bufferApi = depths.every((d) => d !== null) ? depths.reduce<number>((sum, d) => sum + (d ?? 0), 0) : 'n/a';
      const drainedPerSec = accepted > 0 ? Math.round(replayed / replaySeconds) : null;
      gatewayResults.replay = { replayed, seconds: Math.round(replaySeconds * 100) / 100, perSecond: drainedPerSec, complete: replayed >= accepted, bufferDepthAfter: bufferApi };
      progress(`replay: ${replayed}/${accepted} delivered to the EU upstream in ${replaySeconds.toFixed(2)} s = ${drainedPerSec}/s; buffer depth after (admin API): ${bufferApi}`);

      // ---- state-change propagation to two other instances on the same Redis
      const others: Service[] = [];
      for (const n of [2, 3]) {
        const instance = await startService({ name: `gateway-${n}`, command: entry[0], args: entry.slice(1), port: await freePort(), env: gatewayEnv(configFile), logDir, readyPath: '/healthz' });
        services.push(instance);
        others.push(instance);
      }
      const samples: number[] = [];
      const perInstance: number[] = [];
      for (let i = 0; i < PROPAGATION_SAMPLES; i += 1) {
        const id = `bench-prop-${i}`;
        // The others have the account's current state (scheduled, not in the window) in hand before the change.
        for (const instance of others) {
          const status = await statusOf(instance.url, id);
          if (status !== 200) throw new Error(`propagation set-up: ${instance.name} answered ${status} for ${id} before the change`);
        }
        const since = performance.now();
        const change = adminOk(gateway.url, 'POST', `/accounts/${id}/migration/start`);
        const times = await Promise.all(others.map((instance) => obeyed(instance.url, id, 477, since)));
        await change;
        perInstance.push(...times);
        samples.push(Math.max(...times));
      }
      const finite = samples.filter(Number.isFinite);
      gatewayResults.propagation = {
        samples: samples.map((s) => Math.round(s * 10) / 10),
        p50: finite.length ? Math.round(percentile(finite, 50) * 10) / 10 : null,
        p99: finite.length ? Math.round(percentile(finite, 99) * 10) / 10 : null,
        timedOut: samples.length - finite.length,
        perInstanceP50: Math.round(percentile(perInstance.filter(Number.isFinite), 50) * 10) / 10,
      };
      progress(`propagation (change on instance 1 until instances 2 and 3 both answer 477, 5 ms polling): p50 ${String((gatewayResults.propagation as { p50: number }).p50)} ms p99 ${String((gatewayResults.propagation as { p99: number }).p99)} ms`);
      gatewayResults.peakRssMiB = peakRssMiB(gateway.pid);
      progress(`gateway peak RSS ${String(gatewayResults.peakRssMiB)} MiB`);
    }
    results.gateway = gatewayResults;
    results.notes = notes;

    const table = render(results);
    console.log(`\n${table}`);
    results.table = table;
    writeFileSync(path.join(repoRoot, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    progress('written bench/results.json');
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    await redis?.stop();
  }
  if (profile) printProfile(path.join(logDir, 'profile'));
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

function render(results: Record<string, unknown>): string {
  const throughput = results.throughput as Record<string, Figures>;
  const gateway = results.gateway as Record<string, unknown>;
  const value = (key: string) => {
    const f = throughput[key];
    return f && 'median' in f ? f.median : undefined;
  };
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : 'n/a');
  const gw = value('gateway');
  const lines: string[] = [];
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  row(['pass-through, 50 connections (median of rounds)', 'req/s', 'p50 ms', 'p99 ms', 'gateway ÷ this']);
  row(['---', '---:', '---:', '---:', '---:']);
  const rowsFor: [string, string][] = [
    ['upstream', 'upstream alone'],
    ['referenceDefault', 'A: express + http-proxy-middleware, default'],
    ['referenceKeepAlive', 'B: express + http-proxy-middleware, keep-alive agent'],
    ['nginx', 'nginx proxy_pass, upstream keep-alive (1 worker)'],
    ['gateway', 'gateway, account with no migration'],
  ];
  for (const [key, label] of rowsFor) {
    const f = throughput[key];
    if (!f) row([label, 'n/a', '', '', '']);
    else if ('skipped' in f) row([label, 'skipped', '', '', f.skipped]);
    else row([label, String(f.median.rps), String(f.median.p50), String(f.median.p99), key === 'gateway' ? '' : ratio(gw?.rps, f.median.rps)]);
  }
  const w = value('gateway477');
  const lines2: string[] = [];
  const add = (label: string, figure: string, mark: string) => lines2.push(`| ${label} | ${figure} | ${mark} |`);
  lines2.push('| measure | figure | mark (issue 7) |', '| --- | ---: | --- |');
  const b = value('referenceKeepAlive');
  const n = value('nginx');
  add('pass-through ÷ keep-alive reference (req/s)', ratio(gw?.rps, b?.rps), gw && b ? (gw.rps >= b.rps ? '≥ 1.0 ✓' : '≥ 1.0 ✗') : 'n/a');
  add('pass-through p99 − keep-alive reference p99', gw && b ? `${(gw.p99 - b.p99).toFixed(1)} ms` : 'n/a', gw && b ? (gw.p99 - b.p99 <= 1 ? '≤ 1 ms ✓' : '≤ 1 ms ✗') : 'n/a');
  add('pass-through ÷ default reference (req/s)', ratio(gw?.rps, value('referenceDefault')?.rps), '');
  add('pass-through ÷ nginx (req/s)', n ? ratio(gw?.rps, n.rps) : 'nginx skipped', 'report (aim 0.5×)');
  add('477 answers (req/s)', w ? `${w.rps} (p99 ${w.p99} ms)` : 'n/a', w && gw ? (w.rps >= 2 * gw.rps ? `${ratio(w.rps, gw.rps)} of pass-through, ≥ 2× ✓` : `${ratio(w.rps, gw.rps)} of pass-through, ≥ 2× ✗`) : 'n/a');
  const redisCost = gateway?.redisCommandsPerPassThrough as { raw: number | null; net: number | null } | undefined;
  add('Redis commands per pass-through request', redisCost?.raw != null ? `${redisCost.raw.toFixed(4)} (net of idle ${redisCost.net?.toFixed(4)})` : 'n/a', redisCost?.net != null ? (redisCost.net < 0.001 ? '0 ✓' : '0 ✗') : 'n/a');
  const forms = gateway?.formsAccepted as { perSecond: number } | undefined;
  add('buffered form submissions accepted/s (Redis-confirmed)', forms ? String(forms.perSecond) : 'n/a', forms ? (forms.perSecond >= 5000 ? '≥ 5,000 ✓' : '≥ 5,000 ✗') : 'n/a');
  const replay = gateway?.replay as { perSecond: number | null; complete: boolean } | undefined;
  add('replay drained/s across accounts', replay?.perSecond != null ? `${replay.perSecond}${replay.complete ? '' : ' (incomplete)'}` : 'n/a', replay?.perSecond != null ? (replay.perSecond >= 3000 && replay.complete ? '≥ 3,000 ✓' : '≥ 3,000 ✗') : 'n/a');
  const propagation = gateway?.propagation as { p50: number | null; p99: number | null } | undefined;
  add('state change obeyed by 2 other instances p50 / p99', propagation ? `${propagation.p50} / ${propagation.p99} ms` : 'n/a', propagation?.p99 != null ? (propagation.p99 <= 100 ? 'p99 ≤ 100 ms ✓' : 'p99 ≤ 100 ms ✗') : 'n/a');
  add('gateway peak RSS', gateway?.peakRssMiB != null ? `${String(gateway.peakRssMiB)} MiB` : 'n/a', '');
  const notes = (results.notes as string[]).map((note) => `- ${note}`);
  const machine = results.machine as { cpus: number; cpu: string; node: string };
  return [`machine: ${machine.cpus} × ${machine.cpu}, node ${machine.node}`, '', ...lines, '', ...lines2, ...(notes.length ? ['', ...notes] : [])].join('\n');
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
