// The OpenAPI 3 description of admin API v1, served at GET /admin/v1/openapi.json (a test keeps it equal to the mounted routes).
import { REASON_CODES } from '../domain/reason-codes';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string): Json => ({ description, content: { 'application/json': { schema } } });
const errorRef = (name: string): Json => ({ $ref: `#/components/responses/${name}` });
const param = (name: string): Json => ({ $ref: `#/components/parameters/${name}` });

/** Every call needs the token; all but openapi.json may be refused for these reasons. */
const common: Json = { '400': errorRef('BadRequest'), '401': errorRef('Unauthorized'), '429': errorRef('RateLimited'), '503': errorRef('Unavailable') };
const onAccount: Json = { ...common, '404': errorRef('NotFound') };

function refusal(description: string, codes: string[]): Json {
  return json(ref('Error'), `${description} (code: ${codes.join(', ')})`);
}

const body = (schema: Json): Json => ({ required: true, content: { 'application/json': { schema } } });

const accountSettings: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['dataLocation', 'timezone', 'contactName', 'superAdmins'],
  properties: {
    dataLocation: { type: 'string', enum: ['us', 'eu'] },
    timezone: { type: 'string', maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin', example: 'Europe/Stockholm' },
    contactName: { type: 'string', minLength: 1, maxLength: 200, description: 'Shown to users in the window (HTML-escaped)' },
    superAdmins: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'email'],
        properties: { id: { type: 'string', maxLength: 128 }, name: { type: 'string', maxLength: 200 }, email: { type: 'string', format: 'email', maxLength: 254 } },
      },
    },
    paymentsEnabled: { type: 'boolean', default: false },
    ssoEnabled: { type: 'boolean', default: false },
    hasSandbox: { type: 'boolean', default: false },
    locale: { type: 'string', maxLength: 35, description: "Language of the notices for this account's visitors when Accept-Language names none with texts (en, sv, da, de, or a configured one)", example: 'sv' },
    integrations: { type: 'object', description: 'Keyed by integration name (1-64 letters, digits, "-", "_")', additionalProperties: ref('IntegrationSettings'), default: {} },
    meetingLinks: {
      type: 'object',
      description: 'Keyed by meeting-link slug',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['ownerName', 'ownerEmail'],
        properties: { ownerName: { type: 'string', maxLength: 200 }, ownerEmail: { type: 'string', format: 'email', maxLength: 254 } },
      },
      default: {},
    },
    domains: {
      type: 'array',
      maxItems: 100,
      description: 'Host names of the account\'s own sites, matched against Host (port and case ignored); "*.example.com" matches one more label. Each belongs to one account (409 DOMAIN_TAKEN)',
      items: { type: 'string', maxLength: 253, example: 'help.acme.com' },
    },
    connectedApps: {
      type: 'array',
      maxItems: 100,
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'kind', 'linkedAccountIds'],
        properties: {
          name: { type: 'string', maxLength: 200 },
          kind: { type: 'string', enum: ['video_meetings', 'team_chat'] },
          linkedAccountIds: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 64 } },
        },
      },
    },
  },
};

const isoInstant: Json = { type: 'string', format: 'date-time', description: 'ISO-8601 with a time zone (Z or ±hh:mm)', example: '2026-12-08T21:00:00Z' };
const nullableInstant: Json = { type: 'string', format: 'date-time', nullable: true };

