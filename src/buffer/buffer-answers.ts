// What the acceptor answers by itself (202 accepted, 413 too large, 503 not stored): HTML for browsers, JSON otherwise,
// in the language the gateway negotiated for the request (SPEC §10), with CORS and a way back to the form's page.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerContextOf } from '../answers/answer-context';
import { applyCors, DEFAULT_CORS_POLICY } from '../answers/cors';
import { en } from '../answers/locales/en';
import { wantsHtml } from '../answers/negotiate';
import { fillTemplate, FORM_ACCEPTED_MESSAGE } from '../answers/notices';
import { renderPage } from '../answers/page';
import { applySecurityHeaders } from '../answers/security-headers';
import type { LocaleTexts } from '../domain/message-texts';
import type { BufferSurface } from '../store/buffer-store';

export { FORM_ACCEPTED_MESSAGE };

export const DEFAULT_ACCEPTED_MESSAGES: Record<BufferSurface, string> = { ...en.accepted };

interface Rendered {
  title: string;
  paragraphs: string[];
  json: Record<string, unknown>;
}

export interface BufferAnswer extends Rendered {
  status: number;
  headers?: Record<string, string>;
  /** The same answer in another language: `texts` negotiated, `english` as configured. Absent: as written. */
  localize?: (texts: LocaleTexts, english: LocaleTexts) => Rendered;
  /** Links back to the page the form was sent from (Referer), when that is an http(s) URL. */
  linkBack?: boolean;
}

/** The Referer as a link target: only an absolute http(s) URL, normalised by the URL parser; anything else none. */
export function backLinkOf(req: IncomingMessage): string | null {
  const referer = req.headers.referer;
  if (typeof referer !== 'string' || referer.length > 2048) return null;
  try {
    const url = new URL(referer);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function sendBufferAnswer(req: IncomingMessage, res: ServerResponse, answer: BufferAnswer): void {
  if (res.headersSent || res.destroyed) return;
  const context = answerContextOf(req);
  const rendered: Rendered = context && answer.localize ? answer.localize(context.texts, context.english) : answer;
  const texts = context?.texts ?? en;
  applySecurityHeaders(res);
  applyCors(req, res, context?.cors ?? DEFAULT_CORS_POLICY);
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  const html = wantsHtml(req);
  let body: string;
  if (html) {
    const back = answer.linkBack ? backLinkOf(req) : null;
    body = renderPage({
      title: rendered.title,
      paragraphs: rendered.paragraphs,
      lang: context?.locale ?? 'en',
      link: back ? { href: back, text: texts.pages.back } : undefined,
    });
  } else {
    body = JSON.stringify(rendered.json);
  }
  res.setHeader('content-type', html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8');
  res.setHeader('content-language', context?.locale ?? 'en');
  res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.writeHead(answer.status);
  res.end(req.method === 'HEAD' ? undefined : body);
}

// Crockford's base32: no I, L, O or U, so a reference read out over the phone is not misheard.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A short reference a person can quote ("7K3M-Q9XD"): 40 bits of the item id's SHA-256, in two groups of four. */
export function shortReference(id: string): string {
  const digest = createHash('sha256').update(id).digest();
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i] ?? 0);
  let out = '';
  for (let i = 7; i >= 0; i--) out += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}

/** The accepted message in the negotiated language when it is one of the configured English texts; else as given. */
function acceptedIn(message: string, texts: LocaleTexts, english: LocaleTexts): string {
  for (const surface of Object.keys(english.accepted) as BufferSurface[]) {
    if (english.accepted[surface] === message) return texts.accepted[surface];
  }
  return message;
}

export function acceptedAnswer(id: string, message: string): BufferAnswer {
  const reference = shortReference(id);
  const render = (texts: LocaleTexts, english: LocaleTexts): Rendered => {
    const text = acceptedIn(message, texts, english);
    return {
      title: texts.pages.received,
      paragraphs: [text, fillTemplate(texts.pages.reference, { reference })],
      json: { status: 'accepted', id, message: text },
    };
  };
  return { status: 202, ...render(en, en), localize: render, linkBack: true };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** `setting` names the configuration key an operator would raise (e.g. `limits.maxBufferedBodyBytes.form`). */
export function tooLargeAnswer(limitBytes: number, setting?: string): BufferAnswer {
  const render = (texts: LocaleTexts): Rendered => {
    const message = fillTemplate(texts.pages.tooLarge, { limit: formatBytes(limitBytes), limitBytes: String(limitBytes) });
    return {
      title: texts.pages.tooLargeTitle,
      paragraphs: [message],
      json: { status: 'error', category: 'PAYLOAD_TOO_LARGE', message, limitBytes, ...(setting === undefined ? {} : { limit: setting }) },
    };
  };
  return { status: 413, ...render(en), localize: render, headers: { connection: 'close' } };
}

export function notStoredAnswer(retryAfterSeconds: number): BufferAnswer {
  const render = (texts: LocaleTexts): Rendered => {
    const message = texts.pages.notStored;
    return {
      title: texts.pages.notStoredTitle,
      paragraphs: [message],
      json: { status: 'error', category: 'BUFFER_UNAVAILABLE', message, retryAfterSeconds },
    };
  };
  return { status: 503, ...render(en), localize: render, headers: { 'retry-after': String(retryAfterSeconds) } };
}
