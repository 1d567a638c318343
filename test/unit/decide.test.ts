// The decision table: every surface × method × phase, and the phase boundaries at ±1 s.
import type { Migration } from '../../src/domain/account';
import { decide, decideForStage, type Action } from '../../src/policy/decide';
import { isOverrun, phaseAt, retryAfterSeconds } from '../../src/policy/phase';
import { SURFACES, type Surface } from '../../src/domain/surfaces';

const H = 3600_000;
const S = Date.parse('2026-12-08T21:00:00Z');

function migration(status: Migration['status'] = 'scheduled', start = S): Migration {
  return {
    id: 'm1',
    status,
    source: 'us',
    target: 'eu',
    start,
    expectedEnd: start + 36 * H,
    scheduledAt: start - 10 * 24 * H,
    scheduledBy: 'u1',
    startedAt: null,
    endedAt: null,
  };
}

const READS = ['GET', 'HEAD', 'OPTIONS'];
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'];
const STAGES = ['before', 'imports_blocked', 'chat_hidden', 'window', 'after'] as const;
type Stage = (typeof STAGES)[number];

/** The expected action, written independently of the implementation, from SPEC §3/§4. */
function expected(surface: Surface, method: string, stage: Stage): string {
  const w = stage === 'window';
  const read = READS.includes(method);
  const fromChatHidden = stage === 'chat_hidden' || w;
  const fromImportsBlocked = stage === 'imports_blocked' || fromChatHidden;
  const table: Record<Surface, string> = {
    api: w ? 'answer:api_migration' : 'proxy',
    form: w ? 'buffer:form' : 'proxy',
    meeting: w ? 'buffer:meeting' : 'proxy',
    analytics: w ? 'buffer:analytics' : 'proxy',
    inbound: w ? 'buffer:inbound' : 'proxy',
    document: w ? 'answer:document_unavailable' : 'proxy',
    knowledge_base: w && !read ? 'answer:read_only' : 'proxy',
    page: w && !read ? 'answer:read_only' : 'proxy',
    app: w ? 'answer:app_migration' : 'proxy',
    portal_ticket: 'proxy',
    portal_reply: w ? 'answer:portal_reply_blocked' : 'proxy',
    chat: read ? (fromChatHidden ? 'answer:chat_hidden' : 'proxy') : w ? 'answer:chat_write_blocked' : 'proxy',
    import: fromImportsBlocked ? 'answer:import_unavailable' : 'proxy',
    email: read ? 'proxy' : w ? 'answer:email_paused' : 'proxy',
    integration: w ? 'answer:integration_paused' : 'integration',
  };
  return table[surface];
}

const label = (a: Action): string => (a.kind === 'answer' ? `answer:${a.answer}` : a.kind === 'buffer' ? `buffer:${a.surface}` : a.kind);

describe('decideForStage: every surface, method and stage', () => {
  const rows: [Surface, string, Stage][] = [];
  for (const surface of SURFACES)
    for (const method of [...READS, ...WRITES]) for (const stage of STAGES) rows.push([surface, method, stage]);

  it.each(rows)('%s %s during %s', (surface, method, stage) => {
    expect(label(decideForStage(surface, method, stage, false))).toBe(expected(surface, method, stage));
  });

  it('proxies requests that match no route, whatever the stage', () => {
    for (const stage of STAGES) expect(decideForStage(null, 'POST', stage, false)).toEqual({ kind: 'proxy' });
  });

  it('refuses email sends on the migration day from scheduling on, and never after the migration', () => {
    expect(label(decideForStage('email', 'POST', 'before', true))).toBe('answer:email_migration_day');
    expect(label(decideForStage('email', 'POST', 'imports_blocked', true))).toBe('answer:email_migration_day');
    expect(label(decideForStage('email', 'POST', 'after', true))).toBe('proxy');
    expect(label(decideForStage('email', 'GET', 'before', true))).toBe('proxy');
  });
});

