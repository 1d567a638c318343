// Operator bypass: a signed, expiring token that lets its holder reach an account's real upstream during its window.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ACCOUNT_ID_PATTERN } from '../domain/account';
import { BYPASS_HEADER } from '../domain/http-headers';

/** Long enough for an operator to verify a migration, short enough that a leaked token soon dies. */
export const MAX_BYPASS_TTL_SECONDS = 24 * 3600;

/** A secret shorter than this is refused at start-up: the MAC is only as strong as its key. */
export const MIN_BYPASS_SECRET_LENGTH = 32;

// 4 KiB is far above any real token (~120 chars) and bounds the work done on a hostile header.
const MAX_TOKEN_LENGTH = 4096;
const MAC_BYTES = 32;

interface BypassPayload {
  account: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

const mac = (secret: string, payload: Buffer): Buffer => createHmac('sha256', secret).update(payload).digest();

/** `base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, JSON payload))`. */
export function createBypassToken(secret: string, account: string, ttlSeconds: number, nowMs: number = Date.now()): string {
  if (!ACCOUNT_ID_PATTERN.test(account)) throw new RangeError('createBypassToken: not a valid account id');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_BYPASS_TTL_SECONDS) {
    throw new RangeError(`createBypassToken: ttlSeconds must be an integer from 1 to ${MAX_BYPASS_TTL_SECONDS}`);
  }
  if (secret.length < MIN_BYPASS_SECRET_LENGTH)
    throw new RangeError(`createBypassToken: the secret must be at least ${MIN_BYPASS_SECRET_LENGTH} characters`);
  const payload: BypassPayload = { account, exp: Math.floor(nowMs / 1000) + ttlSeconds };
  const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
  return `${bytes.toString('base64url')}.${mac(secret, bytes).toString('base64url')}`;
}

/** When the token expires (epoch ms), for answers and the audit trail; null when it cannot be read. */
export function bypassTokenExpiry(token: string): number | null {
  const payload = readPayload(token.split('.')[0] ?? '');
  return payload ? payload.exp * 1000 : null;
}

/** A short, non-reversible name for a token, so the audit trail can tell tokens apart without holding one. */
export function bypassTokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);
}

function readPayload(encoded: string): BypassPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const { account, exp } = value as Record<string, unknown>;
  if (typeof account !== 'string' || typeof exp !== 'number' || !Number.isFinite(exp)) return null;
  return { account, exp };
}

/**
 * True only for a well-formed token, signed with `secret`, naming `account`, not yet expired.
 * The MAC is checked first and in constant time, so nothing about the token's content is learned from timing.
 */
export function verifyBypassToken(secret: string, token: string, account: string, nowMs: number): boolean {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return false;
  const parts = token.split('.');
  if (parts.length !== 2) return false;
  const [encodedPayload = '', encodedMac = ''] = parts;
  const presented = Buffer.from(encodedMac, 'base64url');
  if (presented.length !== MAC_BYTES) return false;
  const payloadBytes = Buffer.from(encodedPayload, 'base64url');
  if (!timingSafeEqual(presented, mac(secret, payloadBytes))) return false;
  const payload = readPayload(encodedPayload);
  if (!payload) return false;
  return payload.account === account && nowMs < payload.exp * 1000;
}

/** The bypass check the gateway runs before deciding: a valid token for this account skips the decision. */
export function hasValidBypass(req: IncomingMessage, secret: string | undefined, account: string, nowMs: number): boolean {
  if (!secret) return false;
  const header = req.headers[BYPASS_HEADER];
  if (typeof header !== 'string') return false;
  return verifyBypassToken(secret, header.trim(), account, nowMs);
}
