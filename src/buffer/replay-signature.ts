// SPEC §9 attestation: the X-Maintenance-Signature a receiver checks to know a replay really came from this gateway.
import { createHash, createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-maintenance-signature';
export const SIGNING_SECRET_VARIABLE = 'REPLAY_SIGNING_SECRET';
export const MIN_SECRET_LENGTH = 32;

export interface SignedParts {
  /** Unix seconds of this attempt (a fresh one on every retry). */
  t: number;
  idempotencyKey: string;
  /** The X-Maintenance-Original-Received-At value, exactly as sent. */
  originalReceivedAt: string;
  method: string;
  /** The request target as the receiver sees it: path plus `?query` when there is one. */
  target: string;
  body: Buffer;
}

/** `<t>.<Idempotency-Key>.<Original-Received-At>.<METHOD>.<path?query>.<hex SHA-256 of the body>` */
export function signedPayload(parts: SignedParts): string {
  const bodyHash = createHash('sha256').update(parts.body).digest('hex');
  return `${parts.t}.${parts.idempotencyKey}.${parts.originalReceivedAt}.${parts.method.toUpperCase()}.${parts.target}.${bodyHash}`;
}

/** The header value: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export function signReplay(secret: string, parts: SignedParts): string {
  const v1 = createHmac('sha256', secret).update(signedPayload(parts), 'utf8').digest('hex');
  return `t=${parts.t},v1=${v1}`;
}

/** Checks a configured secret; the error names the variable and never carries the value. */
export function checkSigningSecret(secret: string | undefined, source: string = SIGNING_SECRET_VARIABLE): string | null {
  if (secret === undefined || secret === '') return null;
  if (secret.length < MIN_SECRET_LENGTH) {
    throw Object.assign(new Error(`${source} must be at least ${MIN_SECRET_LENGTH} characters long (the value is not shown)`), {
      code: 'ERR_CONFIG_SIGNING_SECRET',
    });
  }
  return secret;
}
