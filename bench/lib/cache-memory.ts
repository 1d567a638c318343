// Heap per entry of the account state cache, measured with GC forced (run with node --expose-gc): prints JSON.
import type { AccountRecord } from '../../src/domain/account';
import { ManualClock } from '../../src/domain/clock';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { StateCache } from '../../src/state/state-cache';
import { MemoryStore } from '../../src/store/memory/memory-store';

const ENTRIES = Number(process.env.CACHE_ENTRIES ?? 100_000);

function record(i: number): AccountRecord {
  const id = `acct-${String(i).padStart(7, '0')}`;
  return {
    id,
    settings: {
      dataLocation: i % 2 === 0 ? 'us' : 'eu',
      timezone: 'Europe/Berlin',
      contactName: `Contact ${i}`,
      superAdmins: [{ id: `sa-${i}`, name: `Super Admin ${i}`, email: `admin-${i}@customer-${i}.example` }],
      paymentsEnabled: false,
      ssoEnabled: false,
      hasSandbox: false,
      integrations: {},
      meetingLinks: {},
    },
    migration:
      i % 10 === 0
        ? {
            id: `mig-${i}`,
            status: 'scheduled',
            source: 'us',
            target: 'eu',
            start: 1_800_000_000_000,
            expectedEnd: 1_800_014_400_000,
            scheduledAt: 1_790_000_000_000,
            scheduledBy: 'op',
            startedAt: null,
            endedAt: null,
          }
        : null,
    version: 3,
    updatedAt: 1_790_000_000_000,
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const make = (i: number): AccountRecord => JSON.parse(JSON.stringify(record(i))) as AccountRecord;

// Two runs, one process each (a heap freed in the same process is not reliably gone when measured again):
// `records` holds the parsed records in an array, `cache` holds the same records in the state cache.
const mode = process.argv[2] === 'records' ? 'records' : 'cache';
const base = heap();
const keep: unknown[] = [];
if (mode === 'records') {
  keep.push(Array.from({ length: ENTRIES }, (_, i) => make(i)));
} else {
  const cache = new StateCache(new MemoryStore(), new ManualClock(0), { ttlMs: 5000, maxEntries: ENTRIES }, silentLogger, new Metrics());
  for (let i = 0; i < ENTRIES; i += 1) {
    const r = make(i);
    cache.remember(r.id, r);
  }
  keep.push(cache);
}
const used = heap() - base;
console.log(
  JSON.stringify({
    mode,
    entries: ENTRIES,
    kept: keep.length,
    bytesPerEntry: Math.round(used / ENTRIES),
    recordJsonBytes: Buffer.byteLength(JSON.stringify(record(1))),
  }),
);
