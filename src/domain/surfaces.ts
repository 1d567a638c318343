// The surfaces of the SaaS the gateway tells apart (SPEC §4, §7).

export const SURFACES = [
  'api',
  'form',
  'document',
  'knowledge_base',
  'page',
  'analytics',
  'app',
  'portal_ticket',
  'portal_reply',
  'chat',
  'meeting',
  'import',
  'email',
  'inbound',
  'integration',
] as const;

export type Surface = (typeof SURFACES)[number];

/** Surfaces whose writes are stored during the window and replayed afterwards. */
export const BUFFERED_SURFACES = ['form', 'meeting', 'analytics', 'inbound'] as const;
export type BufferSurface = (typeof BUFFERED_SURFACES)[number];

export function isBufferSurface(surface: Surface): surface is BufferSurface {
  return (BUFFERED_SURFACES as readonly string[]).includes(surface);
}
