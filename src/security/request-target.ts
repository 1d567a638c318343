// The request target as one canonical path, so the gateway decides on exactly the path it forwards.

// A "." or ".." segment, also percent-encoded (%2e), an empty segment ("//"), or a backslash (read as "/" by many servers).
const NEEDS_NORMALIZING = /(^|\/)(\.|%2e){1,2}(\/|$)|\/\/|\\/i;

/**
 * `/path?q` is returned unchanged unless its path holds dot segments, repeated slashes or backslashes, which are
 * resolved (`/kb/../api/x` → `/api/x`, `//api/x` → `/api/x`). Otherwise the route table would classify
 * `/kb/../api/x` as the knowledge base (readable in the window) while an upstream that normalizes paths serves
 * the API. The query is kept byte for byte (signatures may cover it).
 *
 * Anything that is not a path is null: `*`, and the absolute form (`GET http://host/path`), which only a forward
 * proxy has to take. Express re-prefixes the original scheme and host when it enters a mounted router, so an
 * absolute target cannot be rewritten safely; it used to match no route at all and be proxied past the window
 * and past the reserved /admin/ prefix.
 */
export function normalizeTarget(target: string): string | null {
  if (!target.startsWith('/')) return null;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  // An encoded slash or backslash is a separator to an upstream that decodes it first (nginx does): refuse a path
  // that would only then hold dot segments or empty segments (`/kb/..%2Fapi/x`), as its meaning depends on who reads it.
  if (/%2f|%5c/i.test(path) && NEEDS_NORMALIZING.test(path.replace(/%2f|%5c/gi, '/'))) return null;
  if (!NEEDS_NORMALIZING.test(path)) return target;
  let resolved: string;
  try {
    resolved = new URL(path.replace(/\/{2,}/g, '/'), 'http://gateway.invalid').pathname;
  } catch {
    return null;
  }
  return resolved.replace(/\/{2,}/g, '/') + query;
}
