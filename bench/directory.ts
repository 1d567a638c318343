// `node --expose-gc --import tsx bench/directory.ts`: the account directory's memory per entry, false-positive rate and lookup cost.
import { createHash } from 'node:crypto';
import { silentLogger } from '../src/observability/logger';
import { Metrics } from '../src/observability/metrics';
import { AccountDirectory } from '../src/state/account-directory';
import { BloomFilter, hashPair } from '../src/state/bloom-filter';
import type { DirectoryChange, DirectoryStore } from '../src/store/directory-store';
import { MemoryStore } from '../src/store/memory/memory-store';
import type { Store } from '../src/store/types';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

/** A store whose directory holds `count` tokens and answers as Redis would: fresh strings for every reply. */
function syntheticStore(count: number): { store: Store; calls: () => number } {
  const inner = new MemoryStore();
  let calls = 0;
  const digests = Array.from({ length: count }, (_v, i) => digestOf(`registered-token-${i}`));
  const owned = new Set(digests);
  const directory: Partial<DirectoryStore> = {
    async scan(batchSize: number, onBatch: (kind: DirectoryChange['kind'], entries: [string, string][]) => void) {
      for (let i = 0; i < digests.length; i += batchSize) {
        onBatch(
          'token',
          digests
            .slice(i, i + batchSize)
            .map((d, j) => [
              Buffer.from(d).toString('latin1'),
              Buffer.from(`account-${String(i + j).padStart(6, '0')}`).toString('latin1'),
            ]),
        );
      }
    },
    async tokenOwner(digest: string) {
      calls++;
      return owned.has(digest) ? 'account-x' : null;
    },
    async domainOwners(domains: string[]) {
      calls++;
      return domains.map(() => null);
    },
  };
  const store = new Proxy(inner, {
    get: (target, prop) => (prop === 'directory' ? directory : (Reflect.get(target, prop) as unknown)),
  }) as Store;
  return { store, calls: () => calls };
}

async function memoryPerEntry(entries: number): Promise<void> {
  const { store } = syntheticStore(entries);
  const before = heapAfterGc();
  const directory = new AccountDirectory(store, { maxEntries: entries }, silentLogger, new Metrics());
  await directory.start();
  const after = heapAfterGc();
  const filterBytes = new BloomFilter(Math.max(65_536, 2 * entries)).bytes;
  const perEntry = (after - before - filterBytes) / entries;
  console.log(
    `${entries} token digests cached: ${((after - before) / 1048576).toFixed(1)} MiB in all, filter ${(filterBytes / 1048576).toFixed(2)} MiB, ≈ ${perEntry.toFixed(0)} bytes per LRU entry`,
  );
  directory.close();
}

async function flood(registered: number, unknown: number): Promise<void> {
  const { store, calls } = syntheticStore(registered);
  const directory = new AccountDirectory(store, { maxEntries: 100_000 }, silentLogger, new Metrics());
  await directory.start();
  const started = process.hrtime.bigint();
  for (let i = 0; i < unknown; i++) {
    const answer = directory.accountForToken(`flood-${i}-xxxxxxxxxxxxxxxxxxxx`);
    if (answer instanceof Promise) await answer;
  }
  const ns = Number(process.hrtime.bigint() - started) / unknown;
  console.log(
    `${registered} registered, ${unknown} distinct unknown tokens: ${calls()} store calls (${((calls() / unknown) * 100).toFixed(3)} %), ${(ns / 1000).toFixed(2)} µs per lookup`,
  );
  directory.close();
}

function filledFilter(capacity: number, probes: number): void {
  const filter = new BloomFilter(capacity);
  for (let i = 0; i < capacity; i++) filter.add(hashPair(digestOf(`k${i}`)));
  let positives = 0;
  for (let i = 0; i < probes; i++) if (filter.mayContain(hashPair(digestOf(`u${i}`)))) positives++;
  console.log(
    `filter filled to its capacity (${capacity} keys, ${filter.probes} probes, ${(filter.bytes / capacity).toFixed(2)} bytes per key): ${((positives / probes) * 100).toFixed(3)} % false positives over ${probes} unknown keys`,
  );
}

async function knownLookup(count: number): Promise<void> {
  const { store, calls } = syntheticStore(count);
  const directory = new AccountDirectory(store, { maxEntries: count }, silentLogger, new Metrics());
  await directory.start();
  const tokens = Array.from({ length: count }, (_v, i) => `registered-token-${i}`);
  const started = process.hrtime.bigint();
  for (const token of tokens) directory.accountForToken(token);
  const ns = Number(process.hrtime.bigint() - started) / count;
  console.log(`known token lookup (SHA-256 + LRU hit): ${(ns / 1000).toFixed(2)} µs, ${calls()} store calls for ${count} lookups`);
  directory.close();
}

async function main(): Promise<void> {
  await memoryPerEntry(100_000);
  await flood(10_000, 10_000);
  await flood(1_000_000, 100_000);
  filledFilter(1_000_000, 200_000);
  await knownLookup(100_000);
}

void main();
