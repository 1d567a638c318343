// The real server process: a bad environment variable stops the start naming it; a config file of one limit starts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { startUpstream, type Upstream } from '../support/upstream';

jest.setTimeout(60_000);

const gateways: GatewayProcess[] = [];
let us: Upstream;
let eu: Upstream;

beforeAll(async () => {
  us = await startUpstream({ name: 'us' });
  eu = await startUpstream({ name: 'eu' });
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gw) => gw.stop('SIGKILL')));
});

afterAll(async () => {
  await us.close();
  await eu.close();
});

/** The message of the fatal 'failed to start' line, after the process has exited with `code`. */
async function startFailure(env: Record<string, string>): Promise<{ code: number | null; message: string; output: string }> {
  const gw = await startGatewayProcess({ env, waitForHealth: false });
  gateways.push(gw);
  const code = await gw.exited;
  const fatal = gw.logs.find((l) => l.json?.msg === 'failed to start');
  const err = fatal?.json?.err as { message?: string } | undefined;
  return { code, message: err?.message ?? '(no failed to start line)', output: gw.logs.map((l) => l.line).join('\n') };
}

function limitsOnlyFile(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mg-e2e-config-')), 'gw.json');
  writeFileSync(file, JSON.stringify({ limits: { upstreamTimeoutMs: 5000 } }));
  return file;
}

it('exits 1 on a bad variable, naming it and its rule', async () => {
  const failure = await startFailure({ UPSTREAM_US: us.url, UPSTREAM_EU: eu.url, SHUTDOWN_GRACE_MS: 'ten seconds' });
  expect(failure.code).toBe(1);
  expect(failure.message).toBe('invalid environment: SHUTDOWN_GRACE_MS: must be a whole number of milliseconds (got "ten seconds")');
});

it('exits 1 on a short BYPASS_SECRET without writing its value anywhere', async () => {
  const failure = await startFailure({ UPSTREAM_US: us.url, UPSTREAM_EU: eu.url, BYPASS_SECRET: 'hunter2-too-short' });
  expect(failure.code).toBe(1);
  expect(failure.message).toBe('invalid environment: BYPASS_SECRET: must be at least 32 characters long');
  expect(failure.output).not.toContain('hunter2');
});

it('starts with a config file that only sets a limit, routing by the shipped table to the environment’s upstreams', async () => {
  const gw = await startGatewayProcess({ env: { GATEWAY_CONFIG: limitsOnlyFile(), UPSTREAM_US: us.url, UPSTREAM_EU: eu.url } });
  gateways.push(gw);
  const res = await fetch(`${gw.url}/api/contacts/v1/1`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ upstream: 'us', method: 'GET', path: '/api/contacts/v1/1' });
});

it('exits 1 when neither the file nor the environment names an upstream, saying both ways', async () => {
  const file = limitsOnlyFile();
  const failure = await startFailure({ GATEWAY_CONFIG: file, UPSTREAM_EU: eu.url });
  expect(failure.code).toBe(1);
  expect(failure.message).toBe(`no upstream for the us region: set UPSTREAM_US or upstreams.us in the config file (${file})`);
});
