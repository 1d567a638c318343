// Redis command counts from INFO commandstats, to tell how many commands the gateway spends per request.
import Redis from 'ioredis';

export async function commandCalls(url: string): Promise<Record<string, number>> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const text = await client.info('commandstats');
    const calls: Record<string, number> = {};
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
    return calls;
  } finally {
    client.disconnect();
  }
}

/** Commands issued between two snapshots, leaving out the INFO calls the benchmark itself makes. */
export function commandsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): { total: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [command, calls] of Object.entries(after)) {
    if (command === 'info') continue;
    const delta = calls - (before[command] ?? 0);
    if (delta > 0) {
      byCommand[command] = delta;
      total += delta;
    }
  }
  return { total, byCommand };
}
