// The buffer on Redis: one stream per account (hash-tagged), counters, a fenced lease and dead letters beside it, via Lua.
import {
  BUFFER_SURFACES,
  emptySurfaceCounts,
  isBufferSurface,
  type BufferedItem,
  type BufferedItemSummary,
  type BufferLease,
  type BufferRequest,
  type BufferStats,
  type BufferStore,
  type BufferSurface,
  type DeadLetter,
  type DeadLetterAnswer,
  type FencedResult,
} from '../buffer-store';
import { accountKey, globalKey } from './keys';
import { defineScript, type RedisClient } from './scripts';

type ScriptArg = string | number | Buffer;

/** Like runScript, but bodies go to Redis as bytes, untouched. */
function run(client: RedisClient, name: string, keys: string[], args: ScriptArg[]): Promise<unknown> {
  const command = (client as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[name];
  if (typeof command !== 'function') throw new Error(`Lua script ${name} is not defined on this connection`);
  return command.call(client, ...keys, ...args);
}

type RawEntry = [Buffer, Buffer[]];

function fieldsOf(raw: Buffer[]): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i].toString(), raw[i + 1]);
  return fields;
}

function decode(accountId: string, [rawId, rawFields]: RawEntry): BufferedItem {
  const f = fieldsOf(rawFields);
  const text = (name: string): string => f.get(name)?.toString('utf8') ?? '';
  const surface = text('s');
  const contentType = text('ct');
  return {
    id: rawId.toString(),
    accountId,
    surface: isBufferSurface(surface) ? surface : 'inbound',
    method: text('m'),
    path: text('p'),
    query: text('q'),
    headers: JSON.parse(text('h') || '{}') as Record<string, string>,
    body: f.get('b') ?? Buffer.alloc(0),
    contentType: contentType === '' ? null : contentType,
    receivedAt: Number(text('at')),
  };
}

/** An entry read by buffer-summaries.lua: every field but the body, and the body's length as `n`. */
function decodeSummary(accountId: string, entry: RawEntry): BufferedItemSummary {
  const { body: _body, headers: _headers, ...item } = decode(accountId, entry);
  return { ...item, bytes: Number(fieldsOf(entry[1]).get('n')?.toString() ?? 0) };
}

