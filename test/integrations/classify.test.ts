// Classification of CRM answers into SPEC §6 reasons, and the reason table itself.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { classifyCrmAnswer, parseLimitInfo, type CrmAnswer } from '../../src/integrations/classify';
import { REASONS } from '../../src/integrations/reasons';
import { REASON_CODES, type ReasonCode } from '../../src/domain/reason-codes';

const json = { 'content-type': 'application/json;charset=UTF-8' };
const sfError = (errorCode: string, message = 'x', fields: string[] = []): string => JSON.stringify([{ message, errorCode, fields }]);

type Row = [string, CrmAnswer, ReasonCode | 'ok' | 'caller_error', boolean | null];

const table: Row[] = [
  ['200 JSON', { status: 200, headers: json, body: '{"id":"001"}' }, 'ok', null],
  ['201 empty', { status: 201, headers: {}, body: null }, 'ok', null],
  ['204', { status: 204, headers: {} }, 'ok', null],
  ['302 redirect', { status: 302, headers: { location: '/x' } }, 'ok', null],
  [
    '403 REQUEST_LIMIT_EXCEEDED',
    { status: 403, headers: json, body: sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.') },
    'CRM_API_LIMIT_EXCEEDED',
    true,
  ],
  ['403 API_DISABLED_FOR_ORG', { status: 403, headers: json, body: sfError('API_DISABLED_FOR_ORG') }, 'CRM_API_DISABLED', true],
  ['403 API_CURRENTLY_DISABLED', { status: 403, headers: json, body: sfError('API_CURRENTLY_DISABLED') }, 'CRM_API_DISABLED', true],
  [
    '400 INSUFFICIENT_ACCESS_OR_READONLY',
    { status: 400, headers: json, body: sfError('INSUFFICIENT_ACCESS_OR_READONLY') },
    'OBJECT_PERMISSIONS_MISSING',
    true,
  ],
  [
    '400 INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
    { status: 400, headers: json, body: sfError('INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY') },
    'OBJECT_PERMISSIONS_MISSING',
    true,
  ],
  ['403 INSUFFICIENT_ACCESS', { status: 403, headers: json, body: sfError('INSUFFICIENT_ACCESS') }, 'OBJECT_PERMISSIONS_MISSING', true],
  [
    '404 INVALID_TYPE (object not visible)',
    { status: 404, headers: json, body: sfError('INVALID_TYPE') },
    'OBJECT_PERMISSIONS_MISSING',
    true,
  ],
  [
    '400 INVALID_FIELD',
    { status: 400, headers: json, body: sfError('INVALID_FIELD', "No such column 'Secret__c'", ['Secret__c']) },
    'FIELD_PERMISSIONS_MISSING',
    true,
  ],
  [
    '400 INVALID_FIELD_FOR_INSERT_UPDATE',
    { status: 400, headers: json, body: sfError('INVALID_FIELD_FOR_INSERT_UPDATE') },
    'FIELD_PERMISSIONS_MISSING',
    true,
  ],
  ['400 ORG_LOCKED', { status: 400, headers: json, body: sfError('ORG_LOCKED') }, 'ORG_LOCKED', false],
  ['400 UNABLE_TO_LOCK_ROW', { status: 400, headers: json, body: sfError('UNABLE_TO_LOCK_ROW') }, 'ORG_LOCKED', false],
  ['400 STORAGE_LIMIT_EXCEEDED', { status: 400, headers: json, body: sfError('STORAGE_LIMIT_EXCEEDED') }, 'STORAGE_LIMIT_EXCEEDED', true],
  ['503 SERVER_UNAVAILABLE', { status: 503, headers: json, body: sfError('SERVER_UNAVAILABLE') }, 'ORG_UNAVAILABLE', false],
  ['503 ORG_IN_MAINTENANCE', { status: 503, headers: json, body: sfError('ORG_IN_MAINTENANCE') }, 'ORG_UNAVAILABLE', false],
  ['503 no body', { status: 503, headers: {} }, 'ORG_UNAVAILABLE', false],
  ['502 no body', { status: 502, headers: {} }, 'ORG_UNAVAILABLE', false],
  // A gateway timeout in front of the CRM: the org did not answer in time (SPEC §6 "org unavailable").
  ['504 no body', { status: 504, headers: {} }, 'ORG_UNAVAILABLE', false],
  [
    '504 plain text from a load balancer',
    { status: 504, headers: { 'content-type': 'text/plain' }, body: 'upstream request timeout' },
    'ORG_UNAVAILABLE',
    false,
  ],
  [
    '503 HTML maintenance page',
    {
      status: 503,
      headers: { 'content-type': 'text/html' },
      body: '<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>',
    },
    'ORG_UNAVAILABLE',
    false,
  ],
  [
    '500 HTML page without content-type',
    { status: 500, headers: {}, body: Buffer.from('  <html><head><title>Error</title></head></html>') },
    'ORG_UNAVAILABLE',
    false,
  ],
  [
    '500 UNKNOWN_EXCEPTION',
    { status: 500, headers: json, body: sfError('UNKNOWN_EXCEPTION', 'An unexpected error occurred.') },
    'CRM_SERVER_ERROR',
    false,
  ],
  ['500 empty', { status: 500, headers: {} }, 'CRM_SERVER_ERROR', false],
  // The caller's own errors: relayed, never a failure of the integration.
  [
    '404 NOT_FOUND',
    { status: 404, headers: json, body: sfError('NOT_FOUND', 'The requested resource does not exist') },
    'caller_error',
    null,
  ],
  ['400 MALFORMED_QUERY', { status: 400, headers: json, body: sfError('MALFORMED_QUERY') }, 'caller_error', null],
  [
    '400 DUPLICATE_VALUE',
    { status: 400, headers: json, body: sfError('DUPLICATE_VALUE', 'duplicate value found: Email__c') },
    'caller_error',
    null,
  ],
  [
    '400 REQUIRED_FIELD_MISSING',
    { status: 400, headers: json, body: sfError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', ['LastName']) },
    'caller_error',
    null,
  ],
  [
    '400 FIELD_CUSTOM_VALIDATION_EXCEPTION',
    { status: 400, headers: json, body: sfError('FIELD_CUSTOM_VALIDATION_EXCEPTION') },
    'caller_error',
    null,
  ],
  ['404 ENTITY_IS_DELETED', { status: 404, headers: json, body: sfError('ENTITY_IS_DELETED') }, 'caller_error', null],
  ['400 code nobody has seen before', { status: 400, headers: json, body: sfError('SOMETHING_NEW') }, 'caller_error', null],
  ['404 no body', { status: 404, headers: {} }, 'caller_error', null],
  ['409 plain text', { status: 409, headers: { 'content-type': 'text/plain' }, body: 'conflict' }, 'caller_error', null],
  ['412 empty', { status: 412, headers: {} }, 'caller_error', null],
  ['422 JSON without codes', { status: 422, headers: json, body: '{"message":"unprocessable"}' }, 'caller_error', null],
  ['405 METHOD_NOT_ALLOWED', { status: 405, headers: json, body: sfError('METHOD_NOT_ALLOWED') }, 'caller_error', null],
  [
    '415 all codes per-request ones',
    { status: 415, headers: json, body: JSON.stringify([{ errorCode: 'JSON_PARSER_ERROR' }, { errorCode: 'MISSING_ARGUMENT' }]) },
    'caller_error',
    null,
  ],
  [
    '400 per-record codes then a suspension code: the suspension code decides',
    { status: 400, headers: json, body: JSON.stringify([{ errorCode: 'DUPLICATE_VALUE' }, { errorCode: 'ORG_LOCKED' }]) },
    'ORG_LOCKED',
    false,
  ],
  [
    '404 HTML page: something in front of the CRM answered',
    { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body>Not here</body></html>' },
    'ORG_UNAVAILABLE',
    false,
  ],
  // Not the caller's: credentials, access, throttling and anything not known to be per-request.
  [
    '401 INVALID_SESSION_ID (credentials may refresh)',
    { status: 401, headers: json, body: sfError('INVALID_SESSION_ID', 'Session expired or invalid') },
    'UNKNOWN_ERROR',
    false,
  ],
  ['403 unrecognised code', { status: 403, headers: json, body: sfError('SOMETHING_NEW') }, 'UNKNOWN_ERROR', false],
  ['403 per-request code still about access', { status: 403, headers: json, body: sfError('NOT_FOUND') }, 'UNKNOWN_ERROR', false],
  ['429 no body', { status: 429, headers: {} }, 'UNKNOWN_ERROR', false],
  ['408 per-request code', { status: 408, headers: json, body: sfError('MALFORMED_QUERY') }, 'UNKNOWN_ERROR', false],
  [
    '405 one unknown code among per-request ones',
    { status: 405, headers: json, body: JSON.stringify([{ errorCode: 'METHOD_NOT_ALLOWED' }, { errorCode: 'SOMETHING_NEW' }]) },
    'UNKNOWN_ERROR',
    false,
  ],
  ['418 plain text', { status: 418, headers: { 'content-type': 'text/plain' }, body: 'teapot' }, 'UNKNOWN_ERROR', false],
  [
    '400 first recognised code of several wins',
    {
      status: 400,
      headers: json,
      body: JSON.stringify([{ errorCode: 'DUPLICATE_VALUE' }, { errorCode: 'STORAGE_LIMIT_EXCEEDED' }, { errorCode: 'ORG_LOCKED' }]),
    },
    'STORAGE_LIMIT_EXCEEDED',
    true,
  ],
  [
    '400 single object instead of an array',
    { status: 400, headers: json, body: '{"message":"m","errorCode":"INVALID_FIELD"}' },
    'FIELD_PERMISSIONS_MISSING',
    true,
  ],
  ['400 lower-case code', { status: 400, headers: json, body: sfError('org_locked') }, 'ORG_LOCKED', false],
  [
    '400 truncated JSON excerpt still names its code',
    { status: 400, headers: json, body: '[{"message":"very long ...","errorCode":"STORAGE_LIMIT_EXCEEDED","fields":["a' },
    'STORAGE_LIMIT_EXCEEDED',
    true,
  ],
  [
    '503 status carrying a JSON limit code: the code decides',
    { status: 503, headers: json, body: sfError('REQUEST_LIMIT_EXCEEDED') },
    'CRM_API_LIMIT_EXCEEDED',
    true,
  ],
  ['500 carrying UNABLE_TO_LOCK_ROW', { status: 500, headers: json, body: sfError('UNABLE_TO_LOCK_ROW') }, 'ORG_LOCKED', false],
  [
    '410 errorCode not a string',
    { status: 410, headers: json, body: '[{"errorCode":42},{"errorCode":null},null,7,"s"]' },
    'UNKNOWN_ERROR',
    false,
  ],
  ['410 prototype names are not codes', { status: 410, headers: json, body: sfError('__proto__') }, 'UNKNOWN_ERROR', false],
  ['410 "constructor" is not a code', { status: 410, headers: json, body: sfError('constructor') }, 'UNKNOWN_ERROR', false],
  ['400 "constructor" is no suspension code', { status: 400, headers: json, body: sfError('constructor') }, 'caller_error', null],
  [
    '400 binary garbage',
    { status: 400, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7b]) },
    'caller_error',
    null,
  ],
  [
    '410 binary garbage',
    { status: 410, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7b]) },
    'UNKNOWN_ERROR',
    false,
  ],
  ['400 JSON null', { status: 400, headers: json, body: 'null' }, 'caller_error', null],
  ['400 header value as array', { status: 400, headers: { 'Content-Type': ['text/html'] }, body: 'oops' }, 'ORG_UNAVAILABLE', false],
  ['status 0 / nonsense', { status: Number.NaN, headers: {} }, 'UNKNOWN_ERROR', false],
];

