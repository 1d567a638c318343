// mgctl's domain and API-token commands: the calls they make and what they print, against a fake admin server and the real gateway.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EXIT } from '../../src/cli/run-mgctl';
import { createGateway } from '../../src/gateway';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { mgctl, startFakeAdmin, type FakeAdmin } from './fake-admin';

const SECRET = 'pat-na1-11111111-2222-3333-4444-555555555555';
const DIGEST = createHash('sha256').update(SECRET).digest('hex');

const settings = {
  dataLocation: 'us',
  timezone: 'Europe/Berlin',
  contactName: 'Jane Admin',
  superAdmins: [{ id: 'sa-1', name: 'Jane Admin', email: 'jane@example.com' }],
  paymentsEnabled: false,
  ssoEnabled: true,
  hasSandbox: false,
  integrations: { crm: { baseUrl: 'https://crm.example.com', dailyCallAllocation: 1000, fieldMappings: [], notifyOnSuspension: false } },
  meetingLinks: {},
  connectedApps: [],
  domains: ['help.acme.com'],
};

const accountView = {
  id: 'acme',
  ...settings,
  migration: { status: 'none', phase: 'none' },
  version: 3,
  updatedAt: '2026-11-23T10:00:00.000Z',
  buffered: { waiting: 0, deadLetters: 0 },
  integrationStatus: { crm: { state: 'active' } },
  audit: [],
};

