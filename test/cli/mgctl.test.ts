// mgctl: each command's call (method, path, headers, body), its output, exit codes; against a fake admin server and the real gateway.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EXIT } from '../../src/cli/run-mgctl';
import { createGateway } from '../../src/gateway';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { freePort } from '../support/redis-server';
import { mgctl, startFakeAdmin, type FakeAdmin } from './fake-admin';

const settings = {
  dataLocation: 'us',
  timezone: 'Europe/Berlin',
  contactName: 'Jane <Admin>',
  superAdmins: [{ id: 'sa-1', name: 'Jane Admin', email: 'jane@example.com' }],
  paymentsEnabled: false,
};

const accountView = {
  id: 'acme',
  ...settings,
  ssoEnabled: true,
  hasSandbox: false,
  integrations: { crm: {} },
  migration: {
    status: 'scheduled',
    phase: 'scheduled',
    source: 'us',
    target: 'eu',
    start: '2026-12-08T21:00:00.000Z',
    expectedEnd: '2026-12-10T09:00:00.000Z',
    changeDeadline: '2026-12-07T09:00:00.000Z',
    scheduledBy: 'sa-1',
    scheduledAt: '2026-11-23T10:00:00.000Z',
  },
  buffered: { waiting: 3, deadLetters: 1 },
  audit: [{ at: '2026-11-23T10:00:00.000Z', actor: 'sa-1', action: 'migration.schedule' }],
};