describe('phase boundaries at ±1 s', () => {
  const m = migration();
  it.each([
    [S - 24 * H - 1000, 'scheduled'],
    [S - 24 * H, 'imports_blocked'],
    [S - 24 * H + 1000, 'imports_blocked'],
    [S - H - 1000, 'imports_blocked'],
    [S - H, 'chat_hidden'],
    [S - H + 1000, 'chat_hidden'],
    [S - 1000, 'chat_hidden'],
    [S, 'window'],
    [S + 1000, 'window'],
    [S + 40 * H, 'window'],
  ])('at %d the phase is %s', (now, phase) => {
    expect(phaseAt(m, now)).toBe(phase);
  });

  it('imports are refused from exactly S − 24 h and chat is hidden from exactly S − 1 h', () => {
    const at = (now: number, surface: Surface, method = 'GET') => label(decide({ surface, method, migration: m, timeZone: 'UTC', now }));
    expect(at(S - 24 * H - 1000, 'import')).toBe('proxy');
    expect(at(S - 24 * H, 'import')).toBe('answer:import_unavailable');
    expect(at(S - H - 1000, 'chat')).toBe('proxy');
    expect(at(S - H, 'chat')).toBe('answer:chat_hidden');
    expect(at(S - 1000, 'api')).toBe('proxy');
    expect(at(S, 'api')).toBe('answer:api_migration');
    expect(at(S - 1000, 'form', 'POST')).toBe('proxy');
    expect(at(S, 'form', 'POST')).toBe('buffer:form');
  });

  it('an early start opens the window at once; completion and failure close it', () => {
    const early = { ...migration('in_progress'), startedAt: S - 48 * H };
    expect(phaseAt(early, S - 48 * H)).toBe('window');
    expect(phaseAt({ ...migration('completed'), endedAt: S + H }, S + 2 * H)).toBe('completed');
    expect(phaseAt({ ...migration('failed') }, S + 2 * H)).toBe('failed');
    expect(phaseAt({ ...migration('cancelled') }, S)).toBe('cancelled');
    expect(label(decide({ surface: 'api', method: 'GET', migration: migration('completed'), timeZone: 'UTC', now: S + H }))).toBe('proxy');
  });

  it('the migration day is the start day in the account time zone (±1 s around local midnight)', () => {
    // S = 2026-12-08T21:00Z is 22:00 on 8 December in Stockholm, 16:00 on 8 December in New York.
    const sthlm = (sendAt: number) =>
      label(decide({ surface: 'email', method: 'POST', migration: m, timeZone: 'Europe/Stockholm', now: S - 10 * 24 * H, sendAt }));
    const midnightSthlm = Date.parse('2026-12-07T23:00:00Z');
    expect(sthlm(midnightSthlm - 1000)).toBe('proxy');
    expect(sthlm(midnightSthlm)).toBe('answer:email_migration_day');
    const ny = (sendAt: number) =>
      label(decide({ surface: 'email', method: 'POST', migration: m, timeZone: 'America/New_York', now: S - 10 * 24 * H, sendAt }));
    const midnightNy = Date.parse('2026-12-08T05:00:00Z');
    expect(ny(midnightNy - 1000)).toBe('proxy');
    expect(ny(midnightNy)).toBe('answer:email_migration_day');
    // A send inside the 36 h window on the following day is refused too; one after the window is not.
    expect(ny(S + 30 * H)).toBe('answer:email_migration_day');
    expect(ny(S + 40 * H)).toBe('proxy');
  });
});

describe('CORS preflights (SPEC §10)', () => {
  const m = migration();
  const preflight = (surface: Surface, asked: string, now: number) =>
    label(decide({ surface, method: 'OPTIONS', migration: m, timeZone: 'UTC', now, preflightMethod: asked }));

  it('in the window, a preflight for a request the gateway answers or buffers is answered by the gateway', () => {
    for (const surface of SURFACES) {
      for (const asked of [...READS.filter((r) => r !== 'OPTIONS'), ...WRITES]) {
        const real = expected(surface, asked, 'window');
        const handled = real.startsWith('answer:') || real.startsWith('buffer:');
        expect([surface, asked, preflight(surface, asked, S)]).toEqual([
          surface,
          asked,
          handled ? 'answer:cors_preflight' : expected(surface, 'OPTIONS', 'window'),
        ]);
      }
    }
  });

  it('outside the window a preflight is decided like any OPTIONS request (the upstream answers it)', () => {
    expect(preflight('form', 'POST', S - 1000)).toBe('proxy');
    expect(preflight('import', 'POST', S - 2 * H)).toBe('answer:import_unavailable');
    expect(preflight('api', 'GET', S - 1000)).toBe('proxy');
    expect(preflight('integration', 'POST', S - 1000)).toBe('integration');
    expect(
      label(
        decide({
          surface: 'form',
          method: 'OPTIONS',
          migration: migration('completed'),
          timeZone: 'UTC',
          now: S + H,
          preflightMethod: 'POST',
        }),
      ),
    ).toBe('proxy');
  });

  it('an OPTIONS request that is no preflight stays a read', () => {
    expect(label(decide({ surface: 'knowledge_base', method: 'OPTIONS', migration: m, timeZone: 'UTC', now: S }))).toBe('proxy');
    expect(preflight('knowledge_base', 'GET', S)).toBe('proxy');
    expect(preflight('knowledge_base', 'POST', S)).toBe('answer:cors_preflight');
  });
});

describe('Retry-After (SPEC §10: time to the expected end, at most 900 s; at least 60 s in an overrun)', () => {
  const E = S + 36 * H;
  it.each([
    ['at the start', S, 900],
    ['901 s before the end', E - 901_000, 900],
    ['900 s before the end', E - 900_000, 900],
    ['899 s before the end', E - 899_000, 899],
    ['1.5 s before the end', E - 1500, 2],
    ['1 s before the end', E - 1000, 1],
    ['at the end', E, 60],
    ['1 s after the end', E + 1000, 60],
    ['a day after the end', E + 24 * H, 60],
  ])('%s', (_name, now, seconds) => {
    expect(retryAfterSeconds(migration('in_progress'), now)).toBe(seconds);
  });

  it('honours a configured ceiling, but never goes below 60 s in an overrun', () => {
    expect(retryAfterSeconds(migration('in_progress'), S, 120)).toBe(120);
    expect(retryAfterSeconds(migration('in_progress'), E + 1000, 30)).toBe(60);
    expect(retryAfterSeconds(null, S)).toBe(900);
  });

  it('an overrun is the expected end reached with the window still open', () => {
    expect(isOverrun(migration('in_progress'), E - 1000)).toBe(false);
    expect(isOverrun(migration('in_progress'), E)).toBe(true);
    expect(isOverrun(migration('scheduled'), E + 1000)).toBe(true);
    expect(isOverrun(migration('completed'), E + 1000)).toBe(false);
    expect(isOverrun(null, E)).toBe(false);
  });
});
