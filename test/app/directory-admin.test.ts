// Admin API for the account directory: custom domains in the settings (409 DOMAIN_TAKEN) and API tokens (only digests stored).
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { expectDocumented } from '../support/openapi';
import { ManualClock } from '../../src/domain/clock';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { createLogger } from '../../src/observability/logger';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { RedisStore } from '../../src/store/redis/redis-store';
import type { Store } from '../../src/store/types';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';
import { testRedisUrl, uniquePrefix } from '../support/stores';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const DAY = 24 * 3600_000;
const SECRET = 'pat-na1-11111111-2222-3333-4444-555555555555';
const SECRET_DIGEST = createHash('sha256').update(SECRET).digest('hex');

interface Setup {
  app: GatewayApp;
  store: Store;
  logs: string[];
}

function setup(store: Store = new MemoryStore()): Setup {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store,
    clock: new ManualClock(NOW),
    adminTokens: [ADMIN_TOKEN],
    logger: createLogger({ level: 'debug', destination }),
  });
  return { app, store, logs };
}

const put = (app: GatewayApp, id: string, overrides: Record<string, unknown> = {}) =>
  request(app).put(`/admin/v1/accounts/${id}`).set(auth).send(accountSettings(overrides));

describe('admin API: custom domains', () => {
  it('stores domains lower-cased, shows them, and puts them in the directory', async () => {
    const { app, store } = setup();
    const created = await expectDocumented(await put(app, 'acme', { domains: ['Help.ACME.com', '*.acme.io'] }).expect(201));
    expect(created.body.domains).toEqual(['help.acme.com', '*.acme.io']);
    expect((await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200))).body.domains).toEqual([
      'help.acme.com',
      '*.acme.io',
    ]);
    expect(await store.directory.domainOwners(['help.acme.com', '*.acme.io'])).toEqual(['acme', 'acme']);
  });

  it('refuses a domain held by another account with 409 DOMAIN_TAKEN naming it, and stores nothing', async () => {
    const { app, store } = setup();
    await expectDocumented(await put(app, 'acme', { domains: ['help.acme.com'] }).expect(201));
    const refused = await expectDocumented(await put(app, 'globex', { domains: ['www.globex.com', 'HELP.acme.com'] }).expect(409));
    expect(refused.body).toEqual({
      error: { code: 'DOMAIN_TAKEN', message: 'the domain help.acme.com belongs to another account', domain: 'help.acme.com' },
    });
    await expectDocumented(await request(app).get('/admin/v1/accounts/globex').set(auth).expect(404));
    expect(await store.directory.domainOwners(['www.globex.com'])).toEqual([null]);

    await expectDocumented(await put(app, 'globex', { contactName: 'Globex Ops' }).expect(201));
    await expectDocumented(await put(app, 'globex', { contactName: 'Changed', domains: ['help.acme.com'] }).expect(409));
    const globex = await expectDocumented(await request(app).get('/admin/v1/accounts/globex').set(auth).expect(200));
    expect(globex.body.contactName).toBe('Globex Ops');
    expect(globex.body.version).toBe(1);
  });

  it('a PUT that drops a domain releases it for another account', async () => {
    const { app, store } = setup();
    await expectDocumented(await put(app, 'acme', { domains: ['help.acme.com', 'kb.acme.com'] }).expect(201));
    await expectDocumented(await put(app, 'acme', { domains: ['kb.acme.com'] }).expect(200));
    expect(await store.directory.domainOwners(['help.acme.com', 'kb.acme.com'])).toEqual([null, 'acme']);
    await expectDocumented(await put(app, 'globex', { domains: ['help.acme.com'] }).expect(201));
    // Leaving domains out drops them all.
    await expectDocumented(await put(app, 'acme').expect(200));
    expect(await store.directory.domainOwners(['kb.acme.com'])).toEqual([null]);
  });

  it('a PUT refused for another reason releases the domains it claimed', async () => {
    const { app, store } = setup();
    await expectDocumented(await put(app, 'acme').expect(201));
    await request(app)
      .post('/admin/v1/accounts/acme/migration')
      .set(auth)
      .send({ start: new Date(NOW + 10 * DAY).toISOString() })
      .expect(201);
    const refused = await expectDocumented(await put(app, 'acme', { dataLocation: 'eu', domains: ['help.acme.com'] }).expect(409));
    expect(refused.body.error.code).toBe('MIGRATION_ACTIVE');
    expect(await store.directory.domainOwners(['help.acme.com'])).toEqual([null]);
    await expectDocumented(await put(app, 'globex', { domains: ['help.acme.com'] }).expect(201));
  });

  it.each([
    ['a scheme', ['https://help.acme.com'], 'domains.0'],
    ['a port', ['help.acme.com:8443'], 'domains.0'],
    ['a path', ['help.acme.com/kb'], 'domains.0'],
    ['a trailing dot', ['help.acme.com.'], 'domains.0'],
    ['one label', ['localhost'], 'domains.0'],
    ['a wildcard over a top-level domain', ['*.com'], 'domains.0'],
    ['a wildcard inside', ['help.*.acme.com'], 'domains.0'],
    ['an IP address', ['10.0.0.1'], 'domains.0'],
    ['an underscore', ['help_desk.acme.com'], 'domains.0'],
    ['a label over 63 characters', [`${'a'.repeat(64)}.acme.com`], 'domains.0'],
    ['an empty string', [''], 'domains.0'],
    ['a number', [5], 'domains.0'],
    ['the same domain twice (case aside)', ['help.acme.com', 'HELP.acme.com'], 'domains.1'],
    ['101 domains', Array.from({ length: 101 }, (_v, i) => `d${i}.acme.com`), 'domains'],
    ['not a list', 'help.acme.com', 'domains'],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_name, domains, field) => {
    const { app, store } = setup();
    const refused = await expectDocumented(await put(app, 'acme', { domains }).expect(400));
    expect(refused.body.error.code).toBe('INVALID_BODY');
    expect(refused.body.error.field).toBe(field);
    await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(404));
    expect(await store.directory.domainsOf('acme')).toEqual([]);
  });

  it('takes 100 domains', async () => {
    const { app } = setup();
    const domains = Array.from({ length: 100 }, (_v, i) => `d${i}.acme.com`);
    expect((await expectDocumented(await put(app, 'acme', { domains }).expect(201))).body.domains).toHaveLength(100);
  });
});

