// The OpenAPI document of the admin API: served without a token, well-formed, and exactly the routes that are mounted.
import request from 'supertest';
import { adminOpenApiDocument } from '../../src/admin/openapi';
import { adminApp, adminRoutes } from './admin-app';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];

function documentedOperations(doc: Json): string[] {
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of Object.keys(item).filter((key) => METHODS.includes(key))) ops.push(`${method.toUpperCase()} ${path}`);
  }
  return ops.sort();
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

function resolve(doc: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined), doc);
}

describe('GET /admin/v1/openapi.json', () => {
  it('is served without a token, as JSON, and is the document in src/admin/openapi.ts', async () => {
    const app = adminApp();
    const res = await request(app).get('/admin/v1/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(adminOpenApiDocument());
    expect(res.body.openapi).toMatch(/^3\.\d+\.\d+$/);
    // Only the description is open: everything else still needs the token.
    await request(app).get('/admin/v1/accounts/acme').expect(401);
    await app.gateway.close();
  });

  it('documents exactly the admin routes that are mounted (with the parts the server mounts)', async () => {
    const app = adminApp();
    const mounted = adminRoutes(app);
    // The walker must see the core routes and the parts' routes, else the comparison proves nothing.
    expect(mounted).toEqual(expect.arrayContaining(['PUT /accounts/{id}', 'GET /accounts/{id}/buffer', 'GET /accounts/{id}/checklist', 'GET /accounts/{id}/integrations/{name}']));
    expect(documentedOperations(adminOpenApiDocument())).toEqual(mounted);
    await app.gateway.close();
  });

  it('covers every call of SPEC §7', () => {
    const ops = documentedOperations(adminOpenApiDocument());
    expect(ops).toEqual(
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
      ]),
    );
  });

  it('is well-formed: every $ref resolves, operation ids are unique, path parameters are declared, every operation answers', () => {
    const doc = adminOpenApiDocument();
    for (const ref of refsIn(doc)) expect([ref, resolve(doc, ref) !== undefined]).toEqual([ref, true]);
    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const declared = new Set(
        [...((item.parameters as Json[]) ?? [])].map((p) => ((p.$ref ? resolve(doc, p.$ref as string) : p) as Json)).filter((p) => p.in === 'path').map((p) => p.name),
      );
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect([path, [...declared].sort()]).toEqual([path, inPath.sort()]);
      for (const method of Object.keys(item).filter((key) => METHODS.includes(key))) {
        const op = item[method] as Json;
        ids.push(op.operationId as string);
        const statuses = Object.keys(op.responses as Json);
        expect(statuses.some((s) => s.startsWith('2'))).toBe(true);
        if (path !== '/openapi.json') expect(statuses).toContain('401');
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