const schemas: Json = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', example: 'START_TOO_SOON' }, message: { type: 'string' }, field: { type: 'string', description: 'The offending field (400 INVALID_BODY)' } },
      },
    },
  },
  IntegrationSettings: {
    type: 'object',
    additionalProperties: false,
    required: ['baseUrl', 'dailyCallAllocation'],
    properties: {
      baseUrl: { type: 'string', format: 'uri', maxLength: 2048 },
      dailyCallAllocation: { type: 'integer', minimum: 1, maximum: 100_000_000, description: 'Calls allowed over a rolling 24 hours' },
      fieldMappings: {
        type: 'array',
        maxItems: 10_000,
        default: [],
        items: { type: 'object', additionalProperties: false, required: ['property', 'field'], properties: { property: { type: 'string' }, field: { type: 'string' } } },
      },
      notifyOnSuspension: { type: 'boolean', default: false },
    },
  },
  AccountSettings: accountSettings,
  Migration: {
    type: 'object',
    required: ['status', 'phase'],
    properties: {
      id: { type: 'string' },
      status: { type: 'string', enum: ['none', 'scheduled', 'in_progress', 'completed', 'failed', 'cancelled'] },
      phase: { type: 'string', enum: ['none', 'scheduled', 'imports_blocked', 'chat_hidden', 'window', 'completed', 'failed', 'cancelled'] },
      source: { type: 'string', enum: ['us', 'eu'] },
      target: { type: 'string', enum: ['us', 'eu'] },
      start: isoInstant,
      expectedEnd: isoInstant,
      changeDeadline: { ...isoInstant, description: 'Start − 36 h: the last moment to reschedule or cancel' },
      scheduledAt: isoInstant,
      scheduledBy: { type: 'string' },
      startedAt: nullableInstant,
      endedAt: nullableInstant,
    },
  },
  AuditEntry: {
    type: 'object',
    required: ['at', 'actor', 'action', 'detail'],
    properties: { at: isoInstant, actor: { type: 'string' }, action: { type: 'string', example: 'migration.scheduled' }, detail: { type: 'object' } },
  },
  Account: {
    description: 'The settings, plus the migration, version, audit trail and what other parts add (buffered, integrationStatus)',
    allOf: [
      ref('AccountSettings'),
      {
        type: 'object',
        required: ['id', 'migration', 'version', 'audit'],
        properties: {
          id: { type: 'string' },
          migration: ref('Migration'),
          version: { type: 'integer' },
          updatedAt: isoInstant,
          buffered: { type: 'object', description: 'Waiting and dead-lettered buffered requests, per surface' },
          integrationStatus: { type: 'object', additionalProperties: ref('IntegrationView') },
          audit: { type: 'array', items: ref('AuditEntry') },
        },
      },
    ],
  },
  Warning: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: ['SANDBOX_NOT_MIGRATED', 'SSO_LOGIN_URL', 'LINKED_INTEGRATION'] }, message: { type: 'string' } } },
  MigrationAnswer: {
    type: 'object',
    required: ['migration'],
    properties: { migration: ref('Migration'), warnings: { type: 'array', items: ref('Warning') }, dataLocation: { type: 'string', enum: ['us', 'eu'] } },
  },
  BufferedItem: {
    type: 'object',
    properties: { id: { type: 'string' }, surface: { type: 'string' }, method: { type: 'string' }, path: { type: 'string' }, bytes: { type: 'integer' }, receivedAt: isoInstant },
  },
  Buffer: {
    type: 'object',
    required: ['accountId', 'depth', 'counts', 'replay', 'deadLetters', 'items'],
    properties: {
      accountId: { type: 'string' },
      depth: { type: 'integer' },
      counts: { type: 'object', properties: { waiting: { type: 'object', additionalProperties: { type: 'integer' } }, dead: { type: 'object', additionalProperties: { type: 'integer' } } } },
      oldestItemAt: nullableInstant,
      replay: { type: 'object', description: 'inProgress, owner, accepted, replayed, deadLettered, redriven, remaining' },
      deadLetterCount: { type: 'integer' },
      deadLetters: { type: 'array', items: { allOf: [ref('BufferedItem'), { type: 'object', properties: { answer: { type: 'object' } } }] } },
      items: { type: 'array', items: ref('BufferedItem') },
      nextAfter: { type: 'string', nullable: true, description: 'Pass as `after` for the next page' },
    },
  },
  Notification: {
    type: 'object',
    required: ['id', 'kind', 'recipients', 'subject', 'status', 'attempts', 'createdAt'],
    properties: {
      id: { type: 'string' },
      kind: { type: 'string', enum: ['scheduled', 'week_of', 'day_before', 'completed', 'failed', 'rescheduled', 'cancelled', 'meetings_requested', 'integration_suspended'] },
      recipients: { type: 'array', items: { type: 'string', format: 'email' } },
      subject: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'sent', 'failed', 'void'] },
      attempts: { type: 'integer' },
      createdAt: isoInstant,
    },
  },
  ChecklistItem: {
    type: 'object',
    required: ['id', 'title', 'description', 'done'],
    properties: { id: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, done: { type: 'boolean' }, doneAt: nullableInstant, doneBy: { type: 'string', nullable: true } },
  },
  IntegrationView: {
    type: 'object',
    required: ['state', 'usage'],
    properties: {
      state: { type: 'string', enum: ['active', 'suspended'] },
      reason: {
        type: 'string',
        nullable: true,
        enum: [...REASON_CODES, null],
      },
      since: nullableInstant,
      remedy: { type: 'string', nullable: true },
      usage: { type: 'object', required: ['callsLast24h', 'allocation'], properties: { callsLast24h: { type: 'integer' }, allocation: { type: 'integer' } } },
      crmUsage: { type: 'object', nullable: true, properties: { used: { type: 'integer' }, limit: { type: 'integer' } } },
    },
  },
  ApiToken: {
    type: 'object',
    required: ['id', 'label', 'createdAt'],
    properties: {
      id: { type: 'string', pattern: '^[0-9a-f]{12}$', description: 'The first 12 hex digits of the SHA-256 digest' },
      label: { type: 'string', nullable: true },
      createdAt: isoInstant,
    },
  },
  BypassToken: {
    type: 'object',
    required: ['account', 'token', 'header', 'expiresAt', 'fingerprint'],
    properties: {
      account: { type: 'string' },
      token: { type: 'string', description: 'Send as the X-Maintenance-Bypass header; shown once, never stored' },
      header: { type: 'string', example: 'x-maintenance-bypass' },
      expiresAt: isoInstant,
      fingerprint: { type: 'string', description: 'Names the token in the audit trail' },
    },
  },
};

