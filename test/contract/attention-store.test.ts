// Contract: every Store keeps the attention index the same way (order, ranges, paging, conditional removal).
import type { AttentionStore } from '../../src/store/attention-store';
import type { Store } from '../../src/store/types';
import { storeFactories } from '../support/stores';

const T0 = Date.UTC(2026, 11, 8, 21);

describe.each(storeFactories)('AttentionStore contract (%s)', (_name, make) => {
  let store: Store;
  let attention: AttentionStore;
  beforeEach(() => {
    store = make();
    attention = store.attention;
  });
  afterEach(async () => {
    await store.close();
  });

  const ids = (entries: { accountId: string }[]): string[] => entries.map((e) => e.accountId);

  it('lists by score, ties by account id, and an add moves an account instead of listing it twice', async () => {
    await attention.add('upcoming', 'b', T0 + 2);
    await attention.add('upcoming', 'c', T0 + 1);
    await attention.add('upcoming', 'a', T0 + 2);
    await attention.add('upcoming', 'd', T0 + 5);
    await attention.add('upcoming', 'd', T0);
    expect(await attention.range('upcoming', { limit: 10 })).toEqual([
      { accountId: 'd', score: T0 },
      { accountId: 'c', score: T0 + 1 },
      { accountId: 'a', score: T0 + 2 },
      { accountId: 'b', score: T0 + 2 },
    ]);
  });

  it('keeps the lists apart', async () => {
    await attention.add('suspended', 'a', T0);
    await attention.add('dead_letters', 'b', T0);
    expect(ids(await attention.range('suspended', { limit: 10 }))).toEqual(['a']);
    expect(ids(await attention.range('dead_letters', { limit: 10 }))).toEqual(['b']);
    expect(await attention.range('in_window', { limit: 10 })).toEqual([]);
  });

  it('honours inclusive min and max bounds', async () => {
    for (let i = 0; i < 5; i++) await attention.add('in_window', `a${i}`, T0 + i);
    expect(ids(await attention.range('in_window', { min: T0 + 1, max: T0 + 3, limit: 10 }))).toEqual(['a1', 'a2', 'a3']);
    expect(ids(await attention.range('in_window', { max: T0, limit: 10 }))).toEqual(['a0']);
    expect(ids(await attention.range('in_window', { min: T0 + 4, limit: 10 }))).toEqual(['a4']);
  });

  it('pages through ties without losing or repeating an entry, even when the cursor entry was removed', async () => {
    for (const id of ['e', 'a', 'c', 'b', 'd']) await attention.add('in_window', id, T0);
    await attention.add('in_window', 'z', T0 - 1);
    const first = await attention.range('in_window', { limit: 3 });
    expect(ids(first)).toEqual(['z', 'a', 'b']);
    await attention.remove('in_window', 'b');
    const second = await attention.range('in_window', { limit: 3, after: first[2] });
    expect(ids(second)).toEqual(['c', 'd', 'e']);
    expect(await attention.range('in_window', { limit: 3, after: second[2] })).toEqual([]);
  });

  it('removes only while the entry still has the score the reader saw', async () => {
    await attention.add('suspended', 'a', T0);
    await attention.add('suspended', 'a', T0 + 10);
    expect(await attention.remove('suspended', 'a', T0)).toBe(false);
    expect(ids(await attention.range('suspended', { limit: 10 }))).toEqual(['a']);
    expect(await attention.remove('suspended', 'a', T0 + 10)).toBe(true);
    expect(await attention.remove('suspended', 'a')).toBe(false);
    expect(await attention.range('suspended', { limit: 10 })).toEqual([]);
  });
});
