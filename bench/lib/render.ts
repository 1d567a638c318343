// The benchmark's printed table (Markdown, so the README can show it as printed) with the marks of issue 7.
import type { LoadFigures } from './load';

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
}

export type TargetResult = { rounds: LoadFigures[]; median: Summary } | { skipped: string };

export interface GatewayResults {
  redisCommandsPerPassThrough?: {
    raw: number | null;
    net: number | null;
    idleCommandsPerSecond: number;
    requests: number;
    byCommand: Record<string, number>;
  };
  formsAccepted?: { accepted: number; perSecond: number; p50: number; p99: number; statuses: Record<string, number> };
  replay?: { replayed: number; seconds: number; perSecond: number | null; complete: boolean; bufferDepthAfter: number | 'n/a' };
  propagation?: { samples: number[]; p50: number | null; p99: number | null; timedOut: number; perInstanceP50: number | null };
  peakRssMiB?: number | null;
  unknownTokenFlood?: {
    requests: number;
    distinctTokens: number;
    commands: number;
    idleCommandsPerSecond: number;
    netPerRequest: number | null;
    storeLookups: number;
    perRequest: number | null;
    rps: number;
    byCommand: Record<string, number>;
  };
}

export interface BenchResults {
  date: string;
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string; platform: string };
  settings: Record<string, unknown>;
  throughput: Record<string, TargetResult>;
  gateway: GatewayResults;
  notes: string[];
  table?: string;
}

const ROWS: [string, string][] = [
  ['upstream', 'upstream alone'],
  ['referenceDefault', 'A: express + http-proxy-middleware, default'],
  ['referenceKeepAlive', 'B: express + http-proxy-middleware, keep-alive agent'],
  ['nginx', 'nginx proxy_pass, upstream keep-alive (1 worker)'],
  ['gateway', 'gateway, account with no migration'],
  ['gatewayHost', 'gateway, same account named by Host (custom domain)'],
  ['gatewayToken', 'gateway, same account named by bearer token'],
];

const ratio = (a: number | undefined, b: number | undefined): string => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : 'n/a');
const mark = (ok: boolean, text: string): string => `${text} ${ok ? '✓' : '✗'}`;

