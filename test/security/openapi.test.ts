// The OpenAPI document of the admin API: generated from the zod schemas, valid OpenAPI 3.1, served without a token, and exactly the routes that are mounted.
import { execFileSync } from 'node:child_process';
import request from 'supertest';
import { adminApp, adminRoutes } from './admin-app';
import { accountSettings, auth } from '../support/accounts';
import { expectDocumented, servedAdminOpenApi, type OpenApiDocument } from '../support/openapi';

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];

function documentedOperations(doc: OpenApiDocument): string[] {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item).filter((key) => METHODS.includes(key))) ops.push(`${method.toUpperCase()} ${path}`);
  }
  return ops.sort();
}

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string; schema: { enum?: string[] } }[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};
const operation = (doc: OpenApiDocument, method: string, path: string): Operation => doc.paths[path]?.[method] as unknown as Operation;
const codesOf = (op: Operation, status: string): string[] =>
  (
    (op.responses[status]?.content?.['application/json']?.schema as { properties: { error: { properties: { code: { enum: string[] } } } } })
      .properties.error.properties.code.enum ?? []
  )
    .slice()
    .sort();

/** @seriousme/openapi-schema-validator (ESM only, so in a child process): the OpenAPI 3.1 JSON schema plus its own checks. */
function validateOpenApi(doc: unknown): { valid: boolean; errors?: unknown } {
  const script = `import { Validator } from '@seriousme/openapi-schema-validator';
const chunks = []; for await (const chunk of process.stdin) chunks.push(chunk);
const result = await new Validator().validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
process.stdout.write(JSON.stringify(result));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      input: JSON.stringify(doc),
      cwd: `${__dirname}/../..`,
      encoding: 'utf8',
    }),
  ) as { valid: boolean; errors?: unknown };
}

describe('GET /admin/v1/openapi.json', () => {
  it('is served without a token, as JSON, and is an OpenAPI 3.1 document', async () => {
    const app = adminApp();
    const res = await request(app).get('/admin/v1/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.servers).toEqual([{ url: '/admin/v1' }]);
    await expectDocumented(res);
    // Only the description is open: everything else still needs the token.
    await request(app).get('/admin/v1/accounts/acme').expect(401);
    await app.gateway.close();
  });

  it('passes a real OpenAPI validator', async () => {
    const result = validateOpenApi(await servedAdminOpenApi());
    expect(result).toEqual({ valid: true });
  });

  it('a broken document fails that validator (the check can fail)', async () => {
    const doc = structuredClone(await servedAdminOpenApi());
    (doc.paths['/accounts/{id}'] as Record<string, unknown>).get = { responses: { 200: { content: 'not an object' } } };
    expect(validateOpenApi(doc).valid).toBe(false);
  });

  it('documents exactly the admin routes that are mounted (with the parts the server mounts)', async () => {
    const app = adminApp();
    const mounted = adminRoutes(app);
    // The walker must see the core routes and the parts' routes, else the comparison proves nothing.
    expect(mounted).toEqual(
      expect.arrayContaining([
        'PUT /accounts/{id}',
        'GET /accounts/{id}/buffer',
        'GET /accounts/{id}/checklist',
        'GET /accounts/{id}/integrations/{name}',
      ]),
    );
    expect(documentedOperations(await servedAdminOpenApi())).toEqual(mounted);
    await app.gateway.close();
  });

  it('covers every call of SPEC §7 and the operator lists of §12', async () => {
    expect(documentedOperations(await servedAdminOpenApi())).toEqual(
      expect.arrayContaining([
        'PUT /accounts/{id}',
        'GET /accounts/{id}',
        'POST /accounts/{id}/migration',
        'PATCH /accounts/{id}/migration',
        'DELETE /accounts/{id}/migration',
        'POST /accounts/{id}/migration/start',
        'POST /accounts/{id}/migration/complete',
        'POST /accounts/{id}/migration/fail',
        'GET /accounts/{id}/buffer',
        'GET /accounts/{id}/notifications',
        'GET /accounts/{id}/checklist',
        'PATCH /accounts/{id}/checklist/{item}',
        'GET /accounts/{id}/integrations/{name}',
        'POST /accounts/{id}/integrations/{name}/clear-suspension',
        'GET /accounts',
      ]),
    );
  });

  it('describes requests from the schemas that validate them: body fields, required ones, path and query parameters', async () => {
    const doc = await servedAdminOpenApi();
    const put = doc.paths['/accounts/{id}']?.put as unknown as {
      requestBody: {
        content: {
          'application/json': {
            schema: { required: string[]; properties: Record<string, { enum?: string[] }>; additionalProperties: boolean };
          };
        };
      };
    };
    const settings = put.requestBody.content['application/json'].schema;
    expect(settings.required.sort()).toEqual(['contactName', 'dataLocation', 'superAdmins', 'timezone']);
    expect(settings.properties.dataLocation?.enum).toEqual(['us', 'eu']);
    expect(settings.additionalProperties).toBe(false);
    const list = operation(doc, 'get', '/accounts');
    expect(list.parameters?.find((p) => p.name === 'state')).toMatchObject({
      in: 'query',
      required: true,
      schema: { enum: ['in_window', 'upcoming', 'suspended', 'dead_letters'] },
    });
  });

  it('lists for each operation the error codes it answers, by status', async () => {
    const doc = await servedAdminOpenApi();
    const schedule = operation(doc, 'post', '/accounts/{id}/migration');
    expect(codesOf(schedule, '422')).toEqual(['DATE_UNAVAILABLE', 'INVALID_DIRECTION', 'PAYMENTS_ENABLED', 'START_TOO_SOON']);
    expect(codesOf(schedule, '401')).toEqual(['ADMIN_API_DISABLED', 'UNAUTHORIZED']);
    expect(codesOf(schedule, '404')).toEqual(['ACCOUNT_NOT_FOUND']);
    expect(codesOf(operation(doc, 'post', '/accounts/{id}/integrations/{name}/clear-suspension'), '422')).toEqual([
      'MISSING_FIELD_MAPPINGS',
    ]);
    expect(codesOf(operation(doc, 'get', '/accounts/{id}/buffer'), '503')).toEqual(['STORE_UNAVAILABLE', 'UNAVAILABLE']);
    expect(Object.keys(operation(doc, 'get', '/openapi.json').responses)).toEqual(['200']);
  });

  it('is well-formed: operation ids are unique, every operation answers, all but the document need the token', async () => {
    const doc = await servedAdminOpenApi();
    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item).filter((key) => METHODS.includes(key))) {
        const op = item[method] as unknown as Operation;
        ids.push(op.operationId);
        const statuses = Object.keys(op.responses);
        expect(statuses.some((s) => s.startsWith('2'))).toBe(true);
        if (path !== '/openapi.json') expect([path, statuses]).toEqual([path, expect.arrayContaining(['401'])]);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the response check fails for an undocumented status, a body off its schema, and a code not listed for the status', async () => {
    const app = adminApp();
    const created = await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings()).expect(201);
    await expectDocumented(created);
    const forged = (status: number, body: unknown) =>
      Object.assign(Object.create(created) as typeof created, { status, body, text: JSON.stringify(body) });
    await expect(expectDocumented(forged(202, created.body))).rejects.toThrow('does not list');
    await expect(expectDocumented(forged(201, { ...created.body, version: 'one' }))).rejects.toThrow('version');
    await expect(expectDocumented(forged(201, { ...created.body, colour: 'red' }))).rejects.toThrow('additional');
    await expect(expectDocumented(forged(409, { error: { code: 'START_TOO_SOON', message: 'x' } }))).rejects.toThrow('allowed values');
    await expectDocumented(forged(409, { error: { code: 'DOMAIN_TAKEN', message: 'x', domain: 'help.acme.com' } }));
    await app.gateway.close();
  });

  it('documents the brute-force refusal: the 21st failed authentication in 15 minutes is 429 RATE_LIMITED with Retry-After', async () => {
    const app = adminApp();
    const wrong = { Authorization: 'Bearer not-the-token' };
    for (let i = 0; i < 20; i += 1) await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(wrong).expect(401));
    const refused = await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(wrong).expect(429));
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    // The window is 15 minutes from the first failure, a moment ago (a loaded machine may take some seconds).
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(880);
    expect(retryAfter).toBeLessThanOrEqual(900);
    await app.gateway.close();
  });
});
