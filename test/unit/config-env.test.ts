// The environment schema: each refusal names its variable and rule, defaults are filled in, secrets are never shown.
import { ConfigError } from '../../src/config/config-error';
import { envSchema, parseEnv, parsePartsEnv, ENV_DOCS, type EnvName } from '../../src/config/env';

function refusal(env: Record<string, string>): ConfigError {
  try {
    parseEnv(env);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error(`parseEnv accepted ${JSON.stringify(env)}`);
}

describe('parseEnv', () => {
  it('fills in the defaults when nothing is set', () => {
    expect(parseEnv({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      redis: null,
      configFile: undefined,
      upstreams: {},
      adminTokens: [],
      bypassSecret: undefined,
      workers: 1,
      shutdownGraceMs: 10_000,
      logLevel: 'info',
      testWorkerHeader: false,
      // A replay in flight at SIGTERM gets the grace period less 100 ms, at most 5 s.
      parts: { replay: { stopGraceMs: 5000 }, timeline: { retry: {} }, notify: {} },
      warnings: [],
    });
  });

  it('takes an empty variable as unset', () => {
    expect(parseEnv({ PORT: '', WORKERS: '', REDIS_URL: '', LOG_LEVEL: '' })).toEqual(parseEnv({}));
  });

  it('types every value it reads', () => {
    const settings = parseEnv({
      PORT: '9090',
      HOST: '127.0.0.1',
      REDIS_URL: 'redis://127.0.0.1:7000,redis://127.0.0.1:7001',
      REDIS_CLUSTER: 'true',
      REDIS_PREFIX: 'gw2:',
      UPSTREAM_US: 'http://us.test',
      UPSTREAM_EU: 'https://eu.test/base',
      GATEWAY_CONFIG: '/etc/gw.json',
      ADMIN_TOKENS: ' a , b,,sha256:' + 'ab'.repeat(32),
      BYPASS_SECRET: 'b'.repeat(32),
      WORKERS: 'auto',
      SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'DEBUG',
      REPLAY_SIGNING_SECRET: 's'.repeat(40),
      REPLAY_CONCURRENCY: '3',
      REPLAY_BATCH_SIZE: '10',
      REPLAY_BATCH_BYTES: '1048576',
      REPLAY_LEASE_TTL_MS: '2500',
      REPLAY_BACKOFF_BASE_MS: '200',
      REPLAY_BACKOFF_MAX_MS: '60000',
      REPLAY_MAX_ATTEMPTS: '5',
      REPLAY_POLL_INTERVAL_MS: '100',
      REPLAY_REQUEST_TIMEOUT_MS: '7000',
      REPLAY_PROGRESS_EVERY: '50',
      REPLAY_SETTLE_GRACE_MS: '30000',
      REPLAY_RECHECK_MS: '1000',
      TIMELINE_TICK_MS: '2000',
      NOTIFY_MAX_ATTEMPTS: '4',
      NOTIFY_BACKOFF_BASE_MS: '1000',
      NOTIFY_BACKOFF_MAX_MS: '60000',
      NOTIFY_WEBHOOK_URL: 'https://hooks.test/n',
      NOTIFY_OPERATOR_EMAIL: 'ops@example.test',
      NOTIFY_FROM: 'gateway@example.test',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MG_TEST_WORKER_HEADER: '1',
    });
    expect(settings).toEqual({
      port: 9090,
      host: '127.0.0.1',
      redis: { url: 'redis://127.0.0.1:7000,redis://127.0.0.1:7001', cluster: true, prefix: 'gw2:' },
      configFile: '/etc/gw.json',
      upstreams: { us: 'http://us.test', eu: 'https://eu.test/base' },
      adminTokens: ['a', 'b', 'sha256:' + 'ab'.repeat(32)],
      bypassSecret: 'b'.repeat(32),
      workers: 'auto',
      shutdownGraceMs: 1000,
      logLevel: 'debug',
      testWorkerHeader: true,
      parts: {
        replay: {
          signingSecret: 's'.repeat(40),
          concurrency: 3,
          batchSize: 10,
          batchBytes: 1_048_576,
          leaseTtlMs: 2500,
          backoffBaseMs: 200,
          backoffMaxMs: 60_000,
          maxAttempts: 5,
          pollIntervalMs: 100,
          requestTimeoutMs: 7000,
          progressEvery: 50,
          settleGraceMs: 30_000,
          // Not set: SHUTDOWN_GRACE_MS − 100.
          stopGraceMs: 900,
          recheckMs: 1000,
        },
        timeline: { tickIntervalMs: 2000, retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 } },
        notify: {
          smtpUrl: 'smtp://127.0.0.1:2525',
          from: 'gateway@example.test',
          webhookUrl: 'https://hooks.test/n',
          operatorEmail: 'ops@example.test',
        },
      },
      warnings: [],
    });
  });

  it('keeps an explicit REPLAY_STOP_GRACE_MS over the one derived from SHUTDOWN_GRACE_MS', () => {
    expect(parseEnv({ SHUTDOWN_GRACE_MS: '1000', REPLAY_STOP_GRACE_MS: '300' }).parts.replay.stopGraceMs).toBe(300);
    expect(parseEnv({ SHUTDOWN_GRACE_MS: '0' }).parts.replay.stopGraceMs).toBe(1);
  });

  it('reads REDIS_CLUSTER 0 and false as off', () => {
    expect(parseEnv({ REDIS_URL: 'redis://r:1', REDIS_CLUSTER: '0' }).redis).toEqual({ url: 'redis://r:1', cluster: false, prefix: 'mg:' });
    expect(parseEnv({ REDIS_URL: 'redis://r:1', REDIS_CLUSTER: 'FALSE' }).redis?.cluster).toBe(false);
  });

  it.each<[EnvName, string, string]>([
    ['PORT', 'http', 'PORT: must be a port number from 0 to 65535 (got "http")'],
    ['PORT', '65536', 'PORT: must be a port number from 0 to 65535 (got "65536")'],
    ['HOST', '   ', 'HOST: must name an address to listen on (got "   ")'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL: must be a redis:// or rediss:// URL (for a cluster: several, comma separated)'],
    ['REDIS_CLUSTER', 'yes', 'REDIS_CLUSTER: must be 1, true, 0 or false (got "yes")'],
    ['UPSTREAM_US', 'us.internal:8080', 'UPSTREAM_US: must be an http:// or https:// URL'],
    ['UPSTREAM_EU', 'ftp://eu.internal', 'UPSTREAM_EU: must be an http:// or https:// URL'],
    ['ADMIN_TOKENS', 'sha256:abc', 'ADMIN_TOKENS: an entry starting with sha256: must be followed by the 64 hex digits of the digest'],
    ['BYPASS_SECRET', 'short', 'BYPASS_SECRET: must be at least 32 characters long'],
    ['WORKERS', 'two', 'WORKERS: must be "auto" or a whole number from 1 to 256 (got "two")'],
    ['WORKERS', '257', 'WORKERS: must be "auto" or a whole number from 1 to 256 (got "257")'],
    ['SHUTDOWN_GRACE_MS', '10s', 'SHUTDOWN_GRACE_MS: must be a whole number of milliseconds (got "10s")'],
    ['SHUTDOWN_GRACE_MS', '-1', 'SHUTDOWN_GRACE_MS: must be a whole number of milliseconds (got "-1")'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
    ['REPLAY_SIGNING_SECRET', 'too-short', 'REPLAY_SIGNING_SECRET: must be at least 32 characters long'],
    ['REPLAY_CONCURRENCY', '0', 'REPLAY_CONCURRENCY: must be a positive whole number (got "0")'],
    ['REPLAY_BATCH_SIZE', '1.5', 'REPLAY_BATCH_SIZE: must be a positive whole number (got "1.5")'],
    ['REPLAY_BATCH_BYTES', '16MiB', 'REPLAY_BATCH_BYTES: must be a positive whole number of bytes (got "16MiB")'],
    ['REPLAY_LEASE_TTL_MS', '0', 'REPLAY_LEASE_TTL_MS: must be a whole number of milliseconds, 1 or more (got "0")'],
    ['REPLAY_BACKOFF_BASE_MS', 'ten', 'REPLAY_BACKOFF_BASE_MS: must be a whole number of milliseconds, 1 or more (got "ten")'],
    ['REPLAY_BACKOFF_MAX_MS', '1e3', 'REPLAY_BACKOFF_MAX_MS: must be a whole number of milliseconds, 1 or more (got "1e3")'],
    ['REPLAY_MAX_ATTEMPTS', '-3', 'REPLAY_MAX_ATTEMPTS: must be a positive whole number (got "-3")'],
    ['REPLAY_POLL_INTERVAL_MS', 'x', 'REPLAY_POLL_INTERVAL_MS: must be a whole number of milliseconds, 1 or more (got "x")'],
    ['REPLAY_REQUEST_TIMEOUT_MS', '0', 'REPLAY_REQUEST_TIMEOUT_MS: must be a whole number of milliseconds, 1 or more (got "0")'],
    ['REPLAY_PROGRESS_EVERY', 'often', 'REPLAY_PROGRESS_EVERY: must be a positive whole number (got "often")'],
    ['REPLAY_SETTLE_GRACE_MS', '0', 'REPLAY_SETTLE_GRACE_MS: must be a whole number of milliseconds, 1 or more (got "0")'],
    ['REPLAY_STOP_GRACE_MS', '0', 'REPLAY_STOP_GRACE_MS: must be a whole number of milliseconds, 1 or more (got "0")'],
    ['REPLAY_RECHECK_MS', '5 s', 'REPLAY_RECHECK_MS: must be a whole number of milliseconds, 1 or more (got "5 s")'],
    ['TIMELINE_TICK_MS', '0', 'TIMELINE_TICK_MS: must be a whole number of milliseconds, 1 or more (got "0")'],
    ['NOTIFY_MAX_ATTEMPTS', '0', 'NOTIFY_MAX_ATTEMPTS: must be a positive whole number (got "0")'],
    ['NOTIFY_BACKOFF_BASE_MS', '30s', 'NOTIFY_BACKOFF_BASE_MS: must be a whole number of milliseconds, 1 or more (got "30s")'],
    ['NOTIFY_BACKOFF_MAX_MS', '1h', 'NOTIFY_BACKOFF_MAX_MS: must be a whole number of milliseconds, 1 or more (got "1h")'],
    ['NOTIFY_WEBHOOK_URL', 'hooks.test/n', 'NOTIFY_WEBHOOK_URL: must be an http:// or https:// URL'],
    ['NOTIFY_OPERATOR_EMAIL', 'ops', 'NOTIFY_OPERATOR_EMAIL: must be an email address (several: comma separated) (got "ops")'],
    ['SMTP_URL', 'mail.test:25', 'SMTP_URL: must be an smtp:// or smtps:// URL'],
  ])('refuses %s=%j with ERR_CONFIG_ENV: %s', (name, value, message) => {
    const error = refusal({ [name]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('ERR_CONFIG_ENV');
    expect(error.message).toBe(`invalid environment: ${message}`);
  });

  it('names every refused variable at once', () => {
    expect(refusal({ PORT: 'x', WORKERS: '0', LOG_LEVEL: 'loud' }).message).toBe(
      'invalid environment: PORT: must be a port number from 0 to 65535 (got "x"); WORKERS: must be "auto" or a whole number from 1 to 256 (got "0"); ' +
        'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
  });

  it.each<[EnvName, string]>([
    ['REDIS_URL', 'http://default:hunter2-redis-pw@redis.internal:6379'],
    ['UPSTREAM_US', 'ftp://gw:hunter2-us-pw@us.internal'],
    ['UPSTREAM_EU', 'gw:hunter2-eu-pw@eu.internal'],
    ['ADMIN_TOKENS', 'hunter2-admin-token,sha256:hunter2'],
    ['BYPASS_SECRET', 'hunter2-bypass'],
    ['REPLAY_SIGNING_SECRET', 'hunter2-signing'],
    ['NOTIFY_WEBHOOK_URL', 'hooks.test/hunter2-webhook-token'],
    ['SMTP_URL', 'http://mailer:hunter2-smtp-pw@mail.test'],
  ])('never shows the value of the secret %s in its refusal', (name, value) => {
    expect(ENV_DOCS[name].secret).toBe(true);
    const error = refusal({ [name]: value });
    expect(error.message).toContain(`${name}: `);
    expect(error.message).not.toContain('hunter2');
    expect(error.stack ?? '').not.toContain('hunter2');
  });

  it('warns of a variable that looks like the gateway’s but is not one', () => {
    expect(parseEnv({ REPLAY_BATCH_BYTE: '10', NOTIFY_EMAIL: 'x@y', PATH: '/bin', HOME: '/root' }).warnings).toEqual([
      'NOTIFY_EMAIL is not a variable the gateway reads (ignored): see README, Configuration',
      'REPLAY_BATCH_BYTE is not a variable the gateway reads (ignored): see README, Configuration',
    ]);
  });

  it('documents a default for every variable in the schema', () => {
    expect(Object.keys(ENV_DOCS).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});

describe('parsePartsEnv (createGateway’s env option)', () => {
  it('reads only the parts’ variables, through the same rules', () => {
    expect(
      parsePartsEnv({ PORT: 'not read', WORKERS: 'not read', REPLAY_CONCURRENCY: '2', TIMELINE_TICK_MS: '500', SMTP_URL: 'smtp://m.test' }),
    ).toEqual({
      replay: { concurrency: 2 },
      timeline: { tickIntervalMs: 500, retry: {} },
      notify: { smtpUrl: 'smtp://m.test' },
    });
    expect(() => parsePartsEnv({ NOTIFY_BACKOFF_MAX_MS: 'soon' })).toThrow(
      'invalid environment: NOTIFY_BACKOFF_MAX_MS: must be a whole number of milliseconds, 1 or more (got "soon")',
    );
  });
});
