// Error text safe to log, store and show on the admin API: no URLs (they may carry credentials), one line, bounded.

/** Longest text kept: enough for an SMTP or HTTP error line, not for a body echoed back. */
const MAX_CHARS = 300;

export function safeErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/[a-z]+:\/\/\S+/gi, '<url>')
    .replace(/\s+/g, ' ')
    .slice(0, MAX_CHARS);
}