describe('classifyCrmAnswer', () => {
  it.each(table)('%s', (_label, answer, reason, immediate) => {
    const result = classifyCrmAnswer(answer);
    if (reason === 'ok' || reason === 'caller_error') {
      expect(result.kind).toBe(reason);
      return;
    }
    expect(result).toMatchObject({ kind: 'failure', reason, immediate });
  });

  // Every CRM errorCode classify.ts knows, with the SPEC §6 reason it means (transient reasons suspend after several
  // failures, the others at once). Sent with a status that decides nothing by itself, so only the code can decide.
  const suspensionCodes: [string, ReasonCode, boolean][] = [
    ['REQUEST_LIMIT_EXCEEDED', 'CRM_API_LIMIT_EXCEEDED', true],
    ['TOTAL_REQUEST_LIMIT_EXCEEDED', 'CRM_API_LIMIT_EXCEEDED', true],
    ['API_DISABLED_FOR_ORG', 'CRM_API_DISABLED', true],
    ['API_CURRENTLY_DISABLED', 'CRM_API_DISABLED', true],
    ['INSUFFICIENT_ACCESS', 'OBJECT_PERMISSIONS_MISSING', true],
    ['INSUFFICIENT_ACCESS_OR_READONLY', 'OBJECT_PERMISSIONS_MISSING', true],
    ['INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', 'OBJECT_PERMISSIONS_MISSING', true],
    ['INSUFFICIENT_PRIVILEGES', 'OBJECT_PERMISSIONS_MISSING', true],
    ['INVALID_TYPE', 'OBJECT_PERMISSIONS_MISSING', true],
    ['INVALID_TYPE_FOR_OPERATION', 'OBJECT_PERMISSIONS_MISSING', true],
    ['ENTITY_NOT_ACCESSIBLE', 'OBJECT_PERMISSIONS_MISSING', true],
    ['INVALID_FIELD', 'FIELD_PERMISSIONS_MISSING', true],
    ['INVALID_FIELD_FOR_INSERT_UPDATE', 'FIELD_PERMISSIONS_MISSING', true],
    ['INVALID_FIELD_WHEN_USING_TEMPLATE', 'FIELD_PERMISSIONS_MISSING', true],
    ['FIELD_NOT_ACCESSIBLE', 'FIELD_PERMISSIONS_MISSING', true],
    ['FIELD_NOT_UPDATEABLE', 'FIELD_PERMISSIONS_MISSING', true],
    ['ORG_LOCKED', 'ORG_LOCKED', false],
    ['UNABLE_TO_LOCK_ROW', 'ORG_LOCKED', false],
    ['STORAGE_LIMIT_EXCEEDED', 'STORAGE_LIMIT_EXCEEDED', true],
    ['SERVER_UNAVAILABLE', 'ORG_UNAVAILABLE', false],
    ['ORG_IN_MAINTENANCE', 'ORG_UNAVAILABLE', false],
    ['INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE', 'ORG_UNAVAILABLE', false],
    ['UNKNOWN_EXCEPTION', 'CRM_SERVER_ERROR', false],
  ];
  it.each(suspensionCodes)('410 %s: %s, at once = %s, naming the code', (code, reason, immediate) => {
    expect(classifyCrmAnswer({ status: 410, headers: json, body: sfError(code) })).toEqual({
      kind: 'failure',
      reason,
      immediate,
      errorCode: code,
    });
  });

  // Codes about one request or one record: relayed to the caller, named, and the integration left alone. 410 alone
  // would be UNKNOWN_ERROR (see '410 binary garbage'), so only the code makes these the caller's.
  const callerCodes = [
    'NOT_FOUND',
    'MALFORMED_ID',
    'MALFORMED_QUERY',
    'INVALID_QUERY_FILTER_OPERATOR',
    'INVALID_QUERY_LOCATOR',
    'JSON_PARSER_ERROR',
    'METHOD_NOT_ALLOWED',
    'MISSING_ARGUMENT',
    'INVALID_ID_FIELD',
    'INVALID_CROSS_REFERENCE_KEY',
    'DUPLICATE_VALUE',
    'DUPLICATES_DETECTED',
    'DUPLICATE_EXTERNAL_ID',
    'REQUIRED_FIELD_MISSING',
    'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    'FIELD_INTEGRITY_EXCEPTION',
    'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
    'STRING_TOO_LONG',
    'NUMBER_OUTSIDE_VALID_RANGE',
    'INVALID_EMAIL_ADDRESS',
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    'ENTITY_IS_DELETED',
    'ENTITY_IS_LOCKED',
    'DELETE_FAILED',
    'PRECONDITION_FAILED',
    'CONFLICT',
  ];
  it.each(callerCodes)("410 %s: the caller's error, named", (code) => {
    expect(classifyCrmAnswer({ status: 410, headers: json, body: sfError(code) })).toEqual({ kind: 'caller_error', errorCode: code });
  });

  it('has a row above for every code classify.ts lists, and no row for a code it does not', () => {
    const source = readFileSync(path.join(__dirname, '../../src/integrations/classify.ts'), 'utf8');
    const between = (start: string, end: string): string => source.slice(source.indexOf(start), source.indexOf(end, source.indexOf(start)));
    const suspension = [...between('const ERROR_CODES', '\n};').matchAll(/^\s+([A-Z_]+): '/gm)].map((m) => m[1]);
    const caller = [...between('const CALLER_ERROR_CODES', ']);').matchAll(/^\s+'([A-Z_]+)',$/gm)].map((m) => m[1]);
    expect(suspension.sort()).toEqual(suspensionCodes.map(([code]) => code).sort());
    expect(caller.sort()).toEqual([...callerCodes].sort());
  });

  it('names the deciding CRM code, upper-cased, or null when the status decided', () => {
    expect(classifyCrmAnswer({ status: 400, headers: json, body: sfError('org_locked') })).toMatchObject({ errorCode: 'ORG_LOCKED' });
    expect(classifyCrmAnswer({ status: 503, headers: {} })).toMatchObject({ errorCode: null });
    expect(classifyCrmAnswer({ status: 400, headers: json, body: sfError('duplicate_value') })).toEqual({
      kind: 'caller_error',
      errorCode: 'DUPLICATE_VALUE',
    });
    // An arbitrary string from the body is not named (it would reach the logs).
    expect(classifyCrmAnswer({ status: 400, headers: json, body: sfError('<script>') })).toEqual({ kind: 'caller_error', errorCode: null });
  });

  it('never throws, whatever the body', () => {
    const bodies: (string | Buffer)[] = [
      '',
      '[',
      '{"errorCode":',
      '[[[[[[',
      '"str"',
      '1e999',
      '{"__proto__":{"errorCode":"ORG_LOCKED"}}',
      Buffer.alloc(70_000, 0xff),
    ];
    for (let i = 0; i < 200; i++) bodies.push(Buffer.from(Array.from({ length: 64 }, (_, j) => (i * 31 + j * 17) % 256)));
    for (const body of bodies) {
      for (const status of [400, 403, 500, 503, 599]) {
        expect(() => classifyCrmAnswer({ status, headers: { 'content-type': 'application/json' }, body })).not.toThrow();
        expect(classifyCrmAnswer({ status, headers: {}, body }).kind).toBe(status === 400 ? 'caller_error' : 'failure');
      }
    }
  });
});

describe('parseLimitInfo', () => {
  it.each([
    ['api-usage=18/5000', { used: 18, limit: 5000 }],
    ['api-usage=18/5000; per-app-api-usage=17/250(appName=sample-app)', { used: 18, limit: 5000 }],
    ['per-app-api-usage=17/250(appName=sample-app); api-usage=19/5000', { used: 19, limit: 5000 }],
    ['API-USAGE=1/2', { used: 1, limit: 2 }],
  ])('%s', (header, expected) => {
    expect(parseLimitInfo(header)).toEqual(expected);
  });

  it.each([undefined, '', 'per-app-api-usage=17/250(appName=x)', 'api-usage=abc/5000', 'api-usage=5000', 'xapi-usage=1/2'])(
    'ignores %p',
    (header) => {
      expect(parseLimitInfo(header)).toBeNull();
    },
  );
});

describe('REASONS', () => {
  it('has the eleven SPEC §6 codes in the table order', () => {
    expect(REASON_CODES).toEqual([
      'CRM_API_LIMIT_EXCEEDED',
      'CRM_API_DISABLED',
      'OBJECT_PERMISSIONS_MISSING',
      'FIELD_PERMISSIONS_MISSING',
      'ORG_LOCKED',
      'STORAGE_LIMIT_EXCEEDED',
      'ORG_UNAVAILABLE',
      'CRM_SERVER_ERROR',
      'UNKNOWN_ERROR',
      'API_ALLOCATION_EXCEEDED',
      'MISSING_FIELD_MAPPINGS',
    ]);
    expect(Object.keys(REASONS).sort()).toEqual([...REASON_CODES].sort());
  });

  it.each(REASON_CODES)('%s: consistent, vendor-neutral message and remedy', (code) => {
    const info = REASONS[code];
    expect(info.code).toBe(code);
    expect(info.status).toBe(code === 'API_ALLOCATION_EXCEEDED' ? 429 : 503);
    expect(info.transient).toBe(['ORG_LOCKED', 'ORG_UNAVAILABLE', 'CRM_SERVER_ERROR', 'UNKNOWN_ERROR'].includes(code));
    expect(info.clears).toBe(info.transient ? 'probe' : code === 'API_ALLOCATION_EXCEEDED' ? 'automatic' : 'manual');
    for (const text of [info.message, info.remedy, info.title]) {
      expect(text.length).toBeGreaterThan(10);
      expect(text).not.toMatch(/salesforce|hubspot|sforce/i);
    }
  });
});
