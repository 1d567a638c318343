// Reads the config file and the environment into one validated GatewayConfig; errors name the bad entry.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ZodError } from 'zod';
import { configSchema, type GatewayConfig, type GatewayConfigInput } from './schema';

export class ConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

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

/** The route table shipped in config/default.json: what createGateway() uses when given none. */
export function defaultRoutes(): GatewayConfigInput['routes'] {
  const raw = JSON.parse(readFileSync(defaultConfigPath(), 'utf8')) as GatewayConfigInput;
  return raw.routes;
}

/** The server's configuration: the file (GATEWAY_CONFIG or config/default.json) overlaid with the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const file = env.GATEWAY_CONFIG ?? defaultConfigPath();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('ERR_CONFIG_FILE', `cannot read config file ${file}: ${(error as Error).message}`);
  }
  const input = { ...(raw as GatewayConfigInput) };
  type Upstream = GatewayConfigInput['upstreams']['us'];
  const upstreams = { ...(input.upstreams ?? {}) } as { us: Upstream; eu: Upstream };
  // The environment names the address; a file's `preserveHost` for that region still holds.
  const withUrl = (current: Upstream | undefined, url: string): Upstream => (current && typeof current === 'object' ? { ...current, url } : url);
  if (env.UPSTREAM_US) upstreams.us = withUrl(upstreams.us, env.UPSTREAM_US);
  if (env.UPSTREAM_EU) upstreams.eu = withUrl(upstreams.eu, env.UPSTREAM_EU);
  input.upstreams = upstreams;
  const tokens = (env.ADMIN_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  input.adminTokens = [...(input.adminTokens ?? []), ...tokens];
  if (env.BYPASS_SECRET) input.bypassSecret = env.BYPASS_SECRET;
  return parseConfig(input);
}