describe('mgctl against a fake admin server', () => {
  let admin: FakeAdmin;
  let dir: string;
  let base: string[];
  beforeEach(async () => {
    admin = await startFakeAdmin();
    dir = mkdtempSync(path.join(os.tmpdir(), 'mgctl-'));
    base = ['--url', admin.url, '--token', 'tok-1'];
  });
  afterEach(async () => {
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('account set PUTs the settings file with the bearer token and reports creation', async () => {
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify(settings));
    admin.reply({ status: 201, body: accountView });
    const run = await mgctl([...base, 'account', 'set', 'acme', '--file', file]);
    expect(run.code).toBe(EXIT.ok);
    expect(admin.seen).toHaveLength(1);
    const [call] = admin.seen;
    expect(call.method).toBe('PUT');
    expect(call.url).toBe('/admin/v1/accounts/acme');
    expect(call.headers.authorization).toBe('Bearer tok-1');
    expect(call.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call.body)).toEqual(settings);
    expect(run.out).toContain('account acme created');
    admin.reply({ status: 200, body: accountView });
    expect((await mgctl([...base, 'account', 'set', 'acme', '--file', file])).out).toContain('account acme updated');
  });

  it('account show prints the account in words', async () => {
    admin.reply({ status: 200, body: accountView });
    const run = await mgctl([...base, 'account', 'show', 'acme']);
    expect(run.code).toBe(EXIT.ok);
    expect(admin.seen[0]).toMatchObject({ method: 'GET', url: '/admin/v1/accounts/acme' });
    expect(run.out).toContain('account acme: data in us, time zone Europe/Berlin, contact Jane <Admin>');
    expect(run.out).toContain('super admins: Jane Admin <jane@example.com> (sa-1)');
    expect(run.out).toContain('payments off, SSO on, sandbox off');
    expect(run.out).toContain('migration: scheduled (phase scheduled), us → eu');
    expect(run.out).toContain('start 2026-12-08T21:00:00.000Z, expected end 2026-12-10T09:00:00.000Z');
    expect(run.out).toContain('buffered: 3 waiting, 1 dead letters');
    expect(run.out).toContain('integrations: crm');
  });

  it('--json prints the API answer unchanged', async () => {
    admin.reply({ status: 200, body: accountView });
    const run = await mgctl([...base, '--json', 'account', 'show', 'acme']);
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.out)).toEqual(accountView);
  });

  it('schedule POSTs start and target as the acting super admin and prints the warnings', async () => {
    admin.reply({
      status: 201,
      body: {
        migration: accountView.migration,
        warnings: [{ code: 'SSO_LOGIN_URL', message: 'Add the EU login URL to your identity provider.' }],
      },
    });
    const run = await mgctl([...base, '--actor', 'sa-1', 'schedule', 'acme', '--start', '2026-12-08T21:00:00Z']);
    expect(run.code).toBe(EXIT.ok);
    const [call] = admin.seen;
    expect(call).toMatchObject({ method: 'POST', url: '/admin/v1/accounts/acme/migration' });
    expect(call.headers['x-actor-id']).toBe('sa-1');
    expect(JSON.parse(call.body)).toEqual({ start: '2026-12-08T21:00:00Z', target: 'eu' });
    expect(run.out).toContain('migration of acme scheduled');
    expect(run.out).toContain('warning SSO_LOGIN_URL: Add the EU login URL to your identity provider.');
  });

  it('reschedule PATCHes the new start; cancel DELETEs the migration', async () => {
    admin.reply({ status: 200, body: { migration: accountView.migration } });
    expect((await mgctl([...base, '--actor', 'sa-1', 'reschedule', 'acme', '--start', '2026-12-15T21:00:00Z'])).code).toBe(EXIT.ok);
    expect((await mgctl([...base, '--actor', 'sa-1', 'cancel', 'acme'])).code).toBe(EXIT.ok);
    expect(admin.seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['PATCH', '/admin/v1/accounts/acme/migration', JSON.stringify({ start: '2026-12-15T21:00:00Z' })],
      ['DELETE', '/admin/v1/accounts/acme/migration', ''],
    ]);
  });

  it('status, buffer, redrive, integration and clear-suspension call their routes, with ids encoded', async () => {
    admin.reply((seen) => {
      if (seen.url.endsWith('/buffer'))
        return {
          status: 200,
          body: {
            accountId: 'a/b',
            depth: 2,
            counts: { waiting: { form: 2 }, dead: { meeting: 1 } },
            deadLetterCount: 1,
            replay: { inProgress: false },
            deadLetters: [
              { id: '7', method: 'POST', path: '/meetings/a/x/book', surface: 'meeting', answer: { status: 409, attempts: 5 } },
            ],
          },
        };
      if (seen.url.endsWith('/redrive')) return { status: 200, body: { accountId: 'a/b', redriven: 1 } };
      if (seen.url.includes('/integrations/'))
        return {
          status: 200,
          body: {
            integration: 'crm',
            state: 'suspended',
            reason: 'ORG_LOCKED',
            since: '2026-11-23T10:00:00.000Z',
            remedy: 'Unlock the org, then Clear Suspension.',
            usage: { callsLast24h: 12, allocation: 1000 },
            crmUsage: { used: 5, limit: 15000 },
          },
        };
      return { status: 200, body: accountView };
    });
    const runs = [
      await mgctl([...base, 'status', 'a/b']),
      await mgctl([...base, 'buffer', 'a/b']),
      await mgctl([...base, 'redrive', 'a/b']),
      await mgctl([...base, 'integration', 'a/b', 'crm']),
      await mgctl([...base, 'clear-suspension', 'a/b', 'crm']),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    expect(admin.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /admin/v1/accounts/a%2Fb',
      'GET /admin/v1/accounts/a%2Fb/buffer',
      'POST /admin/v1/accounts/a%2Fb/buffer/redrive',
      'GET /admin/v1/accounts/a%2Fb/integrations/crm',
      'POST /admin/v1/accounts/a%2Fb/integrations/crm/clear-suspension',
    ]);
    expect(runs[0].out).toContain('migration: scheduled');
    expect(runs[1].out).toContain('buffer of a/b: 2 waiting (form 2), 1 dead letters (meeting 1)');
    expect(runs[1].out).toContain('dead 7 POST /meetings/a/x/book (meeting): HTTP 409 after 5 attempts');
    expect(runs[2].out).toContain('1 dead letters of a/b put back for replay');
    expect(runs[3].out).toContain('SUSPENDED (ORG_LOCKED) since 2026-11-23T10:00:00.000Z');
    expect(runs[3].out).toContain('remedy: Unlock the org, then Clear Suspension.');
    expect(runs[3].out).toContain('calls in the last 24 h: 12 of 1000');
    expect(runs[4].out).toContain('suspension of crm cleared for a/b');
  });

  it('takes URL, token and actor from MG_URL, MG_TOKEN and MG_ACTOR', async () => {
    admin.reply({ status: 200, body: { migration: accountView.migration } });
    const run = await mgctl(['cancel', 'acme'], { MG_URL: admin.url, MG_TOKEN: 'env-token', MG_ACTOR: 'sa-env' });
    expect(run.code).toBe(EXIT.ok);
    expect(admin.seen[0].headers.authorization).toBe('Bearer env-token');
    expect(admin.seen[0].headers['x-actor-id']).toBe('sa-env');
  });

  it('a 4xx answer exits 1 with the API code and message', async () => {
    admin.reply({ status: 422, body: { error: { code: 'START_TOO_SOON', message: 'the start must be at least 7 days from now' } } });
    const run = await mgctl([...base, '--actor', 'sa-1', 'schedule', 'acme', '--start', '2026-11-24T00:00:00Z']);
    expect(run.code).toBe(EXIT.refused);
    expect(run.err).toBe('mgctl: refused (422 START_TOO_SOON): the start must be at least 7 days from now');
    expect(run.out).toBe('');
  });

  it('with --json an error answer is printed as JSON too, and the exit code still says refused', async () => {
    const error = { error: { code: 'ACCOUNT_NOT_FOUND', message: 'account nope does not exist' } };
    admin.reply({ status: 404, body: error });
    const run = await mgctl([...base, '--json', 'status', 'nope']);
    expect(run.code).toBe(EXIT.refused);
    expect(JSON.parse(run.out)).toEqual(error);
  });

  it('a 5xx answer (even one that is not JSON) exits 3', async () => {
    admin.reply({ status: 503, body: { error: { code: 'STORE_UNAVAILABLE', message: 'try again shortly' } } });
    const run = await mgctl([...base, 'buffer', 'acme']);
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.err).toContain('the gateway failed (503 STORE_UNAVAILABLE): try again shortly');
    admin.reply({ status: 502, body: '<html>Bad Gateway</html>' });
    expect((await mgctl([...base, 'buffer', 'acme'])).code).toBe(EXIT.unavailable);
  });

  it('an unreachable gateway exits 3 naming the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await mgctl(['--url', url, '--token', 't', 'status', 'acme']);
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.err).toContain(`cannot reach the admin API at ${url}: ECONNREFUSED`);
  });

  it('a gateway that does not answer within --timeout exits 3', async () => {
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const run = await mgctl([
        '--url',
        `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
        '--token',
        't',
        '--timeout',
        '200',
        'status',
        'acme',
      ]);
      expect(run.code).toBe(EXIT.unavailable);
      expect(run.err).toContain('no answer in time');
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['frobnicate', 'acme']],
    ['an unknown option', ['--colour', 'status', 'acme']],
    ['a missing id', ['status']],
    ['an extra argument', ['status', 'acme', 'more']],
    ['schedule without --start', ['--actor', 'sa-1', 'schedule', 'acme']],
    ['schedule without an actor', ['schedule', 'acme', '--start', '2026-12-08T21:00:00Z']],
    ['account set without --file', ['account', 'set', 'acme']],
    ['account with an unknown sub-command', ['account', 'delete', 'acme']],
    ['a bad --timeout', ['--timeout', 'soon', 'status', 'acme']],
  ])('%s is a usage error (exit 2) and calls nothing', async (_name, args) => {
    const run = await mgctl([...base, ...args]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toMatch(/^mgctl: /);
    expect(admin.seen).toHaveLength(0);
  });

  it('a missing token, an unreadable or invalid settings file are usage errors too', async () => {
    expect((await mgctl(['--url', admin.url, 'status', 'acme'])).err).toContain('no admin token');
    const missing = await mgctl([...base, 'account', 'set', 'acme', '--file', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain('ENOENT');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    const invalid = await mgctl([...base, 'account', 'set', 'acme', '--file', bad]);
    expect(invalid.code).toBe(EXIT.usage);
    expect(invalid.err).toContain('is not valid JSON');
    expect(admin.seen).toHaveLength(0);
  });

  it('--help prints the commands and exits 0', async () => {
    const run = await mgctl(['--help']);
    expect(run.code).toBe(EXIT.ok);
    for (const command of [
      'account set',
      'account show',
      'schedule',
      'reschedule',
      'cancel',
      'status',
      'buffer',
      'redrive',
      'integration',
      'clear-suspension',
    ]) {
      expect(run.out).toContain(command);
    }
  });
});

describe('mgctl as a program', () => {
  const root = path.resolve(__dirname, '..', '..');

  it('is the package bin, starts with a node shebang, and turns results into process exit codes', async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.mgctl).toBe('dist/cli/mgctl.js');
    expect(readFileSync(path.join(root, 'src/cli/mgctl.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/mgctl.ts', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      });
    const usage = run(['status']);
    expect(usage.status).toBe(EXIT.usage);
    expect(usage.stderr).toContain('no admin token');
    const unreachable = run(['--url', `http://127.0.0.1:${await freePort()}`, '--token', 't', 'status', 'acme']);
    expect(unreachable.status).toBe(EXIT.unavailable);
  });
});

