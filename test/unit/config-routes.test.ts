// Config validation names the bad entry; the route table maps paths and methods to surfaces; accounts resolve in order.
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load';
import { parseEnv, type RawEnv } from '../../src/config/env';
import { compileRoutes } from '../../src/routing/route-table';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = { upstreams: { us: 'http://us.test', eu: 'http://eu.test' } };
const load = (env: RawEnv) => loadConfig(parseEnv(env));

describe('config', () => {
  it.each([
    [{ ...base, routes: [{ path: 'api/**', surface: 'api' }] }, 'routes.0.path'],
    [{ ...base, routes: [{ path: '/api/**', surface: 'apis' }] }, 'routes.0.surface'],
    [{ ...base, routes: [{ path: '/a', surface: 'api', methods: ['FETCH'] }] }, 'routes.0.methods.0'],
    [{ upstreams: { us: 'ftp://x', eu: 'http://eu.test' }, routes: [{ path: '/a', surface: 'api' }] }, 'upstreams.us'],
    [{ ...base, routes: [{ path: '/a', surface: 'api' }], limits: { maxBodyBytes: -1 } }, 'limits.maxBodyBytes'],
    [{ ...base, routes: [{ path: '/a', surface: 'api' }], colour: 'red' }, 'colour'],
  ])('refuses %j naming %s', (input, where) => {
    expect(() => parseConfig(input as never)).toThrow(ConfigError);
    expect(() => parseConfig(input as never)).toThrow(where);
  });

  it('refuses a ** in the middle of a pattern, naming the route', () => {
    const config = parseConfig({ ...base, routes: [{ path: '/a/**/b', surface: 'api' }] });
    expect(() => compileRoutes(config.routes)).toThrow('routes[0] (/a/**/b)');
  });

  it('loads the file named by GATEWAY_CONFIG, with upstreams and tokens from the environment', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-config-'));
    const file = path.join(dir, 'gw.json');
    writeFileSync(file, JSON.stringify({ ...base, routes: [{ path: '/x/**', surface: 'api' }], adminTokens: ['a'] }));
    const config = load({ GATEWAY_CONFIG: file, UPSTREAM_EU: 'http://eu2.test', ADMIN_TOKENS: 'b, c' });
    expect(config.upstreams).toEqual({
      us: { url: 'http://us.test', preserveHost: false },
      eu: { url: 'http://eu2.test', preserveHost: false },
    });
    expect(config.adminTokens).toEqual(['a', 'b', 'c']);
    expect(config.limits.maxBodyBytes).toBe(1024 * 1024);
    expect(() => load({ GATEWAY_CONFIG: path.join(dir, 'missing.json') })).toThrow('cannot read config file');
  });

  it('ships a default config that is valid', () => {
    expect(load({}).routes.length).toBeGreaterThan(10);
  });
});

describe('default route table', () => {
  const table = compileRoutes(load({}).routes);
  it.each([
    ['GET', '/api/contacts/v1/1', 'api', {}],
    ['POST', '/forms/acme/f-1', 'form', { accountId: 'acme', formId: 'f-1' }],
    ['GET', '/forms/acme/f-1', null, {}],
    ['GET', '/documents/q/1', 'document', {}],
    ['GET', '/kb', 'knowledge_base', {}],
    ['DELETE', '/pages/a/b', 'page', {}],
    ['POST', '/analytics/collect', 'analytics', {}],
    ['GET', '/analytics/collect', null, {}],
    ['GET', '/app/contacts', 'app', {}],
    ['POST', '/portal/tickets', 'portal_ticket', {}],
    ['POST', '/portal/tickets/9/messages', 'portal_reply', { ticketId: '9' }],
    ['GET', '/chat/widget.js', 'chat', {}],
    ['POST', '/meetings/acme/jane/book', 'meeting', { accountId: 'acme', slug: 'jane' }],
    ['PUT', '/imports/1', 'import', {}],
    ['POST', '/email/campaigns', 'email', {}],
    ['POST', '/webhooks/stripe', 'inbound', {}],
    ['POST', '/inbound/mail', 'inbound', {}],
    ['GET', '/webhooks/stripe', null, {}],
    ['POST', '/integrations/crm/sobjects/Lead', 'integration', { integration: 'crm' }],
    ['GET', '/apiary', null, {}],
    ['GET', '/', null, {}],
  ])('%s %s → %s', (method, p, surface, params) => {
    const match = table.match(method, p);
    expect(match?.surface ?? null).toBe(surface);
    if (match) expect(match.params).toEqual(params);
  });

  it('keeps what ** matched for forwarding', () => {
    expect(table.match('GET', '/integrations/crm/sobjects/Lead/1')?.rest).toBe('/sobjects/Lead/1');
  });
});
