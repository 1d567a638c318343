// Meeting requests taken while the window was open: recorded per account, listed to each link owner afterwards.
import type { AccountRecord } from '../domain/account';
import type { MeetingRequest } from '../store/timeline-store';
import type { MeetingLine } from './messages';

/** What the buffer hands over when it accepted a request for surface `meeting` (its onAccepted hook). */
export interface AcceptedMeetingRequest {
  /** The buffered item's id: recording is idempotent on it. */
  id: string;
  accountId: string;
  /** /meetings/:accountId/:slug/book */
  path: string;
  body: Buffer | string;
  contentType?: string | null;
  receivedAt?: number;
}

const EXCERPT_CHARS = 200;
const FIELD_CHARS = 200;

/** Body field names people use for the same thing, mapped to the four we list. */
const FIELD_ALIASES: Record<string, string[]> = {
  name: ['name', 'fullname', 'full_name', 'firstname', 'first_name'],
  email: ['email', 'e-mail', 'emailaddress', 'email_address'],
  time: ['time', 'start', 'starttime', 'start_time', 'datetime', 'date', 'slot', 'when'],
  message: ['message', 'notes', 'note', 'comment', 'comments', 'reason'],
};

function slugOf(path: string): string {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  return parts[0] === 'meetings' && parts[2] ? decodeURIComponentSafe(parts[2]) : 'unknown';
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Printable, single-line, bounded: what lands in an email must not carry control characters. */
function printable(value: string, max: number): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, max)
  );
}

function bodyEntries(text: string, contentType: string): [string, string][] {
  if (contentType.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return Object.entries(parsed as Record<string, unknown>)
          .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
          .map(([k, v]) => [k, String(v)]);
      }
    } catch {
      return [];
    }
    return [];
  }
  if (contentType.includes('application/x-www-form-urlencoded')) return [...new URLSearchParams(text).entries()];
  return [];
}

/** Reads name, email, time and message from a JSON or form-encoded body; anything else becomes an excerpt. */
export function parseMeetingRequest(item: AcceptedMeetingRequest, migrationId: string | null, now: number): MeetingRequest {
  const text = typeof item.body === 'string' ? item.body : item.body.toString('utf8');
  const contentType = (item.contentType ?? '').toLowerCase();
  const fields: Record<string, string> = {};
  for (const [rawKey, rawValue] of bodyEntries(text, contentType)) {
    const key = rawKey.toLowerCase();
    for (const [field, aliases] of Object.entries(FIELD_ALIASES)) {
      if (fields[field] === undefined && aliases.includes(key)) {
        const value = printable(rawValue, FIELD_CHARS);
        if (value) fields[field] = value;
      }
    }
  }
  return {
    id: item.id,
    accountId: item.accountId,
    migrationId,
    slug: slugOf(item.path),
    receivedAt: item.receivedAt ?? now,
    fields,
    excerpt: Object.keys(fields).length > 0 ? '' : printable(text, EXCERPT_CHARS),
  };
}

export interface MeetingDigest {
  ownerEmail: string;
  ownerName: string;
  meetings: MeetingLine[];
}

/**
 * One digest per owner: the link's owner from account.settings.meetingLinks, or every super admin
 * when the slug has no owner on record (someone must hear about the request).
 */
export function meetingDigests(account: AccountRecord, requests: MeetingRequest[]): MeetingDigest[] {
  const byOwner = new Map<string, MeetingDigest>();
  const add = (ownerEmail: string, ownerName: string, line: MeetingLine): void => {
    const key = ownerEmail.toLowerCase();
    const digest = byOwner.get(key) ?? { ownerEmail, ownerName, meetings: [] };
    digest.meetings.push(line);
    byOwner.set(key, digest);
  };
  for (const request of requests) {
    const line: MeetingLine = { slug: request.slug, receivedAt: request.receivedAt, fields: request.fields, excerpt: request.excerpt };
    const owner = account.settings.meetingLinks?.[request.slug];
    if (owner?.ownerEmail) add(owner.ownerEmail, owner.ownerName || owner.ownerEmail, line);
    else for (const admin of account.settings.superAdmins) add(admin.email, admin.name, line);
  }
  return [...byOwner.values()];
}
