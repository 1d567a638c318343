// Contract: outbox, checklist and meeting requests behave the same in memory and on Redis.
import type { Notification } from '../../src/store/outbox-store';
import type { MeetingRequest } from '../../src/store/timeline-store';
import type { Store } from '../../src/store/types';
import { newNotification } from '../../src/timeline/outbox';
import { storeFactories } from '../support/stores';

function notification(key: string, overrides: Partial<Notification> = {}): Notification {
  return {
    ...newNotification({
      accountId: 'acc1',
      migrationId: 'm1',
      migrationStart: 5000,
      kind: 'scheduled',
      key,
      recipients: ['ada@example.test'],
      subject: 'Subject',
      text: 'Text',
      now: 1000,
    }),
    ...overrides,
  };
}

function meeting(id: string, migrationId: string | null, receivedAt: number): MeetingRequest {
  return { id, accountId: 'acc1', migrationId, slug: 'intro', receivedAt, fields: { name: 'Bo' }, excerpt: '' };
}

describe.each(storeFactories)('TimelineStore contract (%s)', (_name, make) => {
  let store: Store;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates once per key: the loser of a race gets the winner back', async () => {
    const contenders = Array.from({ length: 10 }, () => notification('scheduled:m1'));
    const results = await Promise.all(contenders.map((n) => store.timeline.outbox.create(n)));
    const winners = results.filter((r) => r.created);
    expect(winners).toHaveLength(1);
    for (const r of results) expect(r.notification.id).toBe(winners[0]?.notification.id);
    expect(await store.timeline.outbox.list('acc1')).toHaveLength(1);
  });

  it('keeps keys per account, lists in creation order and round-trips every field', async () => {
    const a = notification('k1', { delivered: [] });
    const b = notification('k2', { createdAt: 500 });
    await store.timeline.outbox.create(a);
    await store.timeline.outbox.create(b);
    expect((await store.timeline.outbox.create(notification('k1', { accountId: 'acc2' }))).created).toBe(true);
    expect((await store.timeline.outbox.list('acc1')).map((n) => n.key)).toEqual(['k1', 'k2']);
    expect(await store.timeline.outbox.get('acc1', a.id)).toEqual(a);
    expect(await store.timeline.outbox.get('acc1', 'nope')).toBeNull();
    expect(await store.timeline.outbox.list('nobody')).toEqual([]);
  });

  it('lists due pending notifications by next attempt, and not the others', async () => {
    const late = notification('late', { nextAttemptAt: 3000 });
    const early = notification('early', { nextAttemptAt: 2000 });
    const future = notification('future', { nextAttemptAt: 9000 });
    for (const n of [late, early, future]) await store.timeline.outbox.create(n);
    expect((await store.timeline.outbox.due('acc1', 3000)).map((n) => n.key)).toEqual(['early', 'late']);
    expect(await store.timeline.outbox.update({ ...early, status: 'sent' }, early.rev)).toBe(true);
    expect((await store.timeline.outbox.due('acc1', 3000)).map((n) => n.key)).toEqual(['late']);
    expect(await store.timeline.outbox.update({ ...late, nextAttemptAt: 8000 }, late.rev)).toBe(true);
    expect(await store.timeline.outbox.due('acc1', 3000)).toEqual([]);
    expect((await store.timeline.outbox.due('acc1', 9000)).map((n) => n.key)).toEqual(['late', 'future']);
  });

  it('updates by compare-and-set on rev: exactly one of two concurrent writers wins', async () => {
    const n = notification('cas');
    await store.timeline.outbox.create(n);
    const [a, b] = await Promise.all([
      store.timeline.outbox.update({ ...n, leaseOwner: 'A' }, n.rev),
      store.timeline.outbox.update({ ...n, leaseOwner: 'B' }, n.rev),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const stored = await store.timeline.outbox.get('acc1', n.id);
    expect(stored?.rev).toBe(n.rev + 1);
    expect(stored?.leaseOwner).toBe(a ? 'A' : 'B');
    expect(await store.timeline.outbox.update({ ...n, id: 'missing' }, 1)).toBe(false);
  });

  it('opens the checklist once per migration, marks only when open, and a new migration starts afresh', async () => {
    const by = { at: 10, by: 'u1' };
    expect(await store.timeline.checklists.get('acc1')).toBeNull();
    expect(await store.timeline.checklists.mark('acc1', 'connect-dedicated-ip', { done: true, ...by })).toBe(false);
    expect(await store.timeline.checklists.open('acc1', 'm1', 100)).toBe(true);
    expect(await store.timeline.checklists.mark('acc1', 'connect-dedicated-ip', { done: true, ...by })).toBe(true);
    expect(await store.timeline.checklists.open('acc1', 'm1', 200)).toBe(false);
    expect(await store.timeline.checklists.get('acc1')).toEqual({
      migrationId: 'm1',
      openedAt: 100,
      marks: { 'connect-dedicated-ip': { done: true, at: 10, by: 'u1' } },
    });
    expect(await store.timeline.checklists.open('acc1', 'm2', 300)).toBe(true);
    expect(await store.timeline.checklists.get('acc1')).toEqual({ migrationId: 'm2', openedAt: 300, marks: {} });
  });

  it('keeps meeting requests per migration, in arrival order, once per id', async () => {
    await store.timeline.meetings.add(meeting('r2', 'm1', 20));
    await store.timeline.meetings.add(meeting('r1', 'm1', 10));
    await store.timeline.meetings.add(meeting('r1', 'm1', 10));
    await store.timeline.meetings.add(meeting('r3', 'm2', 30));
    expect((await store.timeline.meetings.list('acc1', 'm1')).map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(await store.timeline.meetings.list('acc1', 'm2')).toEqual([meeting('r3', 'm2', 30)]);
  });
});
