// `BENCH_ONLY=scale npm run bench`: the gateway at a million accounts (SPEC §11) — idle cost of one instance, 10,000
// notices due in one minute with 1 and 2 instances, pass-through over the million vs one account, 1 vs 2 workers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import type { AccountRecord, AccountSettings } from '../src/domain/account';
import { systemClock } from '../src/domain/clock';
import { MigrationService } from '../src/migration/service';
import { silentLogger } from '../src/observability/logger';
import { RedisStore } from '../src/store/redis/redis-store';
import { freePort, removeDir, startRedis, type RedisProcess } from '../test/support/redis-server';
import { ADMIN_TOKEN, API_PATH, SUPER_ADMIN } from './lib/gateway-admin';
import { measure, percentile, type LoadFigures, type LoadSettings } from './lib/load';
import { repoRoot, startService, type Service } from './lib/processes';
import { commandCalls, commandsBetween } from './lib/redis-stats';
import type { SinkMail } from './lib/smtp-sink';

const env = process.env;
const ACCOUNTS = Number(env.SCALE_ACCOUNTS ?? 1_000_000);
const MIGRATIONS = Number(env.SCALE_MIGRATIONS ?? 10_000);
const IDLE_SECONDS = Number(env.SCALE_IDLE_SECONDS ?? 30);
/** The timeline's tick in the gateways measured (the default of TIMELINE_TICK_MS). */
const TICK_MS = 15_000;
const LATE_BOUND_MS = TICK_MS + 5_000;
const LOAD_CHUNK = 10_000;
const PREFIX = 'mg:';
const load: LoadSettings = {
  connections: Number(env.BENCH_CONNECTIONS ?? 50),
  durationSec: Number(env.BENCH_DURATION ?? 8),
  warmupSec: Number(env.BENCH_WARMUP ?? 2),
};

