// Shared steps of the fault tests: HTTP calls to a gateway process, windows opened through the admin API,
// a config file with small limits, and handle counts of a process read from /proc.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfigPath } from '../../src/config/load';
import { accountSettings, auth } from '../support/accounts';
import type { GatewayProcess } from '../support/gateway-process';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}

export async function call(gw: GatewayProcess | string, target: string, init: RequestInit = {}): Promise<Answer> {
  const base = typeof gw === 'string' ? gw : gw.url;
  const res = await fetch(base + target, { signal: AbortSignal.timeout(10_000), ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

export function admin(gw: GatewayProcess, method: string, target: string, body?: unknown): Promise<Answer> {
  return call(gw, `/admin/v1${target}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function expectOk(step: string, answer: Promise<Answer>): Promise<void> {
  const { status, text } = await answer;
  if (status >= 300) throw new Error(`${step}: ${status} ${text}`);
}

export async function createAccount(gw: GatewayProcess, accountId: string, overrides: Record<string, unknown> = {}): Promise<void> {
  await expectOk(`create ${accountId}`, admin(gw, 'PUT', `/accounts/${accountId}`, accountSettings(overrides)));
}

/** Creates the account (US) and opens its window at once: scheduled a week ahead, then started early. */
export async function openWindow(gw: GatewayProcess, accountId: string): Promise<void> {
  await createAccount(gw, accountId);
  const start = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
  await expectOk('schedule', admin(gw, 'POST', `/accounts/${accountId}/migration`, { start, target: 'eu' }));
  await expectOk('start', admin(gw, 'POST', `/accounts/${accountId}/migration/start`));
}

export async function closeWindow(gw: GatewayProcess, accountId: string): Promise<void> {
  await expectOk('complete', admin(gw, 'POST', `/accounts/${accountId}/migration/complete`));
}

/** A form submission to a buffered surface. */
export function postForm(gw: GatewayProcess, accountId: string, body = 'email=a%40b.test'): Promise<Answer> {
  return call(gw, `/forms/${accountId}/f1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

/** Polls until the check passes; throws naming what did not happen. Returns the milliseconds it took. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 25): Promise<number> {
  const started = Date.now();
  for (;;) {
    let ok = false;
    try {
      ok = await check();
    } catch {
      ok = false;
    }
    if (ok) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Writes a config file: the shipped one (routes, upstreams) with some limits replaced. Returns its path. */
export function configFile(overrides: { limits?: Record<string, number>; [key: string]: unknown }): string {
  const shipped = JSON.parse(readFileSync(defaultConfigPath(), 'utf8')) as Record<string, unknown>;
  const { limits, ...rest } = overrides;
  const config = { ...shipped, ...rest, limits: { ...((shipped.limits as object | undefined) ?? {}), ...limits } };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-faults-'));
  const file = path.join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Open file descriptors of a process (Linux): sockets, pipes, files. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Open socket descriptors of a process (Linux). */
export function openSocketFds(pid: number): number {
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets += 1;
    } catch {
      // closed while we listed it
    }
  }
  return sockets;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lines of a process's logs whose text contains the needle (case-insensitive). */
export function logLinesWith(gw: GatewayProcess, needle: string): string[] {
  const lower = needle.toLowerCase();
  return gw.logs.filter((l) => l.line.toLowerCase().includes(lower)).map((l) => l.line);
}
