// Reads the config file and the parsed environment into one validated GatewayConfig; errors name the bad entry.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ZodError } from 'zod';
import { ConfigError } from './config-error';
import type { EnvSettings } from './env';
import { configSchema, type GatewayConfig, type GatewayConfigInput } from './schema';

export { ConfigError };

type UpstreamInput = GatewayConfigInput['upstreams']['us'];

/** A config as a file or createGateway() may give it: every key optional, the upstreams per region too. */
export type PartialConfigInput = Omit<Partial<GatewayConfigInput>, 'upstreams'> & {
  upstreams?: { us?: UpstreamInput; eu?: UpstreamInput };
};

function describe(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : '(root)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates a config object (defaults filled in); throws ConfigError ERR_CONFIG naming each bad entry. */
export function parseConfig(input: GatewayConfigInput): GatewayConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError('ERR_CONFIG', `invalid configuration: ${describe(parsed.error)}`);
  return parsed.data;
}

export function defaultConfigPath(): string {
  return path.join(__dirname, '..', '..', 'config', 'default.json');
}

/** The route table shipped in config/default.json: what a config without `routes` uses. */
export function defaultRoutes(): GatewayConfigInput['routes'] {
  const raw = JSON.parse(readFileSync(defaultConfigPath(), 'utf8')) as GatewayConfigInput;
  return raw.routes;
}

/** How a caller can set a region's upstream, for the refusal when neither did (e.g. "UPSTREAM_US or upstreams.us in the config file"). */
export type UpstreamHint = (region: 'us' | 'eu') => string;

/**
 * Fills what a partial config leaves out and validates the result: routes default to the shipped table, the other
 * keys to the schema's defaults. Both upstreams must be known by now; a missing one is ERR_CONFIG_UPSTREAM naming
 * the ways to set it.
 */
export function completeConfig(input: PartialConfigInput, hint: UpstreamHint): GatewayConfig {
  const given = input.upstreams;
  // Anything but an object is left for the schema to refuse in its own words.
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    return parseConfig({ ...input, routes: input.routes ?? defaultRoutes() } as GatewayConfigInput);
  }
  const upstreams = { ...(given ?? {}) };
  const missing = (['us', 'eu'] as const).filter((region) => upstreams[region] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      'ERR_CONFIG_UPSTREAM',
      missing.map((region) => `no upstream for the ${region} region: set ${hint(region)}`).join('; '),
    );
  }
  return parseConfig({ ...input, upstreams: upstreams as GatewayConfigInput['upstreams'], routes: input.routes ?? defaultRoutes() });
}

/** The environment's part of the configuration, as parsed by parseEnv(). */
export type ConfigEnv = Pick<EnvSettings, 'configFile' | 'upstreams' | 'adminTokens' | 'bypassSecret'>;

/** The server's configuration: the file (GATEWAY_CONFIG or config/default.json) overlaid with the environment. */
export function loadConfig(env: ConfigEnv): GatewayConfig {
  const file = env.configFile ?? defaultConfigPath();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_FILE', `cannot read config file ${file}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('ERR_CONFIG_FILE', `config file ${file} must hold a JSON object`);
  }
  const input = { ...(raw as PartialConfigInput) };
  const fileUpstreams = input.upstreams;
  if (typeof fileUpstreams === 'object' && fileUpstreams !== null && !Array.isArray(fileUpstreams)) {
    const upstreams = { ...fileUpstreams };
    // The environment names the address; a file's `preserveHost` for that region still holds.
    const withUrl = (current: UpstreamInput | undefined, url: string): UpstreamInput =>
      current && typeof current === 'object' ? { ...current, url } : url;
    if (env.upstreams.us) upstreams.us = withUrl(upstreams.us, env.upstreams.us);
    if (env.upstreams.eu) upstreams.eu = withUrl(upstreams.eu, env.upstreams.eu);
    input.upstreams = upstreams;
  } else if (fileUpstreams === undefined) {
    input.upstreams = { ...env.upstreams };
  }
  input.adminTokens = [...(input.adminTokens ?? []), ...env.adminTokens];
  if (env.bypassSecret) input.bypassSecret = env.bypassSecret;
  return completeConfig(input, (region) => `UPSTREAM_${region.toUpperCase()} or upstreams.${region} in the config file (${file})`);
}
