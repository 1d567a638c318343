// Console sessions: an admin token is exchanged once for a signed, expiring cookie; CSRF tokens ride inside it.
//
// Key choice: no session store and no extra secret. Each configured admin token (by its SHA-256 digest, the form
// ADMIN_TOKENS may already hold) yields its own signing key with HKDF-SHA256, and the cookie names which key
// (a hash of the digest, never the token). So every instance configured with the same ADMIN_TOKENS accepts the
// others' cookies, removing a token from ADMIN_TOKENS ends at once every session opened with it, and adding one
// logs nobody out. A session cannot be revoked alone before it expires (it is stateless): sign-out deletes the
// cookie in the browser, and removing the token is the kill switch.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';

export const SESSION_COOKIE = 'mg_console';
export const DEFAULT_SESSION_TTL_MS = 8 * 3600_000;

export interface SessionKey {
  /** Names the key in the cookie: derived from the token's digest, useless to anyone without the token. */
  id: string;
  secret: Buffer;
}

export interface Session {
  keyId: string;
  /** Who signed in, as typed on the sign-in form: the actor in the audit trail. */
  operator: string;
  issuedAt: number;
  expiresAt: number;
  /** Random per session; every form must send it back. */
  csrf: string;
}

const b64 = (buf: Buffer): string => buf.toString('base64url');

export function sessionKeys(tokenDigests: Buffer[]): SessionKey[] {
  return tokenDigests.map((digest) => ({
    id: createHash('sha256').update('mg-console-key-id\0').update(digest).digest('hex').slice(0, 16),
    secret: Buffer.from(hkdfSync('sha256', digest, 'maintenance-gateway console', 'session-cookie-v1', 32)),
  }));
}

function mac(key: SessionKey, payload: string): Buffer {
  return createHmac('sha256', key.secret).update(payload, 'utf8').digest();
}

export function issueSession(key: SessionKey, operator: string, now: number, ttlMs: number): { session: Session; cookie: string } {
  const session: Session = { keyId: key.id, operator, issuedAt: now, expiresAt: now + ttlMs, csrf: b64(randomBytes(24)) };
  const payload = b64(Buffer.from(JSON.stringify(session), 'utf8'));
  return { session, cookie: `${payload}.${b64(mac(key, payload))}` };
}

/** The session a cookie value carries, or null when it is malformed, forged, signed by an unknown key or expired. */
export function verifySession(value: string | undefined, keys: SessionKey[], now: number): Session | null {
  if (!value || value.length > 2048) return null;
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return null;
  const [, payload, signature] = match as unknown as [string, string, string];
  let session: Session;
  try {
    session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
  } catch {
    return null;
  }
  const key = keys.find((k) => k.id === session?.keyId);
  if (!key) return null;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (
    typeof session.expiresAt !== 'number' ||
    now >= session.expiresAt ||
    typeof session.csrf !== 'string' ||
    typeof session.operator !== 'string'
  ) {
    return null;
  }
  return session;
}

export function csrfMatches(session: Session, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(session.csrf, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One cookie's value from a Cookie header (with the `cookie` package, as the account resolver reads its cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return header ? parseCookies(header)[name] : undefined;
}
