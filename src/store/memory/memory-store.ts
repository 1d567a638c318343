// The embedded store: everything in this process. Not durable, one instance only.
import { EventEmitter } from 'node:events';
import type { InvalidationListener, Store } from '../types';
import type { DirectoryListener } from '../directory-store';
import { MemoryDirectoryStore } from './memory-directory-store';
import { MemoryAccountStore } from './memory-account-store';
import { MemoryTimelineStore } from './memory-timeline-store';
import { MemoryIntegrationStore } from './memory-integration-store';
import { MemoryBufferStore } from './memory-buffer-store';
import { MemoryAttentionStore } from './memory-attention-store';

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly events = new EventEmitter();
  readonly accounts: MemoryAccountStore;
  readonly timeline = new MemoryTimelineStore();
  readonly integrations = new MemoryIntegrationStore();
  readonly buffer = new MemoryBufferStore();
  readonly directory = new MemoryDirectoryStore((changes) => this.events.emit('directory', changes));
  readonly attention = new MemoryAttentionStore();

  constructor() {
    this.events.setMaxListeners(0);
    this.accounts = new MemoryAccountStore((id) => this.events.emit('invalidate', id), this.timeline.due);
  }

  async onInvalidate(listener: InvalidationListener): Promise<void> {
    this.events.on('invalidate', listener);
  }

  async onDirectoryChange(listener: DirectoryListener): Promise<void> {
    this.events.on('directory', listener);
  }

  onResync(_listener: () => void): void {
    // One process, one map: nothing can be missed.
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }
}