export function render(results: BenchResults): string {
  const median = (key: string): Summary | undefined => {
    const f = results.throughput[key];
    return f && 'median' in f ? f.median : undefined;
  };
  const gw = median('gateway');
  const keepAlive = median('referenceKeepAlive');
  const nginx = median('nginx');
  const answers477 = median('gateway477');
  const g = results.gateway;

  const first = [
    `| pass-through, ${String(results.settings.connections)} connections (median of ${String(results.settings.rounds)} rounds) | req/s | p50 ms | p99 ms | gateway ÷ this |`,
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [key, label] of ROWS) {
    const f = results.throughput[key];
    if (!f) first.push(`| ${label} | n/a | | | |`);
    else if ('skipped' in f) first.push(`| ${label} | skipped | | | ${f.skipped} |`);
    else
      first.push(
        `| ${label} | ${f.median.rps} | ${f.median.p50} | ${f.median.p99} | ${key === 'gateway' ? '' : ratio(gw?.rps, f.median.rps)} |`,
      );
  }

  const second = ['| measure | figure | mark (issue 7) |', '| --- | ---: | --- |'];
  const add = (label: string, figure: string, target: string) => second.push(`| ${label} | ${figure} | ${target} |`);
  add(
    'pass-through ÷ keep-alive reference, req/s',
    ratio(gw?.rps, keepAlive?.rps),
    gw && keepAlive ? mark(gw.rps >= keepAlive.rps, '≥ 1.0') : 'n/a',
  );
  add(
    'pass-through p99 − keep-alive reference p99',
    gw && keepAlive ? `${(gw.p99 - keepAlive.p99).toFixed(1)} ms` : 'n/a',
    gw && keepAlive ? mark(gw.p99 - keepAlive.p99 <= 1, '≤ 1 ms') : 'n/a',
  );
  add('pass-through ÷ default reference, req/s', ratio(gw?.rps, median('referenceDefault')?.rps), '');
  add('pass-through ÷ nginx, req/s', nginx ? ratio(gw?.rps, nginx.rps) : 'nginx skipped', 'reported (aim 0.5×)');
  const bare477 = median('bare477');
  add(
    '477 answers ÷ bare node writing the same 477, req/s',
    ratio(answers477?.rps, bare477?.rps),
    answers477 && bare477 ? mark(answers477.rps >= 0.5 * bare477.rps, '≥ 0.5 (SPEC §11)') : 'n/a',
  );
  add(
    '477 answers, req/s',
    answers477 ? `${answers477.rps} (p99 ${answers477.p99} ms)` : 'n/a',
    answers477 && gw ? mark(answers477.rps >= 2 * gw.rps, `${ratio(answers477.rps, gw.rps)} of pass-through, ≥ 2×`) : 'n/a',
  );
  const byHost = median('gatewayHost');
  const byToken = median('gatewayToken');
  add(
    'pass-through by Host ÷ by header, req/s',
    ratio(byHost?.rps, gw?.rps),
    byHost && gw ? mark(byHost.rps >= 0.9 * gw.rps, '≥ 0.9 (issue 10)') : 'n/a',
  );
  add(
    'pass-through by token ÷ by header, req/s',
    ratio(byToken?.rps, gw?.rps),
    byToken && gw ? mark(byToken.rps >= 0.9 * gw.rps, '≥ 0.9 (issue 10)') : 'n/a',
  );
  const flood = g.unknownTokenFlood;
  add(
    `Redis commands per request, ${flood ? flood.distinctTokens.toLocaleString('en') : '10,000'} distinct unknown tokens`,
    flood?.perRequest != null
      ? `${flood.perRequest.toFixed(4)} (${flood.storeLookups} directory lookups sent to Redis / ${flood.requests} requests; all commands in those seconds, timeline and replay included: ${flood.commands})`
      : 'n/a',
    flood?.perRequest != null ? mark(flood.perRequest <= 0.01, '≤ 0.01 (issue 10)') : 'n/a',
  );
  const redis = g.redisCommandsPerPassThrough;
  add(
    'Redis commands per pass-through request',
    redis?.raw != null ? `${redis.raw.toFixed(4)} (net of idle: ${redis.net?.toFixed(4) ?? 'n/a'})` : 'n/a',
    redis?.net != null ? mark(redis.net < 0.001, '0') : 'n/a',
  );
  const forms = g.formsAccepted;
  add(
    'buffered form submissions accepted/s (store-confirmed 202)',
    forms ? String(forms.perSecond) : 'n/a',
    forms ? mark(forms.perSecond >= 5000, '≥ 5,000') : 'n/a',
  );
  const replay = g.replay;
  add(
    'replay drained/s across accounts',
    replay?.perSecond != null ? `${replay.perSecond}${replay.complete ? '' : ` (incomplete: ${replay.replayed} delivered)`}` : 'n/a',
    replay?.perSecond != null ? mark(replay.perSecond >= 3000 && replay.complete, '≥ 3,000') : 'n/a',
  );
  const propagation = g.propagation;
  add(
    'state change obeyed by 2 other instances, p50 / p99',
    propagation ? `${String(propagation.p50)} / ${String(propagation.p99)} ms` : 'n/a',
    propagation?.p99 != null ? mark(propagation.p99 <= 100 && propagation.timedOut === 0, 'p99 ≤ 100 ms') : 'n/a',
  );
  add('gateway peak RSS (VmHWM)', g.peakRssMiB != null ? `${g.peakRssMiB} MiB` : 'n/a', '');

  const m = results.machine;
  const header = `${results.date}: ${m.cpus} × ${m.cpu}, ${m.memoryGiB} GiB, node ${m.node}, ${m.platform}`;
  const notes = results.notes.map((note) => `- ${note}`);
  return [header, '', ...first, '', ...second, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