const started = Date.now();
const progress = (message: string): void => {
  console.log(`[scale ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const accountId = (i: number): string => `acct-${String(i).padStart(7, '0')}`;
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

function settings(i: number): AccountSettings {
  return {
    dataLocation: 'us',
    timezone: 'Europe/Berlin',
    contactName: `Contact ${i}`,
    superAdmins: [{ id: SUPER_ADMIN, name: 'Bench Admin', email: `admin-${i}@customer.example` }],
    paymentsEnabled: false,
    ssoEnabled: false,
    hasSandbox: false,
    integrations: {},
    meetingLinks: {},
  };
}

/** Writes the accounts as the store keeps them (record + the id in the accounts set), pipelined, with progress. */
async function loadAccounts(url: string): Promise<{ seconds: number; perSecond: number; usedMemoryMiB: number }> {
  const client = new Redis(url);
  const t0 = performance.now();
  try {
    for (let from = 0; from < ACCOUNTS; from += LOAD_CHUNK) {
      const pipeline = client.pipeline();
      const ids: string[] = [];
      for (let i = from; i < Math.min(ACCOUNTS, from + LOAD_CHUNK); i += 1) {
        const id = accountId(i);
        const record: AccountRecord = { id, settings: settings(i), migration: null, version: 1, updatedAt: Date.now() };
        pipeline.set(`${PREFIX}{${id}}:account`, JSON.stringify(record));
        ids.push(id);
      }
      pipeline.sadd(`${PREFIX}{global}:accounts`, ...ids);
      await pipeline.exec();
      const done = Math.min(ACCOUNTS, from + LOAD_CHUNK);
      if (done % 100_000 === 0 || done === ACCOUNTS)
        progress(`loaded ${done.toLocaleString('en')} / ${ACCOUNTS.toLocaleString('en')} accounts`);
    }
    // As a store that began with the due index has it (the first instance built it, empty): no one-off walk at start.
    await client.set(`${PREFIX}{global}:due:built`, '1');
    const seconds = (performance.now() - t0) / 1000;
    const info = await client.info('memory');
    const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
    return { seconds: round(seconds), perSecond: Math.round(ACCOUNTS / seconds), usedMemoryMiB: Math.round(used / 2 ** 20) };
  } finally {
    client.disconnect();
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / clockTicks;
}
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

interface Ctx {
  logDir: string;
  configFile: string;
  redis: RedisProcess;
  upstreamUs: Service;
  upstreamEu: Service;
  services: Service[];
}

async function startGateway(ctx: Ctx, name: string, extra: Record<string, string> = {}): Promise<Service> {
  const service = await startService({
    name,
    command: process.execPath,
    args: ['dist/server.js'],
    port: await freePort(),
    env: {
      REDIS_URL: ctx.redis.url,
      REDIS_PREFIX: PREFIX,
      UPSTREAM_US: ctx.upstreamUs.url,
      UPSTREAM_EU: ctx.upstreamEu.url,
      ADMIN_TOKENS: ADMIN_TOKEN,
      GATEWAY_CONFIG: ctx.configFile,
      LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      NODE_ENV: 'production',
      ...extra,
    },
    logDir: ctx.logDir,
    readyPath: '/healthz',
    readyTimeoutMs: 60_000,
  });
  ctx.services.push(service);
  return service;
}

async function stopService(ctx: Ctx, service: Service): Promise<void> {
  await service.stop();
  ctx.services.splice(ctx.services.indexOf(service), 1);
}

interface IdleFigures {
  seconds: number;
  commandsPerSecond: number;
  byCommand: Record<string, number>;
  cpuPercentOfCore: number;
}

/** One instance left alone: Redis commands (INFO commandstats deltas) and its CPU over IDLE_SECONDS. */
async function idle(ctx: Ctx, gateway: Service): Promise<IdleFigures> {
  // Past start-up (subscriptions, first pass) before counting.
  await sleep(5000);
  const before = await commandCalls(ctx.redis.url);
  const cpuBefore = cpuSeconds(gateway.pid);
  const t0 = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = cpuSeconds(gateway.pid);
  const delta = commandsBetween(before, await commandCalls(ctx.redis.url));
  return {
    seconds: round(seconds),
    commandsPerSecond: round(delta.total / seconds, 2),
    byCommand: delta.byCommand,
    cpuPercentOfCore: round(((cpuAfter - cpuBefore) / seconds) * 100, 2),
  };
}

interface PassFigures extends LoadFigures {
  redisCommandsPerRequest: number;
}

async function passThrough(ctx: Ctx, gateway: Service, pick: () => string): Promise<PassFigures> {
  let before: Record<string, number> = {};
  const figures = await measure(
    {
      url: `${gateway.url}${API_PATH}`,
      requests: [
        {
          method: 'GET',
          path: API_PATH,
          setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'x-account-id': pick() } }),
        },
      ],
    },
    load,
    async () => {
      before = await commandCalls(ctx.redis.url);
    },
  );
  const delta = commandsBetween(before, await commandCalls(ctx.redis.url));
  return { ...figures, redisCommandsPerRequest: figures.total > 0 ? round(delta.total / figures.total, 3) : 0 };
}

interface TimelineFigures {
  instances: number;
  migrations: number;
  creationSeconds: number;
  creationPerSecond: number;
  delivered: number;
  distinctNotifications: number;
  duplicates: number;
  missing: number;
  latenessMs: { p50: number; p99: number; max: number };
  withinBound: number;
  lastDeliveryAfterLastCreationSeconds: number;
  sentByInstance: number[];
}

/** mg_notifications_total{kind="scheduled",outcome="sent"} from an instance's /metrics. */
async function sentScheduled(gateway: Service): Promise<number> {
  const text = await fetch(`${gateway.url}/metrics`).then((r) => r.text());
  const match = /^mg_notifications_total\{kind="scheduled",outcome="sent"\}\s+(\d+)/m.exec(text);
  return Number(match?.[1] ?? 0);
}

/**
 * MIGRATIONS migrations scheduled from this process (the store and the migration service, as an admin instance
 * would, but with no event listener: as if that instance died after each write), so the `scheduled` notices,
 * due at once, are found and sent by the gateways' timeline passes through the due index alone.
 */
async function timeline(ctx: Ctx, instances: number): Promise<TimelineFigures> {
  // The sink runs in its own process: in this one it would wait behind the scheduling and stamp arrivals late.
  const httpPort = await freePort();
  const sinkService = await startService({
    name: `smtp-sink-${instances}`,
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/servers/smtp-sink.ts'],
    port: await freePort(),
    env: { HTTP_PORT: String(httpPort) },
    logDir: ctx.logDir,
  });
  ctx.services.push(sinkService);
  const sinkApi = `http://127.0.0.1:${httpPort}`;
  const sinkUrl = `smtp://127.0.0.1:${sinkService.port}?ignoreTLS=true`;
  const gateways: Service[] = [];
  for (let i = 0; i < instances; i += 1) gateways.push(await startGateway(ctx, `timeline-${instances}-${i + 1}`, { SMTP_URL: sinkUrl }));
  const store = new RedisStore({ url: ctx.redis.url, prefix: PREFIX, commandTimeoutMs: 10_000 });
  const service = new MigrationService(store, systemClock, { migrationsPerDay: 10 * MIGRATIONS, unavailableDates: [] }, silentLogger);
  const start = new Date(Date.now() + 30 * 86_400_000);
  start.setUTCHours(9, 0, 0, 0);
  const dueAt = new Map<string, number>();
  const ids = Array.from({ length: MIGRATIONS }, (_, i) => `tl${instances}-${accountId(i)}`);
  progress(`timeline, ${instances} instance(s): scheduling ${MIGRATIONS.toLocaleString('en')} migrations`);
  const t0 = performance.now();
  const wallStart = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next] as string;
      next += 1;
      await service.putAccount(id, settings(next), 'bench');
      const { record } = await service.schedule(id, SUPER_ADMIN, { start: start.getTime(), target: 'eu' });
      dueAt.set(id, record.migration?.scheduledAt ?? Date.now());
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  const creationSeconds = (performance.now() - t0) / 1000;
  const lastCreated = Date.now();
  progress(`timeline, ${instances} instance(s): scheduled in ${creationSeconds.toFixed(1)} s; waiting for the notices at the sink`);
  const deadline = lastCreated + LATE_BOUND_MS + 60_000;
  const count = async () => ((await fetch(`${sinkApi}/count`).then((r) => r.json())) as { count: number }).count;
  while ((await count()) < MIGRATIONS && Date.now() < deadline) await sleep(250);
  // A little longer: a notice sent twice would show up now.
  await sleep(5000);
  const received = (await fetch(`${sinkApi}/mails`).then((r) => r.json())) as SinkMail[];
  const mails = received.filter((m) => dueAt.has(m.accountId) && m.kind === 'scheduled');
  const perNotification = new Map<string, number>();
  for (const m of mails) perNotification.set(m.notificationId, (perNotification.get(m.notificationId) ?? 0) + 1);
  const firstArrival = new Map<string, number>();
  for (const m of mails) if (!firstArrival.has(m.accountId)) firstArrival.set(m.accountId, m.at);
  const lateness = [...firstArrival].map(([id, at]) => at - (dueAt.get(id) ?? at));
  const sentByInstance = await Promise.all(gateways.map(sentScheduled));
  const lastArrival = Math.max(...mails.map((m) => m.at), lastCreated);
  await store.close();
  for (const gateway of gateways) await stopService(ctx, gateway);
  await stopService(ctx, sinkService);
  const figures: TimelineFigures = {
    instances,
    migrations: MIGRATIONS,
    creationSeconds: round(creationSeconds),
    creationPerSecond: Math.round(MIGRATIONS / creationSeconds),
    delivered: mails.length,
    distinctNotifications: perNotification.size,
    duplicates: [...perNotification.values()].reduce((sum, n) => sum + n - 1, 0),
    missing: MIGRATIONS - firstArrival.size,
    latenessMs:
      lateness.length > 0
        ? { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: Math.max(...lateness) }
        : { p50: NaN, p99: NaN, max: NaN },
    withinBound: lateness.filter((ms) => ms <= LATE_BOUND_MS).length,
    lastDeliveryAfterLastCreationSeconds: round((lastArrival - lastCreated) / 1000),
    sentByInstance,
  };
  progress(
    `timeline, ${instances} instance(s): ${figures.distinctNotifications}/${MIGRATIONS} notices at the sink, ${figures.duplicates} twice, ` +
      `lateness p50 ${figures.latenessMs.p50} ms p99 ${figures.latenessMs.p99} ms max ${figures.latenessMs.max} ms ` +
      `(${figures.withinBound} within ${LATE_BOUND_MS / 1000} s); sent per instance ${sentByInstance.join(' + ')}; wall ${((lastArrival - wallStart) / 1000).toFixed(1)} s`,
  );
  return figures;
}

