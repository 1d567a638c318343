// The buffer's parts: replay settings from the environment, and which migration events start a replay.
import { createBufferParts } from '../../src/buffer/parts';
import { parsePartsEnv } from '../../src/config/env';
import { defaultRoutes, parseConfig } from '../../src/config/load';
import type { AccountRecord, Migration } from '../../src/domain/account';
import { systemClock } from '../../src/domain/clock';
import type { MigrationEventKind } from '../../src/migration/events';
import { silentLogger } from '../../src/observability/logger';
import { Metrics } from '../../src/observability/metrics';
import { MemoryStore } from '../../src/store/memory/memory-store';

describe('replay settings from the environment', () => {
  it('reads the REPLAY_* variables that are set and leaves the rest to the defaults', () => {
    expect(parsePartsEnv({ REPLAY_CONCURRENCY: '3', REPLAY_LEASE_TTL_MS: '2500', REPLAY_MAX_ATTEMPTS: '' }).replay).toEqual({
      concurrency: 3,
      leaseTtlMs: 2500,
    });
    expect(parsePartsEnv({}).replay).toEqual({});
  });

  it('refuses a value that is not a positive whole number, naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', 'ten']) {
      expect(() => parsePartsEnv({ REPLAY_BATCH_SIZE: bad })).toThrow(
        expect.objectContaining({
          code: 'ERR_CONFIG_ENV',
          message: expect.stringContaining('REPLAY_BATCH_SIZE: must be a positive whole number'),
        }),
      );
    }
  });
});

describe('createBufferParts', () => {
  it('nudges the replayer when a window closes (completed or failed), and only then', async () => {
    const config = parseConfig({ upstreams: { us: 'http://127.0.0.1:1', eu: 'http://127.0.0.1:2' }, routes: defaultRoutes() });
    const parts = createBufferParts({ config, store: new MemoryStore(), clock: systemClock, logger: silentLogger, metrics: new Metrics() });
    const nudged: string[] = [];
    parts.replayer.nudge = (id: string) => void nudged.push(id);
    const kinds: MigrationEventKind[] = ['scheduled', 'rescheduled', 'cancelled', 'started', 'completed', 'failed'];
    for (const kind of kinds) {
      const account = { id: `acc-${kind}` } as AccountRecord;
      await parts.migrationListeners[0]({ kind, account, migration: {} as Migration, actor: 'engine', at: 0 });
    }
    expect(nudged).toEqual(['acc-completed', 'acc-failed']);
    await parts.close();
  });
});