const migrationStates = refusal('The migration is not in a state that allows this', ['INVALID_TRANSITION', 'NO_SCHEDULED_MIGRATION', 'MIGRATION_ACTIVE', 'CONCURRENT_UPDATE']);

function transition(verb: string, summary: string): Json {
  return {
    post: {
      operationId: `${verb}Migration`,
      tags: ['migration'],
      summary,
      description: 'Reported by the migration engine; X-Actor-Id is optional (defaults to "migration-engine").',
      responses: { '200': json(ref('MigrationAnswer'), 'The migration after the transition'), '409': migrationStates, ...onAccount },
    },
  };
}

const paths: Json = {
  '/openapi.json': {
    get: {
      operationId: 'getOpenApi',
      tags: ['meta'],
      summary: 'This document',
      description: 'Served without a token: it describes the API, holds no data and no secret.',
      security: [],
      responses: { '200': json({ type: 'object' }, 'The OpenAPI document'), '429': errorRef('RateLimited') },
    },
  },
  '/accounts/{id}': {
    parameters: [param('id')],
    put: {
      operationId: 'putAccount',
      tags: ['accounts'],
      summary: "Create or replace an account's settings",
      requestBody: body(ref('AccountSettings')),
      responses: {
        '200': json(ref('Account'), 'Replaced'),
        '201': json(ref('Account'), 'Created'),
        '409': refusal('A domain belongs to another account (the body names it in "domain"), or a migration rule', ['DOMAIN_TAKEN', 'MIGRATION_ACTIVE', 'CONCURRENT_UPDATE']),
        '413': errorRef('TooLarge'),
        ...common,
      },
    },
    get: {
      operationId: 'getAccount',
      tags: ['accounts'],
      summary: 'Settings, migration, buffered count, integrations and audit trail',
      responses: { '200': json(ref('Account'), 'The account'), ...onAccount },
    },
  },
  '/accounts/{id}/migration': {
    parameters: [param('id')],
    post: {
      operationId: 'scheduleMigration',
      tags: ['migration'],
      summary: 'Schedule the migration (a super admin, at least 7 days ahead)',
      parameters: [param('actor')],
      requestBody: body({
        type: 'object',
        additionalProperties: false,
        required: ['start'],
        properties: { start: isoInstant, target: { type: 'string', enum: ['eu', 'us'], default: 'eu', description: 'Only us → eu is allowed' } },
      }),
      responses: {
        '201': json(ref('MigrationAnswer'), 'Scheduled, with warnings (sandbox, SSO, linked meeting/chat tools)'),
        '403': refusal('The actor is not a super admin of the account', ['NOT_SUPER_ADMIN']),
        '409': refusal('A migration is already scheduled or running', ['ALREADY_SCHEDULED', 'CONCURRENT_UPDATE']),
        '413': errorRef('TooLarge'),
        '422': refusal('A scheduling rule refuses it', ['START_TOO_SOON', 'PAYMENTS_ENABLED', 'INVALID_DIRECTION', 'DATE_UNAVAILABLE']),
        ...onAccount,
      },
    },
    patch: {
      operationId: 'rescheduleMigration',
      tags: ['migration'],
      summary: 'Reschedule, up to 36 hours before the start',
      parameters: [param('actor')],
      requestBody: body({ type: 'object', additionalProperties: false, required: ['start'], properties: { start: isoInstant } }),
      responses: {
        '200': json(ref('MigrationAnswer'), 'Rescheduled'),
        '403': refusal('The actor is not a super admin of the account', ['NOT_SUPER_ADMIN']),
        '409': migrationStates,
        '413': errorRef('TooLarge'),
        '422': refusal('Too late, or the new start breaks a scheduling rule', ['TOO_LATE_TO_CHANGE', 'START_TOO_SOON', 'DATE_UNAVAILABLE']),
        ...onAccount,
      },
    },
    delete: {
      operationId: 'cancelMigration',
      tags: ['migration'],
      summary: 'Cancel, up to 36 hours before the start',
      parameters: [param('actor')],
      responses: {
        '200': json(ref('MigrationAnswer'), 'Cancelled'),
        '403': refusal('The actor is not a super admin of the account', ['NOT_SUPER_ADMIN']),
        '409': migrationStates,
        '422': refusal('Inside 36 hours of the start', ['TOO_LATE_TO_CHANGE']),
        ...onAccount,
      },
    },
  },
  '/accounts/{id}/migration/start': { parameters: [param('id')], ...transition('start', 'The migration engine started the migration (may come early: an emergency window)') },
  '/accounts/{id}/migration/complete': { parameters: [param('id')], ...transition('complete', 'Completed: the account now lives in the EU; buffered work is replayed, the checklist opens') },
  '/accounts/{id}/migration/fail': { parameters: [param('id')], ...transition('fail', 'Failed: the account stays in the US; buffered work is replayed there') },
  '/accounts/{id}/api-tokens': {
    parameters: [param('id')],
    post: {
      operationId: 'registerApiToken',
      tags: ['accounts'],
      summary: 'Register an API token (its secret, hashed on arrival, or its SHA-256 digest): requests bearing it name this account',
      requestBody: body({
        type: 'object',
        additionalProperties: false,
        description: 'Exactly one of token and sha256',
        properties: {
          token: { type: 'string', minLength: 16, maxLength: 4096, description: 'The secret (printable ASCII, no spaces); only its SHA-256 digest is stored' },
          sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
          label: { type: 'string', maxLength: 100 },
        },
      }),
      responses: {
        '200': json(ref('ApiToken'), 'Already registered to this account: the stored token, unchanged'),
        '201': json(ref('ApiToken'), 'Registered'),
        '409': refusal('The token is registered to another account', ['TOKEN_TAKEN']),
        '413': errorRef('TooLarge'),
        ...onAccount,
      },
    },
    get: {
      operationId: 'listApiTokens',
      tags: ['accounts'],
      summary: "The account's API tokens, oldest first (ids and labels; secrets are never stored)",
      responses: { '200': json({ type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: ref('ApiToken') } } }, 'The tokens'), ...onAccount },
    },
  },
  '/accounts/{id}/api-tokens/{tokenId}': {
    parameters: [param('id'), { name: 'tokenId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-fA-F]{12}$' } }],
    delete: {
      operationId: 'deleteApiToken',
      tags: ['accounts'],
      summary: 'Delete an API token: requests bearing it no longer name the account',
      responses: { '204': { description: 'Deleted' }, ...onAccount },
    },
  },
  '/accounts/{id}/bypass-token': {
    parameters: [param('id')],
    post: {
      operationId: 'mintBypassToken',
      tags: ['security'],
      summary: "Mint an operator bypass token: its holder reaches the account's real upstream during the window",
      parameters: [param('actor')],
      requestBody: body({ type: 'object', additionalProperties: false, required: ['ttlSeconds'], properties: { ttlSeconds: { type: 'integer', minimum: 1, maximum: 86_400 } } }),
      responses: {
        '201': json(ref('BypassToken'), 'The token (recorded in the audit trail by fingerprint only)'),
        '409': refusal('No bypass secret is configured', ['BYPASS_DISABLED']),
        '413': errorRef('TooLarge'),
        ...onAccount,
      },
    },
  },
  '/accounts/{id}/buffer': {
    parameters: [param('id')],
    get: {
      operationId: 'getBuffer',
      tags: ['buffer'],
      summary: 'What is buffered: counts per surface, oldest item, replay progress, dead letters, a page of items (no bodies)',
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1 } },
        { name: 'after', in: 'query', schema: { type: 'string' }, description: 'nextAfter of the previous page' },
      ],
      responses: { '200': json(ref('Buffer'), 'The buffer'), ...onAccount },
    },
  },
  '/accounts/{id}/buffer/redrive': {
    parameters: [param('id')],
    post: {
      operationId: 'redriveBuffer',
      tags: ['buffer'],
      summary: 'Put dead letters back in the replay queue',
      responses: { '200': json({ type: 'object', properties: { accountId: { type: 'string' }, redriven: { type: 'integer' } } }, 'How many were re-driven'), ...onAccount },
    },
  },
  '/accounts/{id}/notifications': {
    parameters: [param('id')],
    get: {
      operationId: 'listNotifications',
      tags: ['timeline'],
      summary: "The account's notifications outbox",
      responses: { '200': json({ type: 'object', required: ['notifications'], properties: { notifications: { type: 'array', items: ref('Notification') } } }, 'Notifications'), ...onAccount },
    },
  },
  '/accounts/{id}/checklist': {
    parameters: [param('id')],
    get: {
      operationId: 'getChecklist',
      tags: ['timeline'],
      summary: 'The post-migration checklist (open once the migration completed)',
      responses: {
        '200': json(
          { type: 'object', required: ['items'], properties: { open: { type: 'boolean' }, migrationId: { type: 'string', nullable: true }, openedAt: nullableInstant, items: { type: 'array', items: ref('ChecklistItem') } } },
          'The checklist',
        ),
        ...onAccount,
      },
    },
  },
  '/accounts/{id}/checklist/{item}': {
    parameters: [param('id'), { name: 'item', in: 'path', required: true, schema: { type: 'string' }, example: 'connect-dedicated-ip' }],
    patch: {
      operationId: 'markChecklistItem',
      tags: ['timeline'],
      summary: 'Mark a checklist item done or not done',
      requestBody: body({ type: 'object', required: ['done'], properties: { done: { type: 'boolean' } } }),
      responses: {
        '200': json({ type: 'object', properties: { item: ref('ChecklistItem') } }, 'The item'),
        '409': refusal('The checklist opens when the migration completes', ['CHECKLIST_NOT_OPEN']),
        ...onAccount,
      },
    },
  },
  '/accounts/{id}/integrations/{name}': {
    parameters: [param('id'), param('integration')],
    get: {
      operationId: 'getIntegration',
      tags: ['integrations'],
      summary: 'State, reason, remedy and calls used in the rolling 24 hours',
      responses: { '200': json(ref('IntegrationView'), 'The integration'), ...onAccount },
    },
  },
  '/accounts/{id}/integrations/{name}/clear-suspension': {
    parameters: [param('id'), param('integration')],
    post: {
      operationId: 'clearSuspension',
      tags: ['integrations'],
      summary: 'Clear Suspension',
      responses: {
        '200': json(ref('IntegrationView'), 'The integration after clearing'),
        '422': refusal('The cause is still there', ['MISSING_FIELD_MAPPINGS']),
        ...onAccount,
      },
    },
  },
  '/accounts/{id}/preview': {
    parameters: [param('id')],
    get: {
      operationId: 'previewAccount',
      tags: ['accounts'],
      summary: 'What the gateway would do at a moment (default now): the phase, every surface for a read and a write, the timeline in UTC and the account zone. Changes nothing.',
      parameters: [{ name: 'at', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'ISO-8601 with a zone; a bad value is 400 INVALID_AT' }],
      responses: {
        '200': json(
          {
            type: 'object',
            properties: {
              accountId: { type: 'string' },
              at: { type: 'object', properties: { utc: { type: 'string' }, local: { type: 'string' } } },
              timeZone: { type: 'string' },
              phase: { type: 'string', enum: ['none', 'scheduled', 'imports_blocked', 'chat_hidden', 'window', 'completed', 'failed', 'cancelled'] },
              surfaces: { type: 'array', items: { type: 'object', properties: { surface: { type: 'string' }, read: { type: 'object' }, write: { type: 'object' } } } },
              emailSendAtStart: { type: 'object', nullable: true, description: 'Scheduling a marketing email to send at the start' },
              timeline: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string' }, utc: { type: 'string' }, local: { type: 'string' }, passed: { type: 'boolean' } } } },
            },
          },
          'The preview',
        ),
        ...onAccount,
      },
    },
  },
  '/accounts': {
    get: {
      operationId: 'listAccounts',
      tags: ['accounts'],
      summary: 'Accounts by what needs an operator, from the attention index (upcoming: soonest first)',
      parameters: [
        { name: 'state', in: 'query', required: true, schema: { type: 'string', enum: ['in_window', 'upcoming', 'suspended', 'dead_letters'] } },
        { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page (400 INVALID_CURSOR otherwise)' },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
      ],
      responses: {
        '200': json({ type: 'object', properties: { state: { type: 'string' }, accounts: { type: 'array', items: { type: 'object' } }, nextCursor: { type: 'string', nullable: true } } }, 'One page'),
        ...common,
      },
    },
  },
};

