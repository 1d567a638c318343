// What the buffer's answers need to speak the visitor's language and carry CORS, handed over with the request.
import type { IncomingMessage } from 'node:http';
import type { CorsPolicy } from './cors';
import type { LocaleTexts } from '../domain/message-texts';

export interface AnswerContext {
  /** The negotiated locale (Content-Language). */
  locale: string;
  texts: LocaleTexts;
  /** English texts as configured: an accepted message equal to one of them is shown in `texts` instead. */
  english: LocaleTexts;
  cors: CorsPolicy;
}

// Keyed by the request object: the acceptor's signature stays (req, res, ctx), and nothing outlives the request.
const contexts = new WeakMap<IncomingMessage, AnswerContext>();

export function rememberAnswerContext(req: IncomingMessage, context: AnswerContext): void {
  contexts.set(req, context);
}

export function answerContextOf(req: IncomingMessage): AnswerContext | undefined {
  return contexts.get(req);
}
