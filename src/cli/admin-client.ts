// The operator CLI's client for the admin API: one call, its answer as status + JSON, network trouble as a typed error.

export interface AdminClientOptions {
  /** Base URL of the gateway, e.g. http://127.0.0.1:8080 (the /admin/v1 prefix is added here). */
  url: string;
  token: string;
  actor?: string;
  timeoutMs: number;
}

export interface AdminAnswer {
  status: number;
  /** The parsed JSON body, or the raw text when the body is not JSON. */
  body: unknown;
}

/** The admin API could not be reached or did not answer in time. */
export class AdminUnreachable extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach the admin API at ${url}: ${describeCause(cause)}`, { cause });
  }
}

function describeCause(cause: unknown): string {
  // Duck-typed rather than `instanceof Error`: fetch's errors may come from another realm (test runners, vm contexts).
  const error =
    typeof cause === 'object' && cause !== null
      ? (cause as { name?: string; message?: string; cause?: { code?: string; message?: string } })
      : null;
  if (!error) return String(cause);
  if (error.name === 'TimeoutError') return 'no answer in time';
  // undici puts the socket error (ECONNREFUSED, ENOTFOUND...) in `cause`.
  const inner = error.cause;
  if (inner?.code) return `${inner.code}${inner.message ? ` (${inner.message})` : ''}`;
  if (inner?.message) return inner.message;
  return error.message ?? String(cause);
}

/** Encodes each path segment, so ids cannot change the route they are put in. */
export function adminPath(...segments: string[]): string {
  return `/admin/v1/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
}

export async function callAdmin(options: AdminClientOptions, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const base = options.url.replace(/\/+$/, '');
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
  if (options.actor) headers['x-actor-id'] = options.actor;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let text: string;
  let status: number;
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = res.status;
    text = await res.text();
  } catch (error) {
    throw new AdminUnreachable(base, error);
  }
  if (text === '') return { status, body: null };
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch {
    return { status, body: text };
  }
}