function cacheMemory(): Record<string, unknown> {
  const run = (mode: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/lib/cache-memory.ts', mode], {
        cwd: repoRoot,
        encoding: 'utf8',
      }),
    ) as { bytesPerEntry: number; recordJsonBytes: number; entries: number };
  const records = run('records');
  const cache = run('cache');
  return {
    entries: cache.entries,
    bytesPerEntry: cache.bytesPerEntry,
    recordBytes: records.bytesPerEntry,
    cacheOverheadBytes: cache.bytesPerEntry - records.bytesPerEntry,
    recordJsonBytes: cache.recordJsonBytes,
  };
}

function writeConfig(dir: string): string {
  const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'default.json'), 'utf8')) as { limits?: Record<string, unknown> };
  config.limits = { ...config.limits, adminRequestsPerMinute: 1_000_000, migrationsPerDay: 1_000_000 };
  const file = path.join(dir, 'gateway-config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

const line = (figures: LoadFigures | PassFigures) =>
  `${String(figures.rps).padStart(6)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  [${Object.entries(figures.statuses)
    .map(([s, c]) => `${s}×${c}`)
    .join(' ')}${figures.errors ? ` errors×${figures.errors}` : ''}]`;

export async function runScale(): Promise<void> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'mg-scale-'));
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
  };
  progress(`machine: ${JSON.stringify(machine)}; logs in ${logDir}`);
  progress('building the gateway (npm run build)');
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  if (!existsSync(path.join(repoRoot, 'dist', 'server.js'))) throw new Error('dist/server.js was not produced by the build');

  const redis = await startRedis();
  const services: Service[] = [];
  const tsx = (script: string) => ({ command: process.execPath, args: ['--import', 'tsx', script] });
  const upstream = async (name: string) => {
    const service = await startService({
      name: `upstream-${name}`,
      ...tsx('bench/servers/upstream.ts'),
      port: await freePort(),
      env: { UPSTREAM_NAME: name },
      logDir,
    });
    services.push(service);
    return service;
  };
  const ctx: Ctx = {
    logDir,
    configFile: writeConfig(logDir),
    redis,
    upstreamUs: await upstream('us'),
    upstreamEu: await upstream('eu'),
    services,
  };
  const results: Record<string, unknown> = { date: new Date().toISOString(), machine, accounts: ACCOUNTS, migrations: MIGRATIONS, load };
  let failed = false;
  try {
    progress(
      `redis-server ${redis.url}: loading ${ACCOUNTS.toLocaleString('en')} accounts (pipelined, ${LOAD_CHUNK.toLocaleString('en')} per round trip)`,
    );
    results.loading = await loadAccounts(redis.url);
    progress(`loaded: ${JSON.stringify(results.loading)}`);

    const one = await startGateway(ctx, 'gateway-idle');
    progress(`one instance (pid ${one.pid}) idle for ${IDLE_SECONDS} s at ${ACCOUNTS.toLocaleString('en')} accounts, none migrating`);
    const idleFigures = await idle(ctx, one);
    results.idle = idleFigures;
    progress(
      `idle: ${idleFigures.commandsPerSecond} store commands/s ${JSON.stringify(idleFigures.byCommand)}, ${idleFigures.cpuPercentOfCore} % of a core (targets: ≤ 5 /s, < 2 %)`,
    );

    const single = await passThrough(ctx, one, () => accountId(0));
    progress(`pass-through, one account:              ${line(single)}  ${single.redisCommandsPerRequest} Redis commands/request`);
    const random = await passThrough(ctx, one, () => accountId(Math.floor(Math.random() * ACCOUNTS)));
    progress(
      `pass-through, random of ${ACCOUNTS.toLocaleString('en')}: ${line(random)}  ${random.redisCommandsPerRequest} Redis commands/request`,
    );
    results.passThrough = { oneAccount: single, randomAccounts: random, ratio: round(random.rps / Math.max(1, single.rps), 2) };
    await stopService(ctx, one);

    const two = await startGateway(ctx, 'gateway-workers-2', { WORKERS: '2' });
    await sleep(3000);
    const workers2 = await passThrough(ctx, two, () => accountId(0));
    progress(`pass-through, one account, WORKERS=2:   ${line(workers2)}`);
    results.workers = { one: single.rps, two: workers2.rps, ratio: round(workers2.rps / Math.max(1, single.rps), 2), twoFigures: workers2 };
    await stopService(ctx, two);

    results.timeline = [await timeline(ctx, 1), await timeline(ctx, 2)];

    results.stateCache = cacheMemory();
    progress(`state cache: ${JSON.stringify(results.stateCache)}`);

    const report = summary(results);
    console.log(`\n${report}\n`);
    results.report = report;
    writeFileSync(path.join(repoRoot, 'bench', 'scale-results.json'), `${JSON.stringify(results, null, 2)}\n`);
    progress('written bench/scale-results.json');
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await Promise.all(ctx.services.map((s) => s.stop()));
    await redis.stop();
    removeDir(redis.dir);
    if (!failed && env.BENCH_KEEP_LOGS !== '1') rmSync(logDir, { recursive: true, force: true });
    else progress(`logs kept in ${logDir}`);
  }
}

