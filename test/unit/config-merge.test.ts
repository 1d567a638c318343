// A config file sets only what it changes: the rest comes from the defaults, the upstreams may come from the environment.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { parseEnv, type RawEnv } from '../../src/config/env';
import { ConfigError, loadConfig } from '../../src/config/load';
import { createGateway } from '../../src/gateway';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-config-merge-'));
let files = 0;
function configFile(content: unknown): string {
  const file = path.join(dir, `gw-${(files += 1)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
const load = (env: RawEnv) => loadConfig(parseEnv(env));
function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('accepted');
}

/** The SPEC §7 table as shipped in config/default.json (16 routes, /api/** first, integrations last). */
const SHIPPED_FIRST = { path: '/api/**', surface: 'api' };
const SHIPPED_LAST = { path: '/integrations/:integration/**', surface: 'integration' };

describe('a partial config file', () => {
  it('that only sets a limit starts with the shipped routes, the other defaults and the environment’s upstreams', () => {
    const file = configFile({ limits: { upstreamTimeoutMs: 5000 } });
    const config = load({ GATEWAY_CONFIG: file, UPSTREAM_US: 'http://us.test', UPSTREAM_EU: 'http://eu.test' });
    expect(config.limits.upstreamTimeoutMs).toBe(5000);
    expect(config.limits.maxBodyBytes).toBe(1024 * 1024);
    expect(config.limits.migrationsPerDay).toBe(50);
    expect(config.routes).toHaveLength(16);
    expect(config.routes[0]).toEqual(SHIPPED_FIRST);
    expect(config.routes[15]).toEqual(SHIPPED_LAST);
    expect(config.upstreams).toEqual({
      us: { url: 'http://us.test', preserveHost: false },
      eu: { url: 'http://eu.test', preserveHost: false },
    });
    expect(config.account.sources).toEqual(['path', 'host', 'token', 'header', 'query', 'cookie']);
    expect(config.defaultRegion).toBe('us');
  });

  it('that is empty starts too', () => {
    const config = load({ GATEWAY_CONFIG: configFile({}), UPSTREAM_US: 'http://us.test', UPSTREAM_EU: 'http://eu.test' });
    expect(config.routes).toHaveLength(16);
    expect(config.limits.upstreamTimeoutMs).toBe(30_000);
  });

  it('without an upstream is refused naming both ways to set each missing one', () => {
    const file = configFile({ limits: { upstreamTimeoutMs: 5000 } });
    const both = refusal(() => load({ GATEWAY_CONFIG: file }));
    expect(both).toBeInstanceOf(ConfigError);
    expect(both.code).toBe('ERR_CONFIG_UPSTREAM');
    expect(both.message).toBe(
      `no upstream for the us region: set UPSTREAM_US or upstreams.us in the config file (${file}); ` +
        `no upstream for the eu region: set UPSTREAM_EU or upstreams.eu in the config file (${file})`,
    );
    const eu = refusal(() => load({ GATEWAY_CONFIG: configFile({ upstreams: { us: 'http://us.test' } }) }));
    expect(eu.message).toMatch(/^no upstream for the eu region: set UPSTREAM_EU or upstreams\.eu in the config file \(.*\)$/);
  });

  it('still refuses what it sets wrongly, naming the entry', () => {
    const error = refusal(() =>
      load({
        GATEWAY_CONFIG: configFile({ limits: { upstreamTimeoutMs: 'soon' } }),
        UPSTREAM_US: 'http://us.test',
        UPSTREAM_EU: 'http://eu.test',
      }),
    );
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.message).toContain('limits.upstreamTimeoutMs');
    expect(refusal(() => load({ GATEWAY_CONFIG: configFile({ upstreams: 'http://us.test' }) })).message).toContain('upstreams:');
    expect(
      refusal(() => load({ GATEWAY_CONFIG: configFile({ routes: [] }), UPSTREAM_US: 'http://us.test', UPSTREAM_EU: 'http://eu.test' }))
        .message,
    ).toContain('routes:');
  });

  it('must hold a JSON object', () => {
    const file = configFile('[1, 2]');
    const error = refusal(() => load({ GATEWAY_CONFIG: file }));
    expect(error.code).toBe('ERR_CONFIG_FILE');
    expect(error.message).toBe(`config file ${file} must hold a JSON object`);
  });
});

describe('the environment over the file', () => {
  const fileWithEverything = () =>
    configFile({
      upstreams: { us: { url: 'http://file-us.test', preserveHost: true }, eu: 'http://file-eu.test' },
      adminTokens: ['from-file'],
      bypassSecret: 'f'.repeat(32),
    });

  it('replaces an upstream’s address, keeping the file’s preserveHost', () => {
    const config = load({ GATEWAY_CONFIG: fileWithEverything(), UPSTREAM_US: 'http://env-us.test' });
    expect(config.upstreams).toEqual({
      us: { url: 'http://env-us.test', preserveHost: true },
      eu: { url: 'http://file-eu.test', preserveHost: false },
    });
  });

  it('replaces the bypass secret and adds admin tokens', () => {
    const config = load({ GATEWAY_CONFIG: fileWithEverything(), BYPASS_SECRET: 'e'.repeat(32), ADMIN_TOKENS: 'env-1,env-2' });
    expect(config.bypassSecret).toBe('e'.repeat(32));
    expect(config.adminTokens).toEqual(['from-file', 'env-1', 'env-2']);
  });

  it('leaves the file’s values when unset', () => {
    const config = load({ GATEWAY_CONFIG: fileWithEverything() });
    expect(config.upstreams.us).toEqual({ url: 'http://file-us.test', preserveHost: true });
    expect(config.bypassSecret).toBe('f'.repeat(32));
    expect(config.adminTokens).toEqual(['from-file']);
  });
});

describe('createGateway options', () => {
  it('take a config that only sets a limit', async () => {
    const app = createGateway({
      config: { limits: { upstreamTimeoutMs: 5000 } },
      upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
      background: false,
    });
    expect(app.gateway.config.limits.upstreamTimeoutMs).toBe(5000);
    expect(app.gateway.config.routes).toHaveLength(16);
    expect((await request(app).get('/healthz')).status).toBe(200);
    await app.gateway.close();
  });

  it('refuse a gateway without upstreams, naming the option', () => {
    const error = refusal(() => createGateway({ config: { upstreams: { us: 'http://127.0.0.1:9' } }, background: false }));
    expect(error.code).toBe('ERR_CONFIG_UPSTREAM');
    expect(error.message).toBe('no upstream for the eu region: set the `upstreams` option or config.upstreams.eu');
  });

  it('parse the compatibility `env` option with the same schema, ignoring server variables', async () => {
    const upstreams = { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' };
    expect(() => createGateway({ upstreams, env: { REPLAY_CONCURRENCY: 'many' }, background: false })).toThrow(
      'invalid environment: REPLAY_CONCURRENCY: must be a positive whole number (got "many")',
    );
    const app = createGateway({ upstreams, env: { PORT: 'not the library’s', REPLAY_CONCURRENCY: '2' }, background: false });
    await app.gateway.close();
  });
});
