// Human-readable renderings of admin API answers for the operator CLI (the --json flag prints the answers as they are).

type Json = Record<string, unknown>;

const obj = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown, fallback = '-'): string =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : fallback;
const onOff = (value: unknown): string => (value === true ? 'on' : 'off');

export function formatMigration(migration: unknown): string[] {
  const m = obj(migration);
  const status = str(m.status, 'none');
  if (status === 'none') return ['migration: none'];
  const lines = [`migration: ${status} (phase ${str(m.phase)}), ${str(m.source)} → ${str(m.target)}`];
  lines.push(`  start ${str(m.start)}, expected end ${str(m.expectedEnd)}`);
  if (status === 'scheduled') lines.push(`  can be rescheduled or cancelled until ${str(m.changeDeadline)}`);
  if (m.startedAt) lines.push(`  started ${str(m.startedAt)}`);
  if (m.endedAt) lines.push(`  ended ${str(m.endedAt)}`);
  if (m.scheduledBy) lines.push(`  scheduled by ${str(m.scheduledBy)} at ${str(m.scheduledAt)}`);
  return lines;
}

export function formatAccount(account: unknown): string[] {
  const a = obj(account);
  const lines = [`account ${str(a.id)}: data in ${str(a.dataLocation)}, time zone ${str(a.timezone)}, contact ${str(a.contactName)}`];
  const admins = list(a.superAdmins).map((admin) => {
    const x = obj(admin);
    return `${str(x.name)} <${str(x.email)}> (${str(x.id)})`;
  });
  lines.push(`super admins: ${admins.length > 0 ? admins.join(', ') : '-'}`);
  lines.push(`payments ${onOff(a.paymentsEnabled)}, SSO ${onOff(a.ssoEnabled)}, sandbox ${onOff(a.hasSandbox)}`);
  lines.push(...formatMigration(a.migration));
  const buffered = obj(a.buffered);
  if (typeof buffered.waiting === 'number')
    lines.push(`buffered: ${buffered.waiting} waiting, ${str(buffered.deadLetters, '0')} dead letters`);
  const integrations = Object.keys(obj(a.integrations));
  lines.push(`integrations: ${integrations.length > 0 ? integrations.join(', ') : '-'}`);
  const audit = list(a.audit);
  if (audit.length > 0) {
    lines.push('recent changes:');
    for (const entry of audit.slice(0, 5)) {
      const e = obj(entry);
      lines.push(`  ${str(e.at)} ${str(e.actor)} ${str(e.action)}`);
    }
  }
  return lines;
}

export function formatWarnings(warnings: unknown): string[] {
  return list(warnings).map((warning) => {
    const w = obj(warning);
    return `warning ${str(w.code)}: ${str(w.message)}`;
  });
}

export function formatBuffer(buffer: unknown): string[] {
  const b = obj(buffer);
  const counts = obj(b.counts);
  const bySurface = (value: unknown): string =>
    Object.entries(obj(value))
      .filter(([, count]) => typeof count === 'number' && count > 0)
      .map(([surface, count]) => `${surface} ${String(count)}`)
      .join(', ') || 'none';
  const replay = obj(b.replay);
  const lines = [
    `buffer of ${str(b.accountId)}: ${str(b.depth, '0')} waiting (${bySurface(counts.waiting)}), ${str(b.deadLetterCount, '0')} dead letters (${bySurface(counts.dead)})`,
  ];
  if (b.oldestItemAt) lines.push(`  oldest waiting item from ${str(b.oldestItemAt)}`);
  if (Object.keys(replay).length > 0) {
    lines.push(
      `  replay ${replay.inProgress === true ? `in progress (${str(replay.owner)})` : 'idle'}; accepted ${str(replay.accepted, '0')}, replayed ${str(replay.replayed, '0')}, dead-lettered ${str(replay.deadLettered, '0')}, re-driven ${str(replay.redriven, '0')}`,
    );
  }
  for (const letter of list(b.deadLetters)) {
    const d = obj(letter);
    const answer = obj(d.answer);
    const why = answer.status !== null && answer.status !== undefined ? `HTTP ${str(answer.status)}` : str(answer.error, 'no answer');
    lines.push(
      `  dead ${str(d.id)} ${str(d.method)} ${str(d.path)} (${str(d.surface)}): ${why} after ${str(answer.attempts, '?')} attempts`,
    );
  }
  return lines;
}

export function formatIntegration(accountId: string, view: unknown): string[] {
  const v = obj(view);
  const usage = obj(v.usage);
  const crm = obj(v.crmUsage);
  const head =
    v.state === 'suspended'
      ? `integration ${str(v.integration)} of ${accountId}: SUSPENDED (${str(v.reason)}) since ${str(v.since)}`
      : `integration ${str(v.integration)} of ${accountId}: ${str(v.state)}`;
  const lines = [head];
  if (v.message) lines.push(`  ${str(v.message)}`);
  if (v.remedy) lines.push(`  remedy: ${str(v.remedy)}`);
  lines.push(`  calls in the last 24 h: ${str(usage.callsLast24h, '0')} of ${str(usage.allocation)}`);
  if (crm.used !== null && crm.used !== undefined) lines.push(`  CRM API usage: ${str(crm.used)} of ${str(crm.limit)}`);
  return lines;
}

export function formatDomains(accountId: string, account: unknown): string[] {
  const domains = list(obj(account).domains).map((domain) => str(domain));
  return domains.length > 0
    ? [`domains of ${accountId}:`, ...domains.map((domain) => `  ${domain}`)]
    : [`${accountId} has no custom domains`];
}

export function formatTokens(answer: unknown): string[] {
  const tokens = list(obj(answer).tokens).map(obj);
  if (tokens.length === 0) return ['no API tokens'];
  return tokens.map((t) => `token ${str(t.id)}  ${str(t.label)}  created ${str(t.createdAt)}`);
}
