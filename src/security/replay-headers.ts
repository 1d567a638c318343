// Forgery guard (SPEC §9): only the replayer may send the replay headers, so they are removed from live traffic.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { REPLAY_HEADERS } from '../domain/http-headers';

/** The replayer's Idempotency-Key namespace (`mg:<account>:<item>`, see buffer/replayer.ts idempotencyKey). */
const REPLAY_KEY_PREFIX = 'mg:';

/**
 * Removes the client-sent replay headers and any Idempotency-Key in the replayer's namespace from a live request.
 * Other Idempotency-Keys are the client's own and pass untouched. Works on Node's lower-cased header object.
 */
export function stripReplayHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders): void {
  for (const name of REPLAY_HEADERS) delete headers[name];
  const key = headers['idempotency-key'];
  // Node joins a repeated Idempotency-Key with ", ": any part in our namespace makes the whole header a forgery.
  const values = Array.isArray(key) ? key.map(String) : typeof key === 'string' ? key.split(',') : [];
  if (values.some((v) => v.trim().toLowerCase().startsWith(REPLAY_KEY_PREFIX))) delete headers['idempotency-key'];
}