/** Stream ids are "ms-seq"; compares them numerically. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}

export class RedisBufferStore implements BufferStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {
    defineScript(client, 'mgBufferAppend', 'buffer-append', 2);
    defineScript(client, 'mgBufferIndex', 'buffer-index', 1);
    defineScript(client, 'mgBufferSettle', 'buffer-settle', 1);
    defineScript(client, 'mgBufferLeaseAcquire', 'buffer-lease-acquire', 2);
    defineScript(client, 'mgBufferLeaseRenew', 'buffer-lease-renew', 1);
    defineScript(client, 'mgBufferLeaseRelease', 'buffer-lease-release', 1);
    defineScript(client, 'mgBufferAck', 'buffer-ack', 4);
    defineScript(client, 'mgBufferDeadLetter', 'buffer-dead-letter', 6);
    defineScript(client, 'mgBufferPending', 'buffer-pending', 1);
    defineScript(client, 'mgBufferSummaries', 'buffer-summaries', 1);
    defineScript(client, 'mgBufferKeep', 'buffer-keep', 5);
    defineScript(client, 'mgBufferRejectedNotified', 'buffer-rejected-notified', 2);
    defineScript(client, 'mgBufferRedrive', 'buffer-redrive', 4);
  }

  private key(accountId: string, name: string): string {
    return accountKey(this.prefix, accountId, name);
  }

  private get indexKey(): string {
    return globalKey(this.prefix, 'buffer:pending');
  }

  async append(request: BufferRequest): Promise<BufferedItem> {
    // Index first: an index entry without an item costs one empty look; an item without an entry could wait unseen.
    await run(this.client, 'mgBufferIndex', [this.indexKey], [request.accountId]);
    const id = await run(
      this.client,
      'mgBufferAppend',
      [this.key(request.accountId, 'buffer'), this.key(request.accountId, 'buffer:stats')],
      [
        request.surface,
        request.method,
        request.path,
        request.query,
        JSON.stringify(request.headers),
        request.contentType ?? '',
        request.body,
        request.receivedAt,
      ],
    );
    return { ...request, id: String(id) };
  }

  private async cursor(accountId: string): Promise<string> {
    return (await this.client.get(this.key(accountId, 'buffer:cursor'))) ?? '0-0';
  }

  async pending(accountId: string, options: { limit: number; after?: string; maxBytes?: number }): Promise<BufferedItem[]> {
    const cursor = await this.cursor(accountId);
    const from = options.after !== undefined && compareIds(options.after, cursor) > 0 ? options.after : cursor;
    if (options.maxBytes !== undefined) {
      // defineCommand also defines <name>Buffer, which answers with raw bytes: bodies come back untouched.
      const bounded = (await run(
        this.client,
        'mgBufferPendingBuffer',
        [this.key(accountId, 'buffer')],
        [from, options.limit, options.maxBytes],
      )) as RawEntry[];
      return bounded.map((entry) => decode(accountId, entry));
    }
    const entries = (await this.client.xrangeBuffer(this.key(accountId, 'buffer'), `(${from}`, '+', 'COUNT', options.limit)) as RawEntry[];
    return entries.map((entry) => decode(accountId, entry));
  }

  private async summaries(accountId: string, args: (string | number)[]): Promise<BufferedItemSummary[]> {
    const entries = (await run(this.client, 'mgBufferSummariesBuffer', [this.key(accountId, 'buffer')], args)) as RawEntry[];
    return entries.map((entry) => decodeSummary(accountId, entry));
  }

  async pendingSummaries(accountId: string, options: { limit: number; after?: string }): Promise<BufferedItemSummary[]> {
    const cursor = await this.cursor(accountId);
    const from = options.after !== undefined && compareIds(options.after, cursor) > 0 ? options.after : cursor;
    return this.summaries(accountId, ['range', from, options.limit]);
  }

  async stats(accountId: string): Promise<BufferStats> {
    const [hash, lease, ttl, cursor] = await Promise.all([
      this.client.hgetall(this.key(accountId, 'buffer:stats')),
      this.client.get(this.key(accountId, 'buffer:lease')),
      this.client.pttl(this.key(accountId, 'buffer:lease')),
      this.cursor(accountId),
    ]);
    const [oldest] = await this.summaries(accountId, ['range', cursor, 1]);
    const count = (name: string): number => Number(hash[name] ?? 0);
    const pendingBySurface = emptySurfaceCounts();
    const deadBySurface = emptySurfaceCounts();
    const keptBySurface = emptySurfaceCounts();
    for (const s of BUFFER_SURFACES) {
      pendingBySurface[s] = count(`pending:${s}`);
      deadBySurface[s] = count(`dead:${s}`);
      keptBySurface[s] = count(`kept:${s}`);
    }
    const leaseMatch = lease ? /^(\d+)\|(.*)$/s.exec(lease) : null;
    return {
      depth: Object.values(pendingBySurface).reduce((a, n) => a + n, 0),
      pendingBySurface,
      deadBySurface,
      keptBySurface,
      oldestReceivedAt: oldest ? oldest.receivedAt : null,
      accepted: count('accepted'),
      replayed: count('replayed'),
      deadLettered: count('deadLettered'),
      redriven: count('redriven'),
      lease: leaseMatch ? { token: Number(leaseMatch[1]), owner: leaseMatch[2], expiresInMs: Math.max(0, ttl) } : null,
    };
  }

  async deadLetters(accountId: string, limit: number): Promise<DeadLetter[]> {
    const all = await this.client.hgetall(this.key(accountId, 'buffer:dead'));
    return this.letters(accountId, all, Object.keys(all).sort(compareIds).slice(0, limit));
  }

  /** Dead letters `ids` read back from the stream (summaries: the body is only measured) with their answers. */
  private async letters(accountId: string, all: Record<string, string>, ids: string[]): Promise<DeadLetter[]> {
    if (ids.length === 0) return [];
    const items = await this.summaries(accountId, ['ids', ...ids]);
    return items.map((item) => {
      const raw = all[item.id];
      return { item, answer: JSON.parse(raw.slice(raw.indexOf('|') + 1)) as DeadLetterAnswer };
    });
  }

  async acquireLease(accountId: string, owner: string, ttlMs: number): Promise<BufferLease | null> {
    const token = Number(
      await run(
        this.client,
        'mgBufferLeaseAcquire',
        [this.key(accountId, 'buffer:lease'), this.key(accountId, 'buffer:fence')],
        [owner, Math.ceil(ttlMs)],
      ),
    );
    return token > 0 ? { accountId, owner, token } : null;
  }

  async renewLease(lease: BufferLease, ttlMs: number): Promise<boolean> {
    const renewed = await run(
      this.client,
      'mgBufferLeaseRenew',
      [this.key(lease.accountId, 'buffer:lease')],
      [lease.token, Math.ceil(ttlMs)],
    );
    return renewed === 1;
  }

  async releaseLease(lease: BufferLease): Promise<void> {
    await run(this.client, 'mgBufferLeaseRelease', [this.key(lease.accountId, 'buffer:lease')], [lease.token]);
  }

  async ack(lease: BufferLease, item: Pick<BufferedItem, 'id' | 'surface'>): Promise<FencedResult> {
    const a = lease.accountId;
    const done = await run(
      this.client,
      'mgBufferAck',
      [this.key(a, 'buffer:lease'), this.key(a, 'buffer'), this.key(a, 'buffer:stats'), this.key(a, 'buffer:dead')],
      [lease.token, item.id, item.surface],
    );
    return done === 1 ? 'ok' : 'fenced';
  }

  async deadLetter(lease: BufferLease, itemId: string, answer: DeadLetterAnswer, notifyOperator = false): Promise<FencedResult> {
    const a = lease.accountId;
    const done = await run(
      this.client,
      'mgBufferDeadLetter',
      [
        this.key(a, 'buffer:lease'),
        this.key(a, 'buffer'),
        this.key(a, 'buffer:stats'),
        this.key(a, 'buffer:dead'),
        this.key(a, 'buffer:cursor'),
        this.key(a, 'buffer:rejected'),
      ],
      [lease.token, itemId, JSON.stringify(answer), notifyOperator ? '1' : '0'],
    );
    return done === 1 ? 'ok' : 'fenced';
  }

  async rejectedDue(accountId: string): Promise<DeadLetter[]> {
    const flags = await this.client.hgetall(this.key(accountId, 'buffer:rejected'));
    const owed = Object.keys(flags).filter((id) => flags[id] === '0');
    if (owed.length === 0) return [];
    const all = await this.client.hgetall(this.key(accountId, 'buffer:dead'));
    return this.letters(accountId, all, owed.filter((id) => all[id] !== undefined).sort(compareIds));
  }

  async rejectedNotified(lease: BufferLease, itemId: string): Promise<FencedResult> {
    const a = lease.accountId;
    const done = await run(
      this.client,
      'mgBufferRejectedNotified',
      [this.key(a, 'buffer:lease'), this.key(a, 'buffer:rejected')],
      [lease.token, itemId],
    );
    return done === 1 ? 'ok' : 'fenced';
  }

  async keep(lease: BufferLease, item: BufferedItem): Promise<FencedResult> {
    const a = lease.accountId;
    const { body, headers: _headers, ...rest } = item;
    const summary: BufferedItemSummary = { ...rest, bytes: body.length };
    const done = await run(
      this.client,
      'mgBufferKeep',
      [
        this.key(a, 'buffer:lease'),
        this.key(a, 'buffer'),
        this.key(a, 'buffer:stats'),
        this.key(a, 'buffer:dead'),
        this.key(a, 'buffer:kept'),
      ],
      [lease.token, item.id, item.surface, JSON.stringify(summary)],
    );
    return done === 1 ? 'ok' : 'fenced';
  }

  async kept(accountId: string, limit: number): Promise<BufferedItemSummary[]> {
    const all = await this.client.hgetall(this.key(accountId, 'buffer:kept'));
    return Object.keys(all)
      .sort(compareIds)
      .slice(0, limit)
      .map((id) => JSON.parse(all[id]) as BufferedItemSummary);
  }

  async redrive(accountId: string): Promise<number> {
    await run(this.client, 'mgBufferIndex', [this.indexKey], [accountId]);
    const count = await run(
      this.client,
      'mgBufferRedrive',
      [
        this.key(accountId, 'buffer:lease'),
        this.key(accountId, 'buffer:stats'),
        this.key(accountId, 'buffer:dead'),
        this.key(accountId, 'buffer:cursor'),
      ],
      [],
    );
    return Number(count);
  }

  async pendingAccounts(): Promise<string[]> {
    return this.client.zrange(this.indexKey, 0, -1);
  }

  async settle(accountId: string, graceMs: number): Promise<boolean> {
    const waiting = await this.client.hgetall(this.key(accountId, 'buffer:stats'));
    const depth = BUFFER_SURFACES.reduce((a, s: BufferSurface) => a + Number(waiting[`pending:${s}`] ?? 0), 0);
    if (depth > 0) return false;
    // An operator notification still owed keeps the account polled, so a later pass sends it.
    const flags = await this.client.hvals(this.key(accountId, 'buffer:rejected'));
    if (flags.includes('0')) return false;
    const dropped = await run(this.client, 'mgBufferSettle', [this.indexKey], [accountId, Math.ceil(graceMs)]);
    return dropped === 1;
  }
}
