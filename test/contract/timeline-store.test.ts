// Contract: outbox, checklist and meeting requests behave the same in memory and on Redis.
import type { AccountRecord } from '../../src/domain/account';
import type { Notification } from '../../src/store/outbox-store';
import type { DueClaim, MeetingRequest } from '../../src/store/timeline-store';
import type { Store } from '../../src/store/types';
import { newNotification } from '../../src/timeline/outbox';
import { accountRecord } from '../support/accounts';
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

describe.each(storeFactories)('DueIndex contract (%s)', (_name, make) => {
  let store: Store;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => {
    await store.close();
  });
  const due = () => store.timeline.due;
  const LEASE = 60_000;

  it('claims what is due at now, earliest first, in batches, and tells when the next one comes', async () => {
    await due().touch('late', 3000);
    await due().touch('b', 1000);
    await due().touch('a', 1000);
    await due().touch('c', 2000);
    const first = await due().claim(2000, 2, LEASE);
    expect(first.claims).toEqual([
      { accountId: 'a', lease: 62_000 },
      { accountId: 'b', lease: 62_000 },
    ]);
    expect(first.nextAt).toBe(2000);
    const second = await due().claim(2000, 2, LEASE);
    expect(second.claims.map((c) => c.accountId)).toEqual(['c']);
    expect(second.nextAt).toBe(3000);
    expect((await due().claim(2000, 2, LEASE)).claims).toEqual([]);
  });

  it('an idle index answers an empty batch and no next moment', async () => {
    expect(await due().claim(Date.now(), 100, LEASE)).toEqual({ claims: [], nextAt: null });
  });

  it('a touch only moves an entry earlier', async () => {
    await due().touch('a', 5000);
    await due().touch('a', 9000);
    expect(await due().scoreOf('a')).toBe(5000);
    await due().touch('a', 4000);
    expect(await due().scoreOf('a')).toBe(4000);
    expect(await due().scoreOf('never')).toBeNull();
  });

  it('a claimed account is skipped by other claimers until its lease lapses', async () => {
    await due().touch('a', 1000);
    expect((await due().claim(1000, 10, LEASE)).claims).toHaveLength(1);
    expect((await due().claim(1000 + LEASE - 1, 10, LEASE)).claims).toEqual([]);
    expect((await due().claim(1000 + LEASE, 10, LEASE)).claims).toEqual([{ accountId: 'a', lease: 1000 + 2 * LEASE }]);
  });

  it('settles at the next moment, or removes the entry when nothing comes, once the touch is older than the grace', async () => {
    await due().touch('a', 1000);
    await due().touch('b', 1000);
    const { claims } = await due().claim(1000, 10, LEASE);
    const [a, b] = claims as [DueClaim, DueClaim];
    expect(await due().settle(a, 50_000, 1000, 0)).toBe('settled');
    expect(await due().settle(b, null, 1000, 0)).toBe('settled');
    expect(await due().scoreOf('a')).toBe(50_000);
    expect(await due().scoreOf('b')).toBeNull();
  });

  it('keeps an entry touched within the grace due again at min(next, now + grace)', async () => {
    await due().touch('a', 1000);
    await due().touch('b', 1000);
    const { claims } = await due().claim(1000, 10, LEASE);
    const [a, b] = claims as [DueClaim, DueClaim];
    expect(await due().settle(a, null, 1000, 60_000)).toBe('deferred');
    expect(await due().scoreOf('a')).toBe(61_000);
    expect(await due().settle(b, 5000, 1000, 60_000)).toBe('deferred');
    expect(await due().scoreOf('b')).toBe(5000);
  });

  it('does not settle an account touched after its claim: the toucher score stays', async () => {
    await due().touch('a', 1000);
    const [claim] = (await due().claim(1000, 10, LEASE)).claims as [DueClaim];
    await due().touch('a', 1500);
    expect(await due().settle(claim, null, 1000, 0)).toBe('touched');
    expect(await due().scoreOf('a')).toBe(1500);
  });

  it('a claim that lapsed and was taken again cannot be settled by its first holder', async () => {
    await due().touch('a', 1000);
    const [first] = (await due().claim(1000, 10, LEASE)).claims as [DueClaim];
    const [second] = (await due().claim(1000 + LEASE, 10, LEASE)).claims as [DueClaim];
    expect(await due().settle(first, null, 1000, 0)).toBe('touched');
    expect(await due().settle(second, 9000, 1000 + LEASE, 0)).toBe('settled');
    expect(await due().scoreOf('a')).toBe(9000);
  });

  it('a pending notification created or released for a retry touches the index at its next attempt; under a claim it does not', async () => {
    const n = notification('scheduled:m1', { nextAttemptAt: 7000 });
    await store.timeline.outbox.create(n);
    expect(await due().scoreOf('acc1')).toBe(7000);

    await store.timeline.outbox.create(notification('week_of:m1', { accountId: 'acc2', nextAttemptAt: 7000 }), { underClaim: true });
    expect(await due().scoreOf('acc2')).toBeNull();

    // A delivery claim (lease owner set) does not touch; a release for a later attempt does.
    expect(await store.timeline.outbox.update({ ...n, leaseOwner: 'gw1', leaseUntil: 99 }, 1)).toBe(true);
    expect(await store.timeline.outbox.update({ ...n, leaseOwner: null, nextAttemptAt: 3000 }, 2)).toBe(true);
    expect(await due().scoreOf('acc1')).toBe(3000);
    // Sent: nothing more to do for it, the index is left as it is (the next look settles it).
    expect(await store.timeline.outbox.update({ ...n, status: 'sent', nextAttemptAt: 1000 }, 3)).toBe(true);
    expect(await due().scoreOf('acc1')).toBe(3000);
  });

  it('is built once per store: one caller at a time gets the job, and none after built()', async () => {
    expect(await due().needsBuild('gw1', LEASE)).toBe(true);
    expect(await due().needsBuild('gw2', LEASE)).toBe(false);
    await due().built();
    expect(await due().needsBuild('gw2', LEASE)).toBe(false);
  });

  it('gives the build to another caller once the first one lease lapsed', async () => {
    expect(await due().needsBuild('gw1', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await due().needsBuild('gw2', LEASE)).toBe(true);
  });

  it('saving an account with a migration makes it due at once; without one it stays out of the index', async () => {
    const plain = accountRecord('plain');
    const migrating: AccountRecord = {
      ...accountRecord('moving'),
      migration: {
        id: 'm1',
        status: 'scheduled',
        source: 'us',
        target: 'eu',
        start: 9_000_000,
        expectedEnd: 9_900_000,
        scheduledAt: 1000,
        scheduledBy: 'u1',
        startedAt: null,
        endedAt: null,
      },
    };
    expect(await store.accounts.save(plain, 0, { at: 1, actor: 'op', action: 'create', detail: {} })).toBe('ok');
    expect(await store.accounts.save(migrating, 0, { at: 1, actor: 'op', action: 'create', detail: {} })).toBe('ok');
    expect(await due().scoreOf('plain')).toBeNull();
    expect(await due().scoreOf('moving')).toBe(0);
  });
});