describe('mgctl against the real gateway (createGateway, memory store)', () => {
  let server: http.Server;
  let url: string;
  let dir: string;
  let app: ReturnType<typeof createGateway>;
  beforeAll(async () => {
    app = createGateway({
      upstreams: { us: 'http://127.0.0.1:9001', eu: 'http://127.0.0.1:9002' },
      adminTokens: ['real-token'],
      store: new MemoryStore(),
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(path.join(os.tmpdir(), 'mgctl-real-'));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets, shows, schedules, reschedules and cancels a migration, and reports refusals', async () => {
    const env = { MG_URL: url, MG_TOKEN: 'real-token', MG_ACTOR: 'sa-1' };
    const file = path.join(dir, 'acme.json');
    writeFileSync(file, JSON.stringify(settings));
    const set = await mgctl(['account', 'set', 'acme', '--file', file], env);
    expect(set).toMatchObject({ code: EXIT.ok });
    expect(set.out).toContain('account acme created');

    const start = new Date(Date.now() + 10 * 86_400_000);
    start.setUTCHours(21, 0, 0, 0);
    const schedule = await mgctl(['schedule', 'acme', '--start', start.toISOString()], env);
    expect(schedule.err).toBe('');
    expect(schedule.code).toBe(EXIT.ok);
    expect(schedule.out).toContain(`start ${start.toISOString()}`);

    const status = await mgctl(['--json', 'status', 'acme'], env);
    expect((JSON.parse(status.out) as { migration: { status: string } }).migration.status).toBe('scheduled');

    const later = new Date(start.getTime() + 2 * 86_400_000);
    expect((await mgctl(['reschedule', 'acme', '--start', later.toISOString()], env)).out).toContain(`start ${later.toISOString()}`);
    const shown = await mgctl(['account', 'show', 'acme'], env);
    expect(shown.out).toContain('migration: scheduled');
    expect(shown.out).toContain('contact Jane <Admin>');

    const notAdmin = await mgctl(['cancel', 'acme'], { ...env, MG_ACTOR: 'intruder' });
    expect(notAdmin.code).toBe(EXIT.refused);
    expect(notAdmin.err).toMatch(/^mgctl: refused \(403 NOT_SUPER_ADMIN\)/);

    const cancel = await mgctl(['cancel', 'acme'], env);
    expect(cancel.code).toBe(EXIT.ok);
    expect(cancel.out).toContain('migration: cancelled');

    const tooSoon = await mgctl(['schedule', 'acme', '--start', new Date(Date.now() + 86_400_000).toISOString()], env);
    expect(tooSoon.code).toBe(EXIT.refused);
    expect(tooSoon.err).toContain('422 START_TOO_SOON');

    const unknown = await mgctl(['status', 'nobody'], env);
    expect(unknown.code).toBe(EXIT.refused);
    expect(unknown.err).toContain('404');

    const wrongToken = await mgctl(['status', 'acme'], { ...env, MG_TOKEN: 'wrong' });
    expect(wrongToken.code).toBe(EXIT.refused);
    expect(wrongToken.err).toContain('401 UNAUTHORIZED');
  });
});
