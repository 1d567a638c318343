// The shared store on Redis (standalone or Cluster). Owns its connections; nothing outside store/redis sees ioredis.
import Redis, { Cluster } from 'ioredis';
import { backoffDelayMs } from '../../domain/backoff';
import type { InvalidationListener, Store } from '../types';
import { globalKey } from './keys';
import { RedisAccountStore } from './redis-account-store';
import { RedisTimelineStore } from './redis-timeline-store';
import { RedisIntegrationStore } from './redis-integration-store';
import { RedisBufferStore } from './redis-buffer-store';
import { RedisAttentionStore } from './redis-attention-store';
import type { RedisClient } from './scripts';
import { RedisDirectoryStore, parseDirectoryMessage } from './redis-directory-store';
import type { DirectoryChange, DirectoryListener } from '../directory-store';

export interface RedisStoreOptions {
  /** redis://host:port/db — for a cluster, any one node (or several, comma separated). */
  url: string;
  cluster?: boolean;
  /** Prefix of every key, so several gateways or tests can share one Redis. */
  prefix?: string;
  /** Milliseconds before a command is failed instead of waiting on a dead connection. */
  commandTimeoutMs?: number;
}

function connect(options: RedisStoreOptions): RedisClient {
  const common = {
    commandTimeout: options.commandTimeoutMs ?? 2000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    // Reconnect after 100 ms, 200 ms, 400 ms … at most 2 s apart (ioredis counts `times` from 1).
    retryStrategy: (times: number) => backoffDelayMs({ baseMs: 100, maxMs: 2000 }, times),
  };
  if (options.cluster) {
    const urls = options.url.split(',').map((u) => new URL(u.trim()));
    const nodes = urls.map((parsed) => ({ host: parsed.hostname, port: Number(parsed.port || 6379) }));
    // Credentials and TLS come from the URL as for a single node; the cluster's nodes all need them.
    const first = urls[0];
    const auth = {
      ...(first?.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first?.password ? { password: decodeURIComponent(first.password) } : {}),
      ...(first?.protocol === 'rediss:' ? { tls: {} } : {}),
    };
    const cluster = new Cluster(nodes, { redisOptions: { ...common, ...auth }, clusterRetryStrategy: common.retryStrategy });
    // While no node answers, commands wait in the cluster's own queue, out of reach of the nodes' commandTimeout
    // and maxRetriesPerRequest: without a deadline set when they are issued, every request waiting on the store hangs.
    const send = cluster.sendCommand.bind(cluster);
    cluster.sendCommand = (...args: Parameters<Cluster['sendCommand']>) => {
      args[0].setTimeout(common.commandTimeout);
      return send(...args);
    };
    return cluster;
  }
  return new Redis(options.url, common);
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly prefix: string;
  readonly client: RedisClient;
  private subscriber: RedisClient | null = null;
  private readonly listeners: InvalidationListener[] = [];
  private readonly resyncListeners: (() => void)[] = [];
  private readonly channel: string;
  private readonly directoryChannel: string;
  private readonly directoryListeners: DirectoryListener[] = [];
  /** Channels Redis confirmed (ioredis renews them on reconnect), and channels whose subscription failed. */
  private readonly subscribed = new Set<string>();
  private readonly unconfirmed = new Set<string>();
  readonly accounts: RedisAccountStore;
  readonly timeline: RedisTimelineStore;
  readonly integrations: RedisIntegrationStore;
  readonly buffer: RedisBufferStore;
  readonly directory: RedisDirectoryStore;
  readonly attention: RedisAttentionStore;

  constructor(private readonly options: RedisStoreOptions) {
    this.prefix = options.prefix ?? 'mg:';
    this.client = connect(options);
    this.client.on('error', () => {
      // Connection errors surface as failed commands; ioredis reconnects by itself.
    });
    this.channel = globalKey(this.prefix, 'invalidate');
    this.accounts = new RedisAccountStore(this.client, this.prefix, (id) => this.announce(id));
    this.timeline = new RedisTimelineStore(this.client, this.prefix);
    this.integrations = new RedisIntegrationStore(this.client, this.prefix);
    this.buffer = new RedisBufferStore(this.client, this.prefix);
    this.directoryChannel = globalKey(this.prefix, 'directory');
    this.directory = new RedisDirectoryStore(this.client, this.prefix, this.directoryChannel);
    this.attention = new RedisAttentionStore(this.client, this.prefix);
  }

  private async announce(accountId: string): Promise<void> {
    await this.client.publish(this.channel, accountId);
  }

  async onInvalidate(listener: InvalidationListener): Promise<void> {
    this.listeners.push(listener);
    await this.subscribe(this.channel);
  }

  async onDirectoryChange(listener: DirectoryListener): Promise<void> {
    this.directoryListeners.push(listener);
    await this.subscribe(this.directoryChannel);
  }

  /** One subscriber connection for every channel; resolves once Redis confirmed this channel. */
  private async subscribe(channel: string): Promise<void> {
    const sub = this.subscriber ?? this.openSubscriber();
    if (this.subscribed.has(channel)) return;
    try {
      await sub.subscribe(channel);
      this.subscribed.add(channel);
      this.unconfirmed.delete(channel);
    } catch (error) {
      this.unconfirmed.add(channel);
      throw error;
    }
  }

  private openSubscriber(): RedisClient {
    const sub = connect({ ...this.options, commandTimeoutMs: undefined });
    this.subscriber = sub;
    sub.on('error', () => {});
    let readyBefore = false;
    const resync = () => {
      for (const listener of this.resyncListeners) listener();
    };
    sub.on('ready', () => {
      // A reconnect may have missed messages: whoever caches must drop what it holds.
      if (readyBefore) resync();
      readyBefore = true;
      // ioredis renews on reconnect only the subscriptions Redis confirmed: one that failed (Redis down at start)
      // must be asked for again, or no invalidation would ever arrive.
      for (const channel of [...this.unconfirmed]) {
        sub.subscribe(channel).then(
          () => {
            this.unconfirmed.delete(channel);
            this.subscribed.add(channel);
            resync();
          },
          () => undefined,
        );
      }
    });
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) {
        for (const l of this.listeners) l(message);
      } else if (channel === this.directoryChannel) {
        let changes: DirectoryChange[];
        try {
          changes = parseDirectoryMessage(message);
        } catch {
          return;
        }
        for (const l of this.directoryListeners) l(changes);
      }
    });
    return sub;
  }

  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.client.quit(), this.subscriber?.quit()]);
    this.client.disconnect();
    this.subscriber?.disconnect();
  }
}
