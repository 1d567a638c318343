// The OpenAPI 3.1 document of admin API v1, generated from the zod schemas each admin route validates and answers with.
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  extendZodWithOpenApi,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { AdminOperation } from '../domain/admin-route';
import { errorBodySchema } from './errors';

// The generator reads its metadata through zod's prototype; this adds `.openapi()` there once (idempotent).
extendZodWithOpenApi(z);

/** Refusals every operation can meet besides its own: authentication, the account in the path, the body, the store. */
function errorCodesOf(operation: AdminOperation): Map<number, string[]> {
  const codes = new Map<number, Set<string>>();
  const add = (status: number, ...more: string[]): void => {
    const set = codes.get(status) ?? new Set<string>();
    more.forEach((code) => set.add(code));
    codes.set(status, set);
  };
  if (!operation.open) {
    add(401, 'UNAUTHORIZED', 'ADMIN_API_DISABLED');
    add(429, 'RATE_LIMITED');
    add(503, 'UNAVAILABLE');
  }
  if (operation.path.startsWith('/accounts/{id}')) {
    add(400, 'INVALID_ACCOUNT_ID', 'INVALID_ACTOR');
    add(404, 'ACCOUNT_NOT_FOUND');
  }
  if (operation.body) {
    add(400, 'MALFORMED_JSON', 'BAD_REQUEST', 'INVALID_BODY');
    add(413, 'PAYLOAD_TOO_LARGE');
    add(415, 'BAD_REQUEST'); // a charset or encoding express's body parser cannot read
  }
  for (const [status, own] of Object.entries(operation.errors ?? {})) add(Number(status), ...own);
  return new Map([...codes].sort(([a], [b]) => a - b).map(([status, set]) => [status, [...set].sort()]));
}

function responsesOf(operation: AdminOperation): Record<string, ResponseConfig> {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, { description, schema }] of Object.entries(operation.responses)) {
    responses[status] = schema ? { description, content: { 'application/json': { schema } } } : { description };
  }
  for (const [status, codes] of errorCodesOf(operation)) {
    const [first, ...rest] = codes as [string, ...string[]];
    const response: ResponseConfig = {
      description: `Refused: ${codes.join(', ')}`,
      content: { 'application/json': { schema: errorBodySchema([first, ...rest]) } },
    };
    if (status === 429) response.headers = z.object({ 'Retry-After': z.string().describe('Seconds until the limit resets') });
    responses[String(status)] = response;
  }
  return responses;
}

function routeOf(operation: AdminOperation): RouteConfig {
  const { method, path, operationId, tags, summary, description, params, query, headers, body } = operation;
  return {
    method,
    path,
    operationId,
    tags,
    summary,
    ...(description ? { description } : {}),
    ...(operation.open ? { security: [] } : {}),
    request: {
      ...(params ? { params } : {}),
      ...(query ? { query } : {}),
      ...(headers ? { headers } : {}),
      ...(body ? { body: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    },
    responses: responsesOf(operation),
  };
}

/** The document for these operations (a fresh object each call, so a caller cannot change what the next one gets). */
export function buildAdminOpenApiDocument(operations: readonly AdminOperation[]): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'One of ADMIN_TOKENS' });
  for (const operation of operations) registry.registerPath(routeOf(operation));
  const tags = [...new Set(operations.flatMap((operation) => operation.tags))];
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'maintenance-gateway admin API',
      version: '1',
      description:
        'Accounts, their US → EU data migration, buffered requests, notifications, the post-migration checklist and CRM integrations. Generated from the zod schemas that validate each request.',
    },
    servers: [{ url: '/admin/v1' }],
    security: [{ bearer: [] }],
    tags: tags.map((name) => ({ name })),
  });
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
}