describe('admin API: API tokens', () => {
  const tokens = (id: string) => `/admin/v1/accounts/${id}/api-tokens`;

  it('registers a token by its secret: 201 with the id (12 hex digits of the digest), label and time', async () => {
    const { app, store } = setup();
    await expectDocumented(await put(app, 'acme').expect(201));
    const created = await expectDocumented(
      await request(app).post(tokens('acme')).set(auth).send({ token: SECRET, label: 'CRM client' }).expect(201),
    );
    expect(created.body).toEqual({ id: SECRET_DIGEST.slice(0, 12), label: 'CRM client', createdAt: '2026-11-23T12:00:00.000Z' });
    expect(await store.directory.tokenOwner(SECRET_DIGEST)).toBe('acme');
    const listed = await expectDocumented(await request(app).get(tokens('acme')).set(auth).expect(200));
    expect(listed.body).toEqual({
      tokens: [{ id: SECRET_DIGEST.slice(0, 12), label: 'CRM client', createdAt: '2026-11-23T12:00:00.000Z' }],
    });
  });

  it('registers a token by its digest (any case), label optional', async () => {
    const { app, store } = setup();
    await expectDocumented(await put(app, 'acme').expect(201));
    const created = await expectDocumented(
      await request(app).post(tokens('acme')).set(auth).send({ sha256: SECRET_DIGEST.toUpperCase() }).expect(201),
    );
    expect(created.body).toEqual({ id: SECRET_DIGEST.slice(0, 12), label: null, createdAt: '2026-11-23T12:00:00.000Z' });
    expect(await store.directory.tokenOwner(SECRET_DIGEST)).toBe('acme');
  });

  it('the same token again for the same account is 200 with the stored token; for another account 409 TOKEN_TAKEN', async () => {
    const { app } = setup();
    await expectDocumented(await put(app, 'acme').expect(201));
    await expectDocumented(await put(app, 'globex').expect(201));
    const first = await expectDocumented(
      await request(app).post(tokens('acme')).set(auth).send({ token: SECRET, label: 'first' }).expect(201),
    );
    const again = await expectDocumented(
      await request(app).post(tokens('acme')).set(auth).send({ sha256: SECRET_DIGEST, label: 'second' }).expect(200),
    );
    expect(again.body).toEqual(first.body);
    const taken = await expectDocumented(await request(app).post(tokens('globex')).set(auth).send({ token: SECRET }).expect(409));
    expect(taken.body.error.code).toBe('TOKEN_TAKEN');
    expect((await expectDocumented(await request(app).get(tokens('globex')).set(auth).expect(200))).body).toEqual({ tokens: [] });
  });

  it('deletes a token by its id in any case (204), then 404 TOKEN_NOT_FOUND; the audit trail has both steps without the secret', async () => {
    const { app, store, logs } = setup();
    await expectDocumented(await put(app, 'acme').expect(201));
    await expectDocumented(await request(app).post(tokens('acme')).set(auth).send({ token: SECRET, label: 'CRM client' }).expect(201));
    const id = SECRET_DIGEST.slice(0, 12);
    await expectDocumented(
      await request(app)
        .delete(`${tokens('acme')}/${id.toUpperCase()}`)
        .set(auth)
        .expect(204),
    );
    expect(await store.directory.tokenOwner(SECRET_DIGEST)).toBeNull();
    expect(
      (
        await expectDocumented(
          await request(app)
            .delete(`${tokens('acme')}/${id}`)
            .set(auth)
            .expect(404),
        )
      ).body.error.code,
    ).toBe('TOKEN_NOT_FOUND');
    expect(
      (
        await expectDocumented(
          await request(app)
            .delete(`${tokens('acme')}/not-an-id`)
            .set(auth)
            .expect(404),
        )
      ).body.error.code,
    ).toBe('TOKEN_NOT_FOUND');
    const audit = (await expectDocumented(await request(app).get('/admin/v1/accounts/acme').set(auth).expect(200))).body.audit as {
      action: string;
      actor: string;
      detail: unknown;
    }[];
    expect(audit.slice(-2)).toEqual([
      { at: '2026-11-23T12:00:00.000Z', actor: 'sa-1', action: 'api-token.registered', detail: { tokenId: id, label: 'CRM client' } },
      { at: '2026-11-23T12:00:00.000Z', actor: 'sa-1', action: 'api-token.deleted', detail: { tokenId: id } },
    ]);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect(logs.join('')).not.toContain(SECRET);
  });

  it('an unknown account is 404 for POST, GET and DELETE', async () => {
    const { app } = setup();
    for (const call of [
      request(app).post(tokens('nobody')).set(auth).send({ token: SECRET }),
      request(app).get(tokens('nobody')).set(auth),
      request(app)
        .delete(`${tokens('nobody')}/${SECRET_DIGEST.slice(0, 12)}`)
        .set(auth),
    ]) {
      expect((await expectDocumented(await call.expect(404))).body.error.code).toBe('ACCOUNT_NOT_FOUND');
    }
  });

  it.each([
    ['both token and sha256', { token: SECRET, sha256: SECRET_DIGEST }, 'sha256'],
    ['neither', { label: 'x' }, 'token'],
    ['a token of 15 characters', { token: 'a'.repeat(15) }, 'token'],
    ['a token of 4097 characters', { token: 'a'.repeat(4097) }, 'token'],
    ['a token with a space', { token: 'pat-na1 0123456789abcdef' }, 'token'],
    ['a token with a control character', { token: 'pat-na1-0123456789\nabcdef' }, 'token'],
    ['a token that is not a string', { token: 1234567890123456 }, 'token'],
    ['a digest of 63 hex digits', { sha256: SECRET_DIGEST.slice(1) }, 'sha256'],
    ['a digest with a non-hex digit', { sha256: `g${SECRET_DIGEST.slice(1)}` }, 'sha256'],
    ['a label of 101 characters', { token: SECRET, label: 'l'.repeat(101) }, 'label'],
    ['a label with a line break', { token: SECRET, label: 'a\nb' }, 'label'],
    ['an unknown field', { token: SECRET, scope: 'all' }, ''],
  ])('refuses %s with 400 naming the field, stores nothing and never echoes the secret', async (_name, body, field) => {
    const { app, store, logs } = setup();
    await expectDocumented(await put(app, 'acme').expect(201));
    const refused = await expectDocumented(await request(app).post(tokens('acme')).set(auth).send(body).expect(400));
    expect(refused.body.error.code).toBe('INVALID_BODY');
    expect(refused.body.error.field).toBe(field);
    expect(JSON.stringify(refused.body)).not.toContain(SECRET);
    expect(await store.directory.tokensOf('acme')).toEqual([]);
    expect(logs.join('')).not.toContain(SECRET);
  });

  it('accepts tokens of exactly 16 and 4096 characters', async () => {
    const { app } = setup();
    await expectDocumented(await put(app, 'acme').expect(201));
    await expectDocumented(
      await request(app)
        .post(tokens('acme'))
        .set(auth)
        .send({ token: 'b'.repeat(16) })
        .expect(201),
    );
    await expectDocumented(
      await request(app)
        .post(tokens('acme'))
        .set(auth)
        .send({ token: 'c'.repeat(4096) })
        .expect(201),
    );
  });
});

