// Account recognition (SPEC §8): each source, their order and agreement, the cookie, the hook, a source dropped.
import type { IncomingMessage } from 'node:http';
import { identify, type AccountDirectoryLookup, type IdentifyOptions } from '../../src/routing/identify';
import { ACCOUNT_SOURCES } from '../../src/config/schema';

/** A directory as the gateway holds it: acme owns help.acme.com and *.acme-docs.com, and one token. */
function directory(async = false): AccountDirectoryLookup {
  const hosts: Record<string, string> = { 'help.acme.com': 'acme', '*.acme-docs.com': 'acme', 'kb.globex.com': 'globex' };
  const tokens: Record<string, string> = { 'pat-na1-acme-0123456789': 'acme' };
  const answer = (value: string | null) => (async ? Promise.resolve(value) : value);
  return {
    accountForHost(header) {
      const host = header.replace(/:\d+$/, '').toLowerCase();
      const parent = `*.${host.split('.').slice(1).join('.')}`;
      return answer(hosts[host] ?? hosts[parent] ?? null);
    },
    accountForToken: (token) => answer(tokens[token] ?? null),
  };
}

function options(overrides: Partial<IdentifyOptions> = {}): IdentifyOptions {
  return {
    sources: ACCOUNT_SOURCES,
    header: 'x-account-id',
    query: 'portalId',
    cookie: undefined,
    headerTrusted: () => true,
    directory: directory(),
    hook: undefined,
    ...overrides,
  };
}

const req = (url: string, headers: Record<string, string> = {}): IncomingMessage =>
  ({ url, method: 'GET', headers }) as unknown as IncomingMessage;

describe('identify', () => {
  it('names the account from the Host of a custom domain, ignoring port and case', () => {
    expect(identify(req('/kb/a', { host: 'HELP.Acme.com:8443' }), undefined, options())).toEqual({
      kind: 'account',
      accountId: 'acme',
      source: 'host',
    });
  });

  it('matches a *. domain exactly one label deep', () => {
    expect(identify(req('/kb/a', { host: 'docs.acme-docs.com' }), undefined, options())).toMatchObject({ accountId: 'acme' });
    expect(identify(req('/kb/a', { host: 'a.b.acme-docs.com' }), undefined, options())).toEqual({ kind: 'none' });
  });

  it('names the account from a registered bearer token alone', () => {
    const found = identify(
      req('/api/contacts', { authorization: 'Bearer pat-na1-acme-0123456789', host: 'api.crm.test' }),
      undefined,
      options(),
    );
    expect(found).toEqual({ kind: 'account', accountId: 'acme', source: 'token' });
  });

  it('names nothing for an unknown token or host: the request is proxied unchanged', () => {
    expect(identify(req('/api/x', { authorization: 'Bearer unknown-token-123', host: 'other.test' }), undefined, options())).toEqual({
      kind: 'none',
    });
  });

  it('accepts a Host plus a portal id in the path when they name the same account', () => {
    expect(identify(req('/forms/acme/f1', { host: 'help.acme.com' }), 'acme', options())).toEqual({
      kind: 'account',
      accountId: 'acme',
      source: 'path',
    });
  });

  it('refuses sources that disagree, naming them', () => {
    expect(identify(req('/kb/a?portalId=globex', { host: 'help.acme.com' }), undefined, options())).toEqual({
      kind: 'ambiguous',
      sources: ['host', 'query'],
    });
    expect(
      identify(req('/api/x', { authorization: 'Bearer pat-na1-acme-0123456789', 'x-account-id': 'globex' }), undefined, options()),
    ).toEqual({
      kind: 'ambiguous',
      sources: ['token', 'header'],
    });
  });

  it('waits for lookups that had to ask the store', async () => {
    const found = identify(req('/kb/a', { host: 'kb.globex.com' }), undefined, options({ directory: directory(true) }));
    expect(found).toBeInstanceOf(Promise);
    await expect(found).resolves.toEqual({ kind: 'account', accountId: 'globex', source: 'host' });
  });

  it('reads the configured cookie only when one is configured', () => {
    const headers = { cookie: 'theme=dark; mg_account=acme' };
    expect(identify(req('/app/x', headers), undefined, options())).toEqual({ kind: 'none' });
    expect(identify(req('/app/x', headers), undefined, options({ cookie: 'mg_account' }))).toEqual({
      kind: 'account',
      accountId: 'acme',
      source: 'cookie',
    });
  });

  it('ignores a dropped source: with sources [path, header] a custom domain names nothing', () => {
    expect(identify(req('/kb/a', { host: 'help.acme.com' }), undefined, options({ sources: ['path', 'header'] }))).toEqual({
      kind: 'none',
    });
  });

  it('ignores the header from an untrusted client', () => {
    expect(identify(req('/api/x', { 'x-account-id': 'acme' }), undefined, options({ headerTrusted: () => false }))).toEqual({
      kind: 'none',
    });
  });

  it('asks the resolveAccount hook only when no source names an account', async () => {
    const asked: string[] = [];
    const hook = (r: IncomingMessage): Promise<string | null> => {
      asked.push(r.url ?? '');
      return Promise.resolve('initech');
    };
    expect(identify(req('/api/x?portalId=acme'), undefined, options({ hook }))).toEqual({
      kind: 'account',
      accountId: 'acme',
      source: 'query',
    });
    await expect(identify(req('/api/y'), undefined, options({ hook }))).resolves.toEqual({
      kind: 'account',
      accountId: 'initech',
      source: 'hook',
    });
    expect(asked).toEqual(['/api/y']);
  });

  it('reports a failing lookup or hook as unavailable rather than guessing', async () => {
    const failing: AccountDirectoryLookup = { accountForHost: () => Promise.reject(new Error('store down')), accountForToken: () => null };
    await expect(identify(req('/kb/a', { host: 'kb.globex.com' }), undefined, options({ directory: failing }))).resolves.toMatchObject({
      kind: 'unavailable',
    });
    const throwing = (): string => {
      throw new Error('introspection down');
    };
    expect(identify(req('/api/x'), undefined, options({ hook: throwing }))).toMatchObject({ kind: 'unavailable' });
  });

  it('ignores malformed ids (an id the gateway never issues names nothing)', () => {
    expect(identify(req('/forms/x/f?portalId=ok', { 'x-account-id': '../etc' }), '{x}', options())).toEqual({
      kind: 'account',
      accountId: 'ok',
      source: 'query',
    });
    expect(identify(req('/api/x', { 'x-account-id': 'a'.repeat(65) }), undefined, options())).toEqual({ kind: 'none' });
  });

  it('counts every value of a repeated header or query parameter', () => {
    expect(identify(req('/api/x?portalId=a&portalId=b'), undefined, options())).toEqual({ kind: 'ambiguous', sources: ['query', 'query'] });
    expect(identify(req('/api/x', { 'x-account-id': 'a, b' }), undefined, options())).toEqual({
      kind: 'ambiguous',
      sources: ['header', 'header'],
    });
    expect(identify(req('/api/x?portalId=a', { 'x-account-id': 'a, a' }), undefined, options())).toEqual({
      kind: 'account',
      accountId: 'a',
      source: 'header',
    });
  });
});