describe('mgctl domains and tokens against a fake admin server', () => {
  let admin: FakeAdmin;
  let dir: string;
  let base: string[];
  beforeEach(async () => {
    admin = await startFakeAdmin();
    dir = mkdtempSync(path.join(os.tmpdir(), 'mgctl-dir-'));
    base = ['--url', admin.url, '--token', 'tok-1'];
  });
  afterEach(async () => {
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('domains list GETs the account and prints its domains', async () => {
    admin.reply({ status: 200, body: { ...accountView, domains: ['help.acme.com', '*.acme.io'] } });
    const run = await mgctl([...base, 'domains', 'list', 'acme']);
    expect(run.code).toBe(EXIT.ok);
    expect(admin.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /admin/v1/accounts/acme']);
    expect(run.out).toBe('domains of acme:\n  help.acme.com\n  *.acme.io');
    admin.reply({ status: 200, body: { ...accountView, domains: undefined } });
    expect((await mgctl([...base, 'domains', 'list', 'acme'])).out).toBe('acme has no custom domains');
  });

  it('domains set reads the settings and PUTs them back with only the domains replaced', async () => {
    admin.reply((seen) =>
      seen.method === 'GET'
        ? { status: 200, body: accountView }
        : { status: 200, body: { ...accountView, domains: JSON.parse(seen.body).domains } },
    );
    const run = await mgctl([...base, 'domains', 'set', 'acme', 'kb.acme.com', '*.acme.io']);
    expect(run.code).toBe(EXIT.ok);
    expect(admin.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /admin/v1/accounts/acme', 'PUT /admin/v1/accounts/acme']);
    expect(JSON.parse(admin.seen[1]?.body ?? '')).toEqual({ ...settings, domains: ['kb.acme.com', '*.acme.io'] });
    expect(run.out).toBe('domains of acme:\n  kb.acme.com\n  *.acme.io');
  });

  it('domains set with no domain drops them all', async () => {
    admin.reply((seen) =>
      seen.method === 'GET' ? { status: 200, body: accountView } : { status: 200, body: { ...accountView, domains: [] } },
    );
    expect((await mgctl([...base, 'domains', 'set', 'acme'])).out).toBe('acme has no custom domains');
    expect(JSON.parse(admin.seen[1]?.body ?? '').domains).toEqual([]);
  });

  it('domains set reports 409 DOMAIN_TAKEN as a refusal (exit 1)', async () => {
    admin.reply((seen) =>
      seen.method === 'GET'
        ? { status: 200, body: accountView }
        : {
            status: 409,
            body: { error: { code: 'DOMAIN_TAKEN', message: 'the domain kb.acme.com belongs to another account', domain: 'kb.acme.com' } },
          },
    );
    const run = await mgctl([...base, 'domains', 'set', 'acme', 'kb.acme.com']);
    expect(run.code).toBe(EXIT.refused);
    expect(run.err).toBe('mgctl: refused (409 DOMAIN_TAKEN): the domain kb.acme.com belongs to another account');
  });

  it('domains set of an unknown account stops at the GET (404, exit 1) and PUTs nothing', async () => {
    admin.reply({ status: 404, body: { error: { code: 'ACCOUNT_NOT_FOUND', message: 'account nobody does not exist' } } });
    const run = await mgctl([...base, 'domains', 'set', 'nobody', 'kb.acme.com']);
    expect(run.code).toBe(EXIT.refused);
    expect(run.err).toContain('404 ACCOUNT_NOT_FOUND');
    expect(admin.seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('domains set refuses to rewrite an account showing fields it does not know (they would be lost)', async () => {
    admin.reply({ status: 200, body: { ...accountView, brandColour: 'teal' } });
    const run = await mgctl([...base, 'domains', 'set', 'acme', 'kb.acme.com']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toContain('brandColour');
    expect(admin.seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('token register sends the digest, or the secret read from a file, with the label', async () => {
    admin.reply({ status: 201, body: { id: DIGEST.slice(0, 12), label: 'CRM client', createdAt: '2026-11-23T12:00:00.000Z' } });
    const byDigest = await mgctl([...base, 'token', 'register', 'acme', '--sha256', DIGEST, '--label', 'CRM client']);
    expect(byDigest.code).toBe(EXIT.ok);
    expect(admin.seen[0]).toMatchObject({ method: 'POST', url: '/admin/v1/accounts/acme/api-tokens' });
    expect(JSON.parse(admin.seen[0]?.body ?? '')).toEqual({ sha256: DIGEST, label: 'CRM client' });
    expect(byDigest.out).toBe(`API token registered for acme\ntoken ${DIGEST.slice(0, 12)}  CRM client  created 2026-11-23T12:00:00.000Z`);

    const file = path.join(dir, 'token.txt');
    writeFileSync(file, `${SECRET}\n`);
    await mgctl([...base, 'token', 'register', 'acme', '--secret-file', file]);
    expect(JSON.parse(admin.seen[1]?.body ?? '')).toEqual({ token: SECRET });
    await mgctl([...base, 'token', 'register', 'acme', '--secret', SECRET]);
    expect(JSON.parse(admin.seen[2]?.body ?? '')).toEqual({ token: SECRET });

    admin.reply({ status: 200, body: { id: DIGEST.slice(0, 12), label: 'CRM client', createdAt: '2026-11-23T12:00:00.000Z' } });
    expect((await mgctl([...base, 'token', 'register', 'acme', '--sha256', DIGEST])).out).toContain(
      'API token was already registered for acme',
    );
  });

  it('token list prints each token; token delete DELETEs it by id', async () => {
    admin.reply({
      status: 200,
      body: {
        tokens: [
          { id: 'aaaaaaaaaaaa', label: null, createdAt: '2026-11-23T12:00:00.000Z' },
          { id: 'bbbbbbbbbbbb', label: 'CI', createdAt: '2026-11-24T12:00:00.000Z' },
        ],
      },
    });
    const listed = await mgctl([...base, 'token', 'list', 'acme']);
    expect(listed.out).toBe(
      'token aaaaaaaaaaaa  -  created 2026-11-23T12:00:00.000Z\ntoken bbbbbbbbbbbb  CI  created 2026-11-24T12:00:00.000Z',
    );
    admin.reply({ status: 200, body: { tokens: [] } });
    expect((await mgctl([...base, 'token', 'list', 'acme'])).out).toBe('no API tokens');
    admin.reply({ status: 204 });
    const deleted = await mgctl([...base, 'token', 'delete', 'acme', 'aaaaaaaaaaaa']);
    expect(deleted.code).toBe(EXIT.ok);
    expect(admin.seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/admin/v1/accounts/acme/api-tokens/aaaaaaaaaaaa' });
    expect(deleted.out).toBe('API token aaaaaaaaaaaa of acme deleted');
  });

  it.each([
    ['domains without a sub-command', ['domains', 'acme']],
    ['domains set without an id', ['domains', 'set']],
    ['domains list with an extra argument', ['domains', 'list', 'acme', 'more']],
    ['token register without a secret or digest', ['token', 'register', 'acme']],
    ['token register with both a secret and a digest', ['token', 'register', 'acme', '--secret', SECRET, '--sha256', DIGEST]],
    [
      'token register with both --secret and --secret-file',
      ['token', 'register', 'acme', '--secret', SECRET, '--secret-file', '/dev/null'],
    ],
    ['token register with an unreadable secret file', ['token', 'register', 'acme', '--secret-file', '/nonexistent/token.txt']],
    ['token delete without a token id', ['token', 'delete', 'acme']],
    ['token with an unknown sub-command', ['token', 'rotate', 'acme']],
  ])('%s is a usage error (exit 2) and calls nothing', async (_name, args) => {
    const run = await mgctl([...base, ...args]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toMatch(/^mgctl: /);
    expect(run.err).not.toContain(SECRET);
    expect(admin.seen).toHaveLength(0);
  });

  it('--help lists the domain and token commands', async () => {
    const run = await mgctl(['--help']);
    for (const command of ['domains list', 'domains set', 'token register', 'token list', 'token delete'])
      expect(run.out).toContain(command);
  });
});

describe('mgctl domains and tokens against the real gateway (createGateway, memory store)', () => {
  let server: http.Server;
  let url: string;
  let app: ReturnType<typeof createGateway>;
  let dir: string;
  beforeAll(async () => {
    app = createGateway({
      upstreams: { us: 'http://127.0.0.1:9001', eu: 'http://127.0.0.1:9002' },
      adminTokens: ['real-token'],
      store: new MemoryStore(),
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'mgctl-dir-real-'));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets and lists domains, registers, lists and deletes a token, and reports the 409s', async () => {
    const env = { MG_URL: url, MG_TOKEN: 'real-token', MG_ACTOR: 'sa-1' };
    const { domains: _none, integrations: _crm, ...plain } = settings;
    for (const id of ['acme', 'globex']) {
      const file = path.join(dir, `${id}.json`);
      writeFileSync(file, JSON.stringify(plain));
      expect((await mgctl(['account', 'set', id, '--file', file], env)).code).toBe(EXIT.ok);
    }
    expect((await mgctl(['domains', 'set', 'acme', 'Help.Acme.com', '*.acme.io'], env)).out).toBe(
      'domains of acme:\n  help.acme.com\n  *.acme.io',
    );
    expect((await mgctl(['domains', 'list', 'acme'], env)).out).toBe('domains of acme:\n  help.acme.com\n  *.acme.io');
    expect((await mgctl(['account', 'show', 'acme'], env)).out).toContain('contact Jane Admin');
    const taken = await mgctl(['domains', 'set', 'globex', 'help.acme.com'], env);
    expect(taken.code).toBe(EXIT.refused);
    expect(taken.err).toContain('409 DOMAIN_TAKEN');
    const invalid = await mgctl(['domains', 'set', 'globex', 'https://globex.com'], env);
    expect(invalid.code).toBe(EXIT.refused);
    expect(invalid.err).toContain('400 INVALID_BODY');

    const file = path.join(dir, 'token.txt');
    writeFileSync(file, `${SECRET}\n`);
    const registered = await mgctl(['token', 'register', 'acme', '--secret-file', file, '--label', 'CRM client'], env);
    expect(registered.code).toBe(EXIT.ok);
    expect(registered.out).toContain(`token ${DIGEST.slice(0, 12)}  CRM client`);
    const takenToken = await mgctl(['token', 'register', 'globex', '--sha256', DIGEST], env);
    expect(takenToken.code).toBe(EXIT.refused);
    expect(takenToken.err).toContain('409 TOKEN_TAKEN');
    expect((await mgctl(['token', 'list', 'acme'], env)).out).toMatch(
      new RegExp(`^token ${DIGEST.slice(0, 12)}  CRM client  created \\d{4}-`),
    );
    expect((await mgctl(['token', 'delete', 'acme', DIGEST.slice(0, 12)], env)).code).toBe(EXIT.ok);
    expect((await mgctl(['token', 'list', 'acme'], env)).out).toBe('no API tokens');
    const gone = await mgctl(['token', 'delete', 'acme', DIGEST.slice(0, 12)], env);
    expect(gone.code).toBe(EXIT.refused);
    expect(gone.err).toContain('404 TOKEN_NOT_FOUND');
  });
});