/** A fresh copy each call, so a caller cannot change what the next one is served. */
export function adminOpenApiDocument(): Json {
  return JSON.parse(
    JSON.stringify({
      openapi: '3.0.3',
      info: {
        title: 'maintenance-gateway admin API',
        version: '1',
        description: 'Accounts, their US → EU data migration, buffered requests, notifications, the post-migration checklist and CRM integrations.',
      },
      servers: [{ url: '/admin/v1' }],
      security: [{ bearer: [] }],
      tags: ['accounts', 'migration', 'buffer', 'timeline', 'integrations', 'security', 'meta'].map((name) => ({ name })),
      paths,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'One of ADMIN_TOKENS' } },
        parameters: {
          id: { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }, description: 'Account id' },
          integration: { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'Integration name, as in the account settings' },
          actor: { name: 'X-Actor-Id', in: 'header', required: true, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' }, description: 'The acting user (a super admin for scheduling)' },
        },
        responses: {
          BadRequest: json(ref('Error'), 'Malformed body or parameter; the field is named (INVALID_BODY, MALFORMED_JSON, INVALID_ACCOUNT_ID, INVALID_ACTOR, MISSING_ACTOR)'),
          Unauthorized: json(ref('Error'), 'Missing or wrong bearer token (UNAUTHORIZED, ADMIN_API_DISABLED)'),
          NotFound: json(ref('Error'), 'Unknown account, integration or item (ACCOUNT_NOT_FOUND, INTEGRATION_NOT_FOUND, CHECKLIST_ITEM_NOT_FOUND, NOT_FOUND)'),
          TooLarge: json(ref('Error'), 'The body is larger than limits.adminBodyBytes (PAYLOAD_TOO_LARGE)'),
          RateLimited: { ...json(ref('Error'), 'Too many admin requests from this client (RATE_LIMITED)'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
          Unavailable: json(ref('Error'), 'The store could not confirm; nothing changed (UNAVAILABLE, STORE_UNAVAILABLE)'),
        },
        schemas,
      },
    }),
  ) as Json;
}
