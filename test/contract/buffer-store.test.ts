// Contract: every Store keeps buffered requests the same way — order, binary bodies, fenced leases, dead letters, re-drive.
import type { BufferRequest, BufferSurface } from '../../src/store/buffer-store';
import type { Store } from '../../src/store/types';
import { storeFactories } from '../support/stores';

function request(accountId: string, n: number, surface: BufferSurface = 'form', body: Buffer = Buffer.from(`n=${n}`)): BufferRequest {
  return {
    accountId,
    surface,
    method: 'POST',
    path: `/forms/${accountId}/f1`,
    query: `n=${n}&x=%C3%A9`,
    headers: { 'user-agent': 'test', 'x-request-id': `r${n}` },
    body,
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: 1_700_000_000_000 + n,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answer = (status: number | null) => ({ status, bodyExcerpt: 'no', error: null, attempts: 1, at: 5 });

describe.each(storeFactories)('BufferStore contract (%s)', (_name, make) => {
  let store: Store;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps items in arrival order per account, with everything needed to replay them', async () => {
    const a = [];
    for (let n = 0; n < 5; n += 1) a.push(await store.buffer.append(request('acc-a', n)));
    await store.buffer.append(request('acc-b', 99, 'meeting'));
    const ids = a.map((i) => i.id);
    expect(new Set(ids).size).toBe(5);
    const pending = await store.buffer.pending('acc-a', { limit: 10 });
    expect(pending.map((i) => i.id)).toEqual(ids);
    expect(pending[2]).toEqual({ ...request('acc-a', 2), id: ids[2] });
    expect((await store.buffer.pending('acc-a', { limit: 2, after: ids[1] })).map((i) => i.id)).toEqual(ids.slice(2, 4));
    expect((await store.buffer.pending('acc-b', { limit: 10 })).map((i) => i.surface)).toEqual(['meeting']);
    expect((await store.buffer.pendingAccounts()).sort()).toEqual(['acc-a', 'acc-b']);
  });

  it('stores bodies byte for byte, including invalid UTF-8 and NUL, and a null content type', async () => {
    const bytes = Buffer.from([0, 255, 254, 0xc3, 0x28, 10, 13, 0, 128]);
    const stored = await store.buffer.append({ ...request('acc-bin', 1, 'inbound', bytes), contentType: null });
    const [item] = await store.buffer.pending('acc-bin', { limit: 1 });
    expect(item.id).toBe(stored.id);
    expect(Buffer.compare(item.body, bytes)).toBe(0);
    expect(item.contentType).toBeNull();
  });

  it('counts per surface and reports depth, oldest item and progress', async () => {
    await store.buffer.append(request('acc-s', 1, 'form'));
    await store.buffer.append(request('acc-s', 2, 'analytics'));
    await store.buffer.append(request('acc-s', 3, 'analytics'));
    const stats = await store.buffer.stats('acc-s');
    expect(stats.depth).toBe(3);
    expect(stats.pendingBySurface).toEqual({ form: 1, meeting: 0, analytics: 2, inbound: 0 });
    expect(stats.oldestReceivedAt).toBe(request('acc-s', 1).receivedAt);
    expect(stats.accepted).toBe(3);
    expect(stats.lease).toBeNull();
    const empty = await store.buffer.stats('nobody');
    expect(empty.depth).toBe(0);
    expect(empty.oldestReceivedAt).toBeNull();
  });

  it('acks only under the live lease, and a second holder is refused while it lives', async () => {
    const item = await store.buffer.append(request('acc-l', 1));
    const lease = await store.buffer.acquireLease('acc-l', 'one', 5000);
    expect(lease).not.toBeNull();
    expect(await store.buffer.acquireLease('acc-l', 'two', 5000)).toBeNull();
    expect((await store.buffer.stats('acc-l')).lease).toMatchObject({ owner: 'one', token: lease?.token });
    expect(await store.buffer.ack({ accountId: 'acc-l', owner: 'two', token: (lease?.token ?? 0) + 7 }, item)).toBe('fenced');
    expect(await store.buffer.pending('acc-l', { limit: 5 })).toHaveLength(1);
    expect(await store.buffer.ack(lease!, item)).toBe('ok');
    expect(await store.buffer.pending('acc-l', { limit: 5 })).toHaveLength(0);
    // A repeated ack (a retry after a lost reply) changes nothing.
    expect(await store.buffer.ack(lease!, item)).toBe('ok');
    const stats = await store.buffer.stats('acc-l');
    expect(stats.depth).toBe(0);
    expect(stats.replayed).toBe(1);
    expect(stats.oldestReceivedAt).toBeNull();
  });

  it('fences out an expired holder once a newer lease exists (fencing tokens grow)', async () => {
    const item = await store.buffer.append(request('acc-f', 1));
    const old = await store.buffer.acquireLease('acc-f', 'old', 50);
    await sleep(120);
    const fresh = await store.buffer.acquireLease('acc-f', 'new', 5000);
    expect(fresh!.token).toBeGreaterThan(old!.token);
    expect(await store.buffer.renewLease(old!, 5000)).toBe(false);
    expect(await store.buffer.ack(old!, item)).toBe('fenced');
    expect(await store.buffer.deadLetter(old!, item.id, answer(400))).toBe('fenced');
    await store.buffer.releaseLease(old!);
    expect((await store.buffer.stats('acc-f')).lease?.owner).toBe('new');
    expect(await store.buffer.renewLease(fresh!, 5000)).toBe(true);
    expect(await store.buffer.ack(fresh!, item)).toBe('ok');
    await store.buffer.releaseLease(fresh!);
    expect(await store.buffer.acquireLease('acc-f', 'third', 5000)).not.toBeNull();
  });

  it('refuses an expired lease even when nobody took over', async () => {
    const item = await store.buffer.append(request('acc-e', 1));
    const lease = await store.buffer.acquireLease('acc-e', 'slow', 50);
    await sleep(120);
    expect(await store.buffer.ack(lease!, item)).toBe('fenced');
  });

  it('dead-letters with the answer recorded, then re-drives in the original order with the original ids', async () => {
    const items = [];
    for (let n = 0; n < 4; n += 1) items.push(await store.buffer.append(request('acc-d', n, n % 2 ? 'meeting' : 'form')));
    const lease = (await store.buffer.acquireLease('acc-d', 'r', 5000))!;
    expect(await store.buffer.deadLetter(lease, items[0].id, { ...answer(422), bodyExcerpt: 'bad field' })).toBe('ok');
    expect(await store.buffer.ack(lease, items[1])).toBe('ok');
    expect(await store.buffer.deadLetter(lease, items[2].id, answer(410))).toBe('ok');
    expect((await store.buffer.pending('acc-d', { limit: 10 })).map((i) => i.id)).toEqual([items[3].id]);

    const stats = await store.buffer.stats('acc-d');
    expect(stats.depth).toBe(1);
    expect(stats.deadBySurface).toEqual({ form: 2, meeting: 0, analytics: 0, inbound: 0 });
    expect(stats.deadLettered).toBe(2);
    const dead = await store.buffer.deadLetters('acc-d', 10);
    expect(dead.map((d) => d.item.id)).toEqual([items[0].id, items[2].id]);
    expect(dead[0].answer).toEqual({ ...answer(422), bodyExcerpt: 'bad field' });
    expect(dead[0].item).not.toHaveProperty('body');
    expect(dead[0].item.bytes).toBe(3);
    expect(await store.buffer.deadLetters('acc-d', 1)).toHaveLength(1);

    expect(await store.buffer.redrive('acc-d')).toBe(2);
    // Re-drive revokes the lease: the running replayer must stop and a fresh pass start from the oldest item.
    expect(await store.buffer.ack(lease, items[3])).toBe('fenced');
    expect((await store.buffer.pending('acc-d', { limit: 10 })).map((i) => i.id)).toEqual([items[0].id, items[2].id, items[3].id]);
    const after = await store.buffer.stats('acc-d');
    expect(after.depth).toBe(3);
    expect(after.deadBySurface.form).toBe(0);
    expect(after.pendingBySurface).toEqual({ form: 2, meeting: 1, analytics: 0, inbound: 0 });
    expect(after.redriven).toBe(2);
    expect(await store.buffer.deadLetters('acc-d', 10)).toEqual([]);
    expect(await store.buffer.redrive('acc-d')).toBe(0);
  });

  it('leaves the pending index only when nothing waits and the grace has passed', async () => {
    const item = await store.buffer.append(request('acc-i', 1));
    expect(await store.buffer.settle('acc-i', 0)).toBe(false);
    const lease = (await store.buffer.acquireLease('acc-i', 'r', 5000))!;
    await store.buffer.ack(lease, item);
    expect(await store.buffer.settle('acc-i', 60_000)).toBe(false);
    await sleep(5);
    expect(await store.buffer.settle('acc-i', 1)).toBe(true);
    expect(await store.buffer.pendingAccounts()).toEqual([]);
    await store.buffer.append(request('acc-i', 2));
    expect(await store.buffer.pendingAccounts()).toEqual(['acc-i']);
  });

  it('keeps an account with dead letters out of the way, and re-drive brings it back to the index', async () => {
    const item = await store.buffer.append(request('acc-r', 1));
    const lease = (await store.buffer.acquireLease('acc-r', 'r', 5000))!;
    await store.buffer.deadLetter(lease, item.id, answer(400));
    await sleep(5);
    expect(await store.buffer.settle('acc-r', 1)).toBe(true);
    await store.buffer.redrive('acc-r');
    expect(await store.buffer.pendingAccounts()).toEqual(['acc-r']);
  });

  it('reads a page of waiting items within a byte budget, the first item always, bodies intact', async () => {
    const big = (n: number, kib: number) => request('acc-bytes', n, 'form', Buffer.alloc(kib * 1024, n));
    const ids = [];
    for (const [n, kib] of [
      [0, 300],
      [1, 300],
      [2, 300],
      [3, 900],
    ] as const)
      ids.push((await store.buffer.append(big(n, kib))).id);
    // 1 MiB budget: 300 + 300 + 300 KiB fit, the 900 KiB item waits for the next page.
    const page = await store.buffer.pending('acc-bytes', { limit: 10, maxBytes: 1024 * 1024 });
    expect(page.map((i) => i.id)).toEqual(ids.slice(0, 3));
    expect(page[1].body.equals(Buffer.alloc(300 * 1024, 1))).toBe(true);
    const next = await store.buffer.pending('acc-bytes', { limit: 10, maxBytes: 100, after: ids[2] });
    expect(next.map((i) => i.id)).toEqual([ids[3]]);
    expect(next[0].body.length).toBe(900 * 1024);
    expect((await store.buffer.pending('acc-bytes', { limit: 2, maxBytes: 10 * 1024 * 1024 })).map((i) => i.id)).toEqual(ids.slice(0, 2));
    // Listings read summaries: the body's length, never the body.
    const summaries = await store.buffer.pendingSummaries('acc-bytes', { limit: 3, after: ids[0] });
    expect(summaries.map((i) => [i.id, i.bytes])).toEqual([
      [ids[1], 300 * 1024],
      [ids[2], 300 * 1024],
      [ids[3], 900 * 1024],
    ]);
    expect(summaries[0]).toEqual({
      id: ids[1],
      accountId: 'acc-bytes',
      surface: 'form',
      method: 'POST',
      path: '/forms/acc-bytes/f1',
      query: 'n=1&x=%C3%A9',
      contentType: 'application/x-www-form-urlencoded',
      receivedAt: 1_700_000_000_001,
      bytes: 300 * 1024,
    });
    expect((await store.buffer.stats('acc-bytes')).oldestReceivedAt).toBe(1_700_000_000_000);
  });

  it('keeps a meeting request out of the replay order with its summary, only under the live lease', async () => {
    const form = await store.buffer.append(request('acc-k', 1, 'form'));
    const meeting = await store.buffer.append({ ...request('acc-k', 2, 'meeting'), path: '/meetings/acc-k/intro/book' });
    const lease = (await store.buffer.acquireLease('acc-k', 'gw-1', 60_000))!;
    expect(await store.buffer.keep({ ...lease, token: lease.token + 1 }, meeting)).toBe('fenced');
    expect(await store.buffer.keep(lease, meeting)).toBe('ok');
    expect(await store.buffer.keep(lease, meeting)).toBe('ok');
    expect((await store.buffer.pending('acc-k', { limit: 10 })).map((i) => i.id)).toEqual([form.id]);
    const stats = await store.buffer.stats('acc-k');
    expect(stats.depth).toBe(1);
    expect(stats.keptBySurface).toEqual({ form: 0, meeting: 1, analytics: 0, inbound: 0 });
    expect(stats.pendingBySurface.meeting).toBe(0);
    expect(await store.buffer.kept('acc-k', 10)).toEqual([
      {
        id: meeting.id,
        accountId: 'acc-k',
        surface: 'meeting',
        method: 'POST',
        path: '/meetings/acc-k/intro/book',
        query: 'n=2&x=%C3%A9',
        contentType: 'application/x-www-form-urlencoded',
        receivedAt: 1_700_000_000_002,
        bytes: 3,
      },
    ]);
  });

  it('marks a 401/403 dead letter as owing one operator notification, atomically with the dead letter, once in its life', async () => {
    const a = await store.buffer.append(request('acc-n', 1));
    const b = await store.buffer.append(request('acc-n', 2));
    let lease = (await store.buffer.acquireLease('acc-n', 'gw-1', 60_000))!;
    expect(await store.buffer.deadLetter({ ...lease, token: lease.token + 1 }, a.id, answer(401), true)).toBe('fenced');
    expect(await store.buffer.rejectedDue('acc-n')).toEqual([]);
    await store.buffer.deadLetter(lease, a.id, answer(401), true);
    await store.buffer.deadLetter(lease, b.id, answer(422));
    const due = await store.buffer.rejectedDue('acc-n');
    expect(due.map((d) => [d.item.id, d.answer.status])).toEqual([[a.id, 401]]);
    // Owed: the account stays polled so a later pass sends it.
    expect(await store.buffer.settle('acc-n', 0)).toBe(false);
    expect(await store.buffer.rejectedNotified({ ...lease, token: lease.token + 1 }, a.id)).toBe('fenced');
    expect(await store.buffer.rejectedNotified(lease, a.id)).toBe('ok');
    expect(await store.buffer.rejectedDue('acc-n')).toEqual([]);
    expect(await store.buffer.settle('acc-n', 0)).toBe(true);

    // Re-driven and refused again: not owed a second time.
    await store.buffer.redrive('acc-n');
    lease = (await store.buffer.acquireLease('acc-n', 'gw-2', 60_000))!;
    await store.buffer.deadLetter(lease, a.id, answer(401), true);
    expect(await store.buffer.rejectedDue('acc-n')).toEqual([]);
  });
});
