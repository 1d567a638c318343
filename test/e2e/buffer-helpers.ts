// Shared steps of the buffer e2e tests: gateway processes on a real Redis, windows opened and closed through the admin API,
// submissions in bulk, and the checks on what the upstream received.
import http from 'node:http';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { accountSettings, ADMIN_TOKEN, auth } from '../support/accounts';
import type { RecordedRequest, Upstream } from '../support/upstream';

export const ENTRY = 'src/server.ts';

export interface BufferGatewayEnv {
  redisUrl: string;
  prefix: string;
  upstreamUs: string;
  upstreamEu: string;
  extra?: Record<string, string>;
}

export function startBufferGateway(env: BufferGatewayEnv): Promise<GatewayProcess> {
  return startGatewayProcess({
    entry: ENTRY,
    env: {
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.prefix,
      UPSTREAM_US: env.upstreamUs,
      UPSTREAM_EU: env.upstreamEu,
      ADMIN_TOKENS: ADMIN_TOKEN,
      REPLAY_LEASE_TTL_MS: '1500',
      REPLAY_POLL_INTERVAL_MS: '100',
      REPLAY_BACKOFF_BASE_MS: '20',
      REPLAY_BACKOFF_MAX_MS: '200',
      REPLAY_MAX_ATTEMPTS: '1000',
      REPLAY_SETTLE_GRACE_MS: '1000',
      REPLAY_RECHECK_MS: '200',
      ...env.extra,
    },
  });
}

export async function admin(
  gw: GatewayProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}/admin/v1${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function expectOk(step: string, result: Promise<{ status: number; json: Record<string, unknown> }>): Promise<void> {
  const { status, json } = await result;
  if (status >= 300) throw new Error(`${step}: ${status} ${JSON.stringify(json)}`);
}

/** Creates the account (US) and opens its window at once: scheduled a week ahead, then started early by the engine. */
export async function openWindow(gw: GatewayProcess, accountId: string): Promise<void> {
  await expectOk('create account', admin(gw, 'PUT', `/accounts/${accountId}`, accountSettings()));
  const start = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
  await expectOk('schedule', admin(gw, 'POST', `/accounts/${accountId}/migration`, { start, target: 'eu' }));
  await expectOk('start', admin(gw, 'POST', `/accounts/${accountId}/migration/start`));
}

export async function closeWindow(gw: GatewayProcess, accountId: string, outcome: 'complete' | 'fail' = 'complete'): Promise<void> {
  await expectOk(outcome, admin(gw, 'POST', `/accounts/${accountId}/migration/${outcome}`));
}

export interface Submission {
  accountId: string;
  n: number;
}

/** Posts form submissions with `concurrency` keep-alive connections; resolves with the 202 ids (throws on anything else). */
export async function submitAll(gwUrl: string, submissions: Submission[], concurrency = 32): Promise<string[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(gwUrl);
  const ids: string[] = new Array(submissions.length);
  let next = 0;
  const post = (s: Submission): Promise<string> =>
    new Promise((resolve, reject) => {
      const body = `acc=${s.accountId}&n=${s.n}`;
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/forms/${s.accountId}/f1?n=${s.n}`,
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 202) return reject(new Error(`submission ${s.accountId}#${s.n}: ${res.statusCode} ${text}`));
            resolve((JSON.parse(text) as { id: string }).id);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const worker = async () => {
    while (next < submissions.length) {
      const i = next++;
      ids[i] = await post(submissions[i]);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return ids;
}

export interface Delivery {
  accountId: string;
  n: number;
  key: string;
}

export function deliveries(requests: RecordedRequest[]): Delivery[] {
  return requests
    .filter((r) => r.complete && r.headers['x-maintenance-replay'] === '1')
    .map((r) => {
      const form = new URLSearchParams(r.body.toString());
      return { accountId: form.get('acc') ?? '', n: Number(form.get('n')), key: String(r.headers['idempotency-key']) };
    });
}

/** Stream ids ("ms-seq", or a plain counter in memory) in the order the store gave them. */
export function compareIds(a: string, b: string): number {
  const [am, as = 0] = a.split('-').map(Number);
  const [bm, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** Per account, the submissions' `n` in the order the store accepted them (concurrent posts may arrive in any order). */
export function storeOrder(submissions: Submission[], ids: string[]): Map<string, number[]> {
  const byAccount = new Map<string, { id: string; n: number }[]>();
  submissions.forEach((s, i) => {
    const list = byAccount.get(s.accountId) ?? [];
    list.push({ id: ids[i], n: s.n });
    byAccount.set(s.accountId, list);
  });
  return new Map([...byAccount].map(([accountId, list]) => [accountId, list.sort((x, y) => compareIds(x.id, y.id)).map((e) => e.n)]));
}

/**
 * The promise of the buffer: every acknowledged item reached the upstream at least once, the first deliveries of
 * each account came in arrival order, and every delivery of one item carried the same Idempotency-Key.
 * Returns how many deliveries were duplicates.
 */
export function checkAtLeastOnceInOrder(received: Delivery[], expected: Map<string, number[]>): { duplicates: number } {
  const keyOf = new Map<string, string>();
  const firstOrder = new Map<string, number[]>();
  let duplicates = 0;
  for (const d of received) {
    const item = `${d.accountId}#${d.n}`;
    const known = keyOf.get(item);
    if (known !== undefined) {
      if (known !== d.key) throw new Error(`${item} was delivered with two Idempotency-Keys: ${known} and ${d.key}`);
      duplicates += 1;
      continue;
    }
    keyOf.set(item, d.key);
    const order = firstOrder.get(d.accountId) ?? [];
    order.push(d.n);
    firstOrder.set(d.accountId, order);
  }
  for (const [accountId, want] of expected) {
    const order = firstOrder.get(accountId) ?? [];
    if (order.length !== want.length || order.some((n, i) => n !== want[i])) {
      const at = order.findIndex((n, i) => n !== want[i]);
      throw new Error(`${accountId}: ${order.length}/${want.length} items delivered, first out of order at position ${at}`);
    }
  }
  if (new Set(keyOf.values()).size !== keyOf.size) throw new Error('two different items shared an Idempotency-Key');
  return { duplicates };
}

/** Distinct items delivered so far. */
export function distinctDelivered(upstream: Upstream): number {
  return new Set(deliveries(upstream.requests).map((d) => d.key)).size;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export type { Upstream };
