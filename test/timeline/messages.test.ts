// Notification texts and meeting-request parsing (pure).
import type { AccountRecord, Migration } from '../../src/domain/account';
import { CHECKLIST_ITEMS } from '../../src/timeline/checklist';
import { meetingDigests, parseMeetingRequest } from '../../src/timeline/meetings';
import { composeMessage } from '../../src/timeline/messages';

const HOUR = 3600_000;
// Monday 9 March 2026, 09:00 in New York: EDT since the day before.
const START = Date.parse('2026-03-09T13:00:00Z');

const migration: Migration = {
  id: 'm1',
  status: 'scheduled',
  source: 'us',
  target: 'eu',
  start: START,
  expectedEnd: START + 36 * HOUR,
  scheduledAt: START - 14 * 24 * HOUR,
  scheduledBy: 'u1',
  startedAt: null,
  endedAt: null,
};

const account: AccountRecord = {
  id: 'acc-ny',
  settings: {
    dataLocation: 'us',
    timezone: 'America/New_York',
    contactName: 'Ada',
    superAdmins: [
      { id: 'u1', name: 'Ada', email: 'ada@example.test' },
      { id: 'u2', name: 'Bo', email: 'bo@example.test' },
    ],
    paymentsEnabled: false,
    ssoEnabled: false,
    hasSandbox: false,
    integrations: {},
    meetingLinks: { sales: { ownerName: 'Cy', ownerEmail: 'cy@example.test' } },
  },
  migration,
  version: 1,
  updatedAt: 0,
};

describe('composeMessage', () => {
  it.each(['scheduled', 'week_of', 'day_before'] as const)('%s says when, what users notice, and in the account zone', (kind) => {
    const { subject, text } = composeMessage({ kind, account, migration });
    expect(subject).toContain(kind === 'day_before' ? 'Monday, 9 March 2026 at 09:00' : 'Monday, 9 March 2026');
    expect(text).toContain('unavailable from Monday, 9 March 2026 at 09:00 EDT (America/New_York) for up to 36 hours');
    expect(text).toContain('until Tuesday, 10 March 2026 at 21:00 EDT (America/New_York)');
    expect(text).toContain('From Sunday, 8 March 2026 at 09:00 EDT (America/New_York): CRM imports are unavailable');
    expect(text).toContain('From Monday, 9 March 2026 at 08:00 EDT (America/New_York): live chat and chatbots are hidden');
    for (const phrase of ['status 477', 'documents are unavailable', 'knowledge base', 'cannot be saved', 'meeting requests'])
      expect(text).toContain(phrase);
    expect(text).toContain('Account: acc-ny');
  });

  it('gives the change deadline (36 h before the start, still in EST), until the day before, which says it has passed', () => {
    expect(composeMessage({ kind: 'scheduled', account, migration }).text).toContain(
      'reschedule or cancel the migration until Saturday, 7 March 2026 at 20:00 EST (America/New_York) (36 hours before the start)',
    );
    expect(composeMessage({ kind: 'day_before', account, migration }).text).toContain('The deadline to reschedule or cancel has passed.');
  });

  it('names the old and the new start of a reschedule', () => {
    const moved = { ...migration, start: START + 7 * 24 * HOUR, expectedEnd: START + 7 * 24 * HOUR + 36 * HOUR };
    const { subject, text } = composeMessage({ kind: 'rescheduled', account, migration: moved, previousStart: START });
    expect(subject).toBe('Data migration moved to Monday, 16 March 2026');
    expect(text).toContain(
      'was moved from Monday, 9 March 2026 at 09:00 EDT (America/New_York) to Monday, 16 March 2026 at 09:00 EDT (America/New_York)',
    );
  });

  it('lists the checklist on completion, and says the account stays put on failure or cancel', () => {
    const done = composeMessage({ kind: 'completed', account, migration: { ...migration, status: 'completed' } });
    for (const item of CHECKLIST_ITEMS) expect(done.text).toContain(item.title);
    expect(done.text).toContain('the European Union (Germany)');
    expect(composeMessage({ kind: 'failed', account, migration }).text).toContain('stays in the United States');
    expect(composeMessage({ kind: 'cancelled', account, migration }).text).toContain('was cancelled');
  });

  it('has ten stable kebab-case checklist ids', () => {
    expect(CHECKLIST_ITEMS).toHaveLength(10);
    expect(new Set(CHECKLIST_ITEMS.map((i) => i.id)).size).toBe(10);
    for (const item of CHECKLIST_ITEMS) expect(item.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });
});

describe('meeting requests', () => {
  const item = (body: string, contentType: string | null, path = '/meetings/acc-ny/sales/book') => ({
    id: 'b1',
    accountId: 'acc-ny',
    path,
    body: Buffer.from(body),
    contentType,
    receivedAt: START + HOUR,
  });

  it('reads name, email, time and message from JSON and form bodies, by common aliases', () => {
    expect(
      parseMeetingRequest(
        item('{"fullName":"Dee","email":"d@example.test","start":"10:00","notes":"hi"}', 'application/json; charset=utf-8'),
        'm1',
        0,
      ),
    ).toMatchObject({
      slug: 'sales',
      migrationId: 'm1',
      receivedAt: START + HOUR,
      fields: { name: 'Dee', email: 'd@example.test', time: '10:00', message: 'hi' },
      excerpt: '',
    });
    expect(parseMeetingRequest(item('first_name=Eve&slot=Fri%2010%3A00', 'application/x-www-form-urlencoded'), 'm1', 0).fields).toEqual({
      name: 'Eve',
      time: 'Fri 10:00',
    });
  });

  it('keeps a printable excerpt of anything else, without control characters', () => {
    const raw = parseMeetingRequest(item('\u0000hello\r\nworld\u001b[31m', 'text/plain'), 'm1', 0);
    expect(raw.fields).toEqual({});
    expect(raw.excerpt).toBe('hello world [31m');
    expect(parseMeetingRequest(item('{not json', 'application/json'), 'm1', 0).excerpt).toBe('{not json');
    expect(parseMeetingRequest(item('["a"]', 'application/json'), 'm1', 0).excerpt).toBe('["a"]');
    expect(parseMeetingRequest(item('x'.repeat(1000), null), 'm1', 0).excerpt).toHaveLength(200);
  });

  it('takes the slug from the path and groups requests by owner, falling back to the super admins', () => {
    const sales = parseMeetingRequest(item('name=A', 'application/x-www-form-urlencoded'), 'm1', 0);
    const other = parseMeetingRequest(
      { ...item('name=B', 'application/x-www-form-urlencoded', '/meetings/acc-ny/team%20call/book?x=1'), id: 'b2' },
      'm1',
      0,
    );
    expect(other.slug).toBe('team call');
    const digests = meetingDigests(account, [sales, other, { ...sales, id: 'b3' }]);
    expect(digests.map((d) => [d.ownerEmail, d.meetings.length])).toEqual([
      ['cy@example.test', 2],
      ['ada@example.test', 1],
      ['bo@example.test', 1],
    ]);
    const text = composeMessage({
      kind: 'meetings_requested',
      account,
      migration,
      ownerName: 'Cy',
      meetings: digests[0]?.meetings ?? [],
    }).text;
    expect(text).toContain('NOT put in your calendar');
    expect(text).toContain('- sales, received Monday, 9 March 2026 at 10:00 EDT (America/New_York): from A');
  });
});