function summary(results: Record<string, unknown>): string {
  const idleFigures = results.idle as IdleFigures;
  const pass = results.passThrough as { oneAccount: PassFigures; randomAccounts: PassFigures; ratio: number };
  const workers = results.workers as { one: number; two: number; ratio: number };
  const runs = results.timeline as TimelineFigures[];
  const ok = (pass: boolean) => (pass ? 'met' : 'NOT met');
  const rows = [
    `accounts stored                          ${ACCOUNTS.toLocaleString('en')}`,
    `idle store commands/s (one instance)     ${idleFigures.commandsPerSecond}   target ≤ 5: ${ok(idleFigures.commandsPerSecond <= 5)}`,
    `idle CPU, % of one core                  ${idleFigures.cpuPercentOfCore}   target < 2: ${ok(idleFigures.cpuPercentOfCore < 2)}`,
    `pass-through, one account                ${pass.oneAccount.rps} req/s (${pass.oneAccount.redisCommandsPerRequest} Redis commands/request)`,
    `pass-through, random of the million      ${pass.randomAccounts.rps} req/s (${pass.randomAccounts.redisCommandsPerRequest} Redis commands/request), ${pass.ratio} × one account`,
    `WORKERS=1 vs WORKERS=2 (one account)     ${workers.one} vs ${workers.two} req/s, ${workers.ratio} ×`,
  ];
  for (const run of runs) {
    rows.push(
      `${run.migrations.toLocaleString('en')} notices due at scheduling, ${run.instances} instance(s): scheduled in ${run.creationSeconds} s (${run.creationPerSecond}/s); ` +
        `${run.distinctNotifications} delivered, ${run.duplicates} twice, ${run.missing} missing; lateness p50 ${run.latenessMs.p50} ms, p99 ${run.latenessMs.p99} ms, max ${run.latenessMs.max} ms; ` +
        `target all within ${LATE_BOUND_MS / 1000} s, none twice: ${ok(run.withinBound === run.migrations && run.duplicates === 0)}; sent per instance ${run.sentByInstance.join(' + ')}`,
    );
  }
  const cache = results.stateCache as { bytesPerEntry: number; cacheOverheadBytes: number; recordJsonBytes: number } | undefined;
  if (cache)
    rows.push(
      `state cache memory per entry             ${cache.bytesPerEntry} bytes (record ${cache.bytesPerEntry - cache.cacheOverheadBytes}, cache ${cache.cacheOverheadBytes}; JSON ${cache.recordJsonBytes} bytes)`,
    );
  return rows.join('\n');
}
