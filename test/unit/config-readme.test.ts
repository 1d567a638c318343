// The README's table of environment variables and the schema name the same variables with the same defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema, ENV_DOCS, parseEnv, type EnvName } from '../../src/config/env';
import { DEFAULT_REPLAYER_OPTIONS } from '../../src/buffer/replayer';
import { DEFAULT_RETRY } from '../../src/timeline/outbox';
import { DEFAULT_TICK_INTERVAL_MS } from '../../src/timeline/parts';

/** Rows of the `| env | meaning | default |` table in the README's Configuration section: name → default cell. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const lines = section.split('\n');
  const header = lines.indexOf('| env | meaning | default |');
  if (header === -1) throw new Error('no | env | meaning | default | table in the Configuration section');
  const rows = new Map<string, string>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim());
    const name = /^`([A-Z0-9_]+)`$/.exec(cells[0] ?? '')?.[1];
    if (!name) throw new Error(`a row must name exactly one variable: ${line}`);
    if (rows.has(name)) throw new Error(`${name} has two rows`);
    rows.set(name, (cells[cells.length - 1] ?? '').replace(/`/g, ''));
  }
  return rows;
}

describe('README Configuration table', () => {
  const table = readmeTable();

  it('has one row for every variable in the schema, and none that is not in it', () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('gives each variable the default the schema documents', () => {
    const documented = Object.fromEntries(Object.entries(ENV_DOCS).map(([name, doc]) => [name, doc.default]));
    expect(Object.fromEntries(table)).toEqual(documented);
  });
});

describe('the documented defaults', () => {
  const number = (name: EnvName) => Number(ENV_DOCS[name].default);

  it('are the ones the server runs with', () => {
    const settings = parseEnv({});
    expect(settings.port).toBe(number('PORT'));
    expect(settings.host).toBe(ENV_DOCS.HOST.default);
    expect(parseEnv({ REDIS_URL: 'redis://r:1' }).redis).toEqual({
      url: 'redis://r:1',
      cluster: false,
      prefix: ENV_DOCS.REDIS_PREFIX.default,
    });
    expect(settings.workers).toBe(number('WORKERS'));
    expect(settings.shutdownGraceMs).toBe(number('SHUTDOWN_GRACE_MS'));
    expect(settings.logLevel).toBe(ENV_DOCS.LOG_LEVEL.default);
    expect(settings.testWorkerHeader).toBe(false);
  });

  it('are the ones the replayer and the timeline fall back on', () => {
    expect({
      concurrency: number('REPLAY_CONCURRENCY'),
      batchSize: number('REPLAY_BATCH_SIZE'),
      batchBytes: number('REPLAY_BATCH_BYTES'),
      leaseTtlMs: number('REPLAY_LEASE_TTL_MS'),
      backoffBaseMs: number('REPLAY_BACKOFF_BASE_MS'),
      backoffMaxMs: number('REPLAY_BACKOFF_MAX_MS'),
      maxAttempts: number('REPLAY_MAX_ATTEMPTS'),
      pollIntervalMs: number('REPLAY_POLL_INTERVAL_MS'),
      progressEvery: number('REPLAY_PROGRESS_EVERY'),
      settleGraceMs: number('REPLAY_SETTLE_GRACE_MS'),
      recheckMs: number('REPLAY_RECHECK_MS'),
    }).toEqual({
      concurrency: DEFAULT_REPLAYER_OPTIONS.concurrency,
      batchSize: DEFAULT_REPLAYER_OPTIONS.batchSize,
      batchBytes: DEFAULT_REPLAYER_OPTIONS.batchBytes,
      leaseTtlMs: DEFAULT_REPLAYER_OPTIONS.leaseTtlMs,
      backoffBaseMs: DEFAULT_REPLAYER_OPTIONS.backoffBaseMs,
      backoffMaxMs: DEFAULT_REPLAYER_OPTIONS.backoffMaxMs,
      maxAttempts: DEFAULT_REPLAYER_OPTIONS.maxAttempts,
      pollIntervalMs: DEFAULT_REPLAYER_OPTIONS.pollIntervalMs,
      progressEvery: DEFAULT_REPLAYER_OPTIONS.progressEvery,
      settleGraceMs: DEFAULT_REPLAYER_OPTIONS.settleGraceMs,
      recheckMs: DEFAULT_REPLAYER_OPTIONS.recheckMs,
    });
    expect(number('TIMELINE_TICK_MS')).toBe(DEFAULT_TICK_INTERVAL_MS);
    expect({
      maxAttempts: number('NOTIFY_MAX_ATTEMPTS'),
      baseDelayMs: number('NOTIFY_BACKOFF_BASE_MS'),
      maxDelayMs: number('NOTIFY_BACKOFF_MAX_MS'),
    }).toEqual(DEFAULT_RETRY);
  });
});
