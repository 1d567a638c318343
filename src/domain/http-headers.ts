// HTTP header vocabulary shared by the proxy, the buffer, the replayer, the CRM guard and the configuration.

/** RFC 9110 §7.6.1 connection-specific headers, plus the non-standard ones clients still send: never forwarded. */
export const HOP_BY_HOP: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** The operator bypass token's header: the gateway's own secret, stripped before proxying and redacted from logs. */
export const BYPASS_HEADER = 'x-maintenance-bypass';

/** Headers that mark a request as a replay by this gateway (SPEC §9): only the replayer sends them. */
export const REPLAY_HEADERS: readonly string[] = ['x-maintenance-replay', 'x-maintenance-original-received-at', 'x-maintenance-signature'];

/**
 * Headers a replay never carries, whatever the allow-list says: they describe one connection or its framing, the
 * transport sets them itself, or they are the operator's secret.
 */
export const NEVER_REPLAYED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'content-length',
  'host',
  'expect',
  BYPASS_HEADER,
  ...REPLAY_HEADERS,
]);

/** Headers worth replaying: what the upstream needs to interpret the body and to verify webhook signatures. */
export const DEFAULT_HEADER_ALLOW_LIST: readonly string[] = [
  'content-type',
  'content-language',
  'user-agent',
  'accept',
  'accept-language',
  'referer',
  'origin',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-request-id',
  'x-hubspot-signature',
  'x-hubspot-signature-v3',
  'x-hubspot-signature-version',
  'x-hubspot-request-timestamp',
  // SPEC §9: the body is replayed byte for byte as received, so its encoding must travel with it.
  'content-encoding',
  // SPEC §9: signature and delivery headers of common webhook senders, so the upstream can still verify them.
  'stripe-signature',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-github-event',
  'x-github-delivery',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'x-shopify-hmac-sha256',
  'x-shopify-topic',
  'x-shopify-shop-domain',
  'x-shopify-webhook-id',
];