describe('admin API: the directory on Redis', () => {
  it('keeps only the digest: no key or value in Redis holds the secret', async () => {
    const store = new RedisStore({ url: testRedisUrl(), prefix: uniquePrefix() });
    try {
      const { app } = setup(store);
      await expectDocumented(await put(app, 'acme', { domains: ['help.acme.com'] }).expect(201));
      await expectDocumented(
        await request(app).post('/admin/v1/accounts/acme/api-tokens').set(auth).send({ token: SECRET, label: 'CRM client' }).expect(201),
      );
      const keys = await store.client.keys(`${store.prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      const dump: string[] = [];
      for (const key of keys) {
        const type = await store.client.type(key);
        if (type === 'string') dump.push(key, (await store.client.get(key)) ?? '');
        if (type === 'hash') dump.push(key, JSON.stringify(await store.client.hgetall(key)));
        if (type === 'set') dump.push(key, JSON.stringify(await store.client.smembers(key)));
        if (type === 'list') dump.push(key, JSON.stringify(await store.client.lrange(key, 0, -1)));
      }
      const text = dump.join('\n');
      expect(text).toContain(SECRET_DIGEST);
      expect(text).not.toContain(SECRET);
    } finally {
      await store.close();
    }
  });

  it('two accounts racing for one domain through the admin API: exactly one wins', async () => {
    const store = new RedisStore({ url: testRedisUrl(), prefix: uniquePrefix() });
    try {
      const { app } = setup(store);
      const answers = await Promise.all(['a1', 'a2', 'a3', 'a4'].map((id) => put(app, id, { domains: ['contested.example.com'] })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
      const winner = ['a1', 'a2', 'a3', 'a4'][answers.findIndex((a) => a.status === 201)];
      expect(await store.directory.domainOwners(['contested.example.com'])).toEqual([winner]);
    } finally {
      await store.close();
    }
  });
});
