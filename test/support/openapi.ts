// The admin API's served OpenAPI document, and an assertion that an answer is one the document describes (status and body).
import { appendFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import request from 'supertest';
import { adminApp } from '../security/admin-app';

export interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> } & Record<string, unknown>>
  >;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}

let served: Promise<OpenApiDocument> | undefined;

/** GET /admin/v1/openapi.json of a gateway with the standard parts (as the server runs it); fetched once per test file. */
export function servedAdminOpenApi(): Promise<OpenApiDocument> {
  served ??= (async () => {
    const app = adminApp();
    try {
      return (await request(app).get('/admin/v1/openapi.json').expect(200)).body as OpenApiDocument;
    } finally {
      await app.gateway.close();
    }
  })();
  return served;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** The document's path template for a concrete admin path: `/admin/v1/accounts/acme/buffer` → `/accounts/{id}/buffer`. */
function templateOf(doc: OpenApiDocument, method: string, url: string): string {
  const path = url.replace(/^\/admin\/v1/, '').split('?')[0] ?? '';
  const candidates = Object.keys(doc.paths).filter(
    (template) =>
      doc.paths[template]?.[method] && new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`).test(path),
  );
  // A literal segment beats a parameter (…/migration/start over …/{x}/start).
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  if (!candidates[0]) throw new Error(`${method.toUpperCase()} ${path} is not in the OpenAPI document`);
  return candidates[0];
}

/**
 * Fails unless the document lists the answer's status for its operation and the body matches the schema it gives
 * (error answers: the `{"error":{"code","message"}}` shape with one of the codes documented for that status).
 */
export async function expectDocumented(res: Response): Promise<Response> {
  const doc = await servedAdminOpenApi();
  const { method, path } = (res as unknown as { req: { method: string; path: string } }).req;
  const verb = method.toLowerCase();
  const template = templateOf(doc, verb, path);
  const documented = doc.paths[template]?.[verb]?.responses[String(res.status)];
  if (process.env.OPENAPI_CHECKED_LOG) appendFileSync(process.env.OPENAPI_CHECKED_LOG, `${method} ${template} ${res.status}\n`);
  if (!documented)
    throw new Error(
      `${method} ${template} answered ${res.status}, which the OpenAPI document does not list (body ${JSON.stringify(res.body)})`,
    );
  const schema = documented.content?.['application/json']?.schema;
  if (!schema) {
    if (res.text) throw new Error(`${method} ${template} ${res.status} is documented without a body but answered ${res.text}`);
    return res;
  }
  const key = `${verb} ${template} ${res.status}`;
  const validate = compiled.get(key) ?? ajv.compile({ ...schema, components: doc.components });
  compiled.set(key, validate);
  if (!validate(res.body)) {
    throw new Error(
      `${method} ${template} ${res.status}: the body does not match the documented schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 2000)}`,
    );
  }
  return res;
}
