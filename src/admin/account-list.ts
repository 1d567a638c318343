// The operator's lists (SPEC §12): accounts in a window, upcoming, suspended or with dead letters, read from the
// attention index and checked one by one against the real state (stale entries are dropped), never a scan.
import type { AccountRecord } from '../domain/account';
import { GatewayError } from '../domain/errors';
import { z } from 'zod';
import { integrationView, integrationViewSchema, type IntegrationView } from '../integrations/admin-routes';
import { phaseAt } from '../policy/phase';
import { ATTENTION_STATES, type AttentionEntry, type AttentionState } from '../store/attention-store';
import { ALLOCATION_WINDOW_MS } from '../store/integration-store';
import type { Store } from '../store/types';
import { migrationView, migrationViewSchema } from './account-view';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
/** Index reads per page: bounds the work a page of mostly stale entries can cause; the cursor goes on from there. */
const MAX_ROUNDS = 5;
/** Started entries the first page of `upcoming` takes out of the index (see sweepStarted). */
const SWEEP_LIMIT = 100;

export interface ListedAccount {
  id: string;
  contactName: string;
  dataLocation: string;
  timezone: string;
  migration: Record<string, unknown>;
  /** `suspended`: the suspended integrations. */
  suspendedIntegrations?: IntegrationView[];
  /** `dead_letters`: how many. */
  deadLetters?: number;
}

export interface AccountListPage {
  state: AttentionState;
  accounts: ListedAccount[];
  /** Opaque; null when the list is exhausted. A cursor may lead to an empty last page. */
  nextCursor: string | null;
}

/** GET /accounts?state=: one page of a list. */
export const accountListPageSchema = z.object({
  state: z.enum(ATTENTION_STATES),
  accounts: z.array(
    z.object({
      id: z.string(),
      contactName: z.string(),
      dataLocation: z.string(),
      timezone: z.string(),
      migration: migrationViewSchema,
      suspendedIntegrations: z.array(integrationViewSchema).optional().describe('`suspended`: the suspended integrations'),
      deadLetters: z.number().int().min(0).optional().describe('`dead_letters`: how many'),
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null when the list is exhausted'),
});

type Verdict = { kind: 'listed'; account: ListedAccount } | { kind: 'stale' } | { kind: 'skip'; fixScore?: number };

export function encodeCursor(state: AttentionState, entry: AttentionEntry): string {
  return Buffer.from(JSON.stringify([state, entry.score, entry.accountId]), 'utf8').toString('base64url');
}

export function decodeCursor(state: AttentionState, cursor: string): AttentionEntry {
  const invalid = new GatewayError(400, 'INVALID_CURSOR', 'cursor: must be the nextCursor of a previous page of the same list', {
    field: 'cursor',
  });
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid;
  const [listState, score, accountId] = parsed as unknown[];
  if (listState !== state || typeof score !== 'number' || !Number.isSafeInteger(score) || typeof accountId !== 'string') throw invalid;
  return { score, accountId };
}

function basics(record: AccountRecord, now: number): ListedAccount {
  return {
    id: record.id,
    contactName: record.settings.contactName,
    dataLocation: record.settings.dataLocation,
    timezone: record.settings.timezone,
    migration: migrationView(record, now),
  };
}

async function check(store: Store, state: AttentionState, record: AccountRecord | null, now: number): Promise<Verdict> {
  if (!record) return { kind: 'stale' };
  const m = record.migration;
  const active = m !== null && (m.status === 'scheduled' || m.status === 'in_progress');
  switch (state) {
    case 'in_window': {
      if (m && phaseAt(m, now) === 'window') return { kind: 'listed', account: basics(record, now) };
      // Moved to a later start (an event was lost): score it where it belongs; it shows up when its window opens.
      return active && m ? { kind: 'skip', fixScore: m.startedAt ?? m.start } : { kind: 'stale' };
    }
    case 'upcoming': {
      if (m?.status !== 'scheduled') return { kind: 'stale' };
      if (m.start <= now) return { kind: 'skip' };
      return { kind: 'listed', account: basics(record, now) };
    }
    case 'suspended': {
      const views = await Promise.all(
        Object.keys(record.settings.integrations).map(async (name) => {
          const [stored, calls] = await Promise.all([
            store.integrations.get(record.id, name),
            store.integrations.callsInWindow(record.id, name, now, ALLOCATION_WINDOW_MS),
          ]);
          return integrationView(record, name, stored, calls);
        }),
      );
      const suspended = views.filter((v) => v.state === 'suspended');
      return suspended.length
        ? { kind: 'listed', account: { ...basics(record, now), suspendedIntegrations: suspended } }
        : { kind: 'stale' };
    }
    case 'dead_letters': {
      const stats = await store.buffer.stats(record.id);
      const dead = Object.values(stats.deadBySurface).reduce((a, n) => a + n, 0);
      return dead > 0 ? { kind: 'listed', account: { ...basics(record, now), deadLetters: dead } } : { kind: 'stale' };
    }
  }
}

/**
 * Entries of `upcoming` whose start has passed are below every page's range, so no page would ever check them: the
 * first page takes up to SWEEP_LIMIT of them and drops each (or moves it to the record's later start, when a
 * reschedule's event was lost). Bounded work, and the index does not keep every migration it ever listed.
 */
async function sweepStarted(store: Store, now: number): Promise<void> {
  const started = await store.attention.range('upcoming', { max: now, limit: SWEEP_LIMIT });
  await Promise.all(
    started.map(async (entry) => {
      const m = (await store.accounts.get(entry.accountId))?.migration;
      if (m?.status === 'scheduled' && m.start > now) await store.attention.add('upcoming', entry.accountId, m.start);
      else await store.attention.remove('upcoming', entry.accountId, entry.score);
    }),
  );
}

/** One page of a list. Reads only accounts the index names, and at most limit × MAX_ROUNDS of them. */
export async function listAccounts(
  store: Store,
  state: AttentionState,
  options: { cursor?: string; limit: number; now: number },
): Promise<AccountListPage> {
  const { limit, now } = options;
  // in_window: started at or before now; upcoming: starting after now, soonest first.
  const bounds = state === 'in_window' ? { max: now } : state === 'upcoming' ? { min: now + 1 } : {};
  let after = options.cursor === undefined ? undefined : decodeCursor(state, options.cursor);
  if (state === 'upcoming' && after === undefined) await sweepStarted(store, now);
  const accounts: ListedAccount[] = [];
  let exhausted = false;
  for (let round = 0; round < MAX_ROUNDS && accounts.length < limit; round++) {
    const wanted = limit - accounts.length;
    const batch = await store.attention.range(state, { ...bounds, after, limit: wanted });
    const records = await Promise.all(batch.map((entry) => store.accounts.get(entry.accountId)));
    const verdicts = await Promise.all(batch.map((_entry, i) => check(store, state, records[i] ?? null, now)));
    for (const [i, verdict] of verdicts.entries()) {
      const entry = batch[i] as AttentionEntry;
      if (verdict.kind === 'listed') accounts.push(verdict.account);
      else if (verdict.kind === 'stale') await store.attention.remove(state, entry.accountId, entry.score);
      else if (verdict.fixScore !== undefined && verdict.fixScore !== entry.score)
        await store.attention.add(state, entry.accountId, verdict.fixScore);
    }
    after = batch[batch.length - 1] ?? after;
    if (batch.length < wanted) {
      exhausted = true;
      break;
    }
  }
  return { state, accounts, nextCursor: exhausted || !after ? null : encodeCursor(state, after) };
}
