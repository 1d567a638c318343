// Admin routes of the timeline: the outbox view and the post-migration checklist, over supertest.
import express from 'express';
import request from 'supertest';
import type { AccountRecord } from '../../src/domain/account';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { timelineAdminRouter } from '../../src/timeline/admin-routes';
import { CHECKLIST_ITEMS } from '../../src/timeline/checklist';
import { newNotification } from '../../src/timeline/outbox';
import { expectDocumented, servedAdminOpenApi } from '../support/openapi';
import { adminErrorHandler } from '../../src/admin/errors';

const T0 = Date.parse('2026-06-12T08:00:00Z');

function account(): AccountRecord {
  return {
    id: 'acc1',
    settings: {
      dataLocation: 'eu',
      timezone: 'Europe/Stockholm',
      contactName: 'Ada',
      superAdmins: [{ id: 'u1', name: 'Ada', email: 'ada@example.test' }],
      paymentsEnabled: false,
      ssoEnabled: false,
      hasSandbox: false,
      integrations: {},
      meetingLinks: {},
    },
    migration: null,
    version: 0,
    updatedAt: T0,
  };
}

async function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock(T0);
  await store.accounts.save(account(), 0, { at: T0, actor: 'op', action: 'create', detail: {} });
  const app = express();
  app.use(express.json());
  app.use((_req, res, next) => {
    res.locals.actor = 'operator-7';
    next();
  });
  app.use('/admin/v1', timelineAdminRouter({ store, clock }));
  // What the admin router ends in: the one error handler that renders GatewayErrors.
  app.use(adminErrorHandler({}));
  return { store, clock, app };
}

describe('timeline admin routes', () => {
  it('lists the notifications of an account with their delivery state', async () => {
    const { store, app } = await setup();
    const n = newNotification({
      accountId: 'acc1',
      migrationId: 'm1',
      migrationStart: T0,
      kind: 'completed',
      key: 'completed:m1',
      recipients: ['ada@example.test'],
      subject: 'Data migration completed',
      text: 'Done.',
      now: T0,
    });
    await store.timeline.outbox.create(n);
    await store.timeline.outbox.update({ ...n, status: 'sent', attempts: 1, sentAt: T0 + 5, delivered: ['smtp'] }, n.rev);
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts/acc1/notifications').expect(200));
    expect(res.body).toEqual({
      notifications: [
        expect.objectContaining({
          id: n.id,
          kind: 'completed',
          recipients: ['ada@example.test'],
          subject: 'Data migration completed',
          status: 'sent',
          attempts: 1,
          createdAt: new Date(T0).toISOString(),
          sentAt: new Date(T0 + 5).toISOString(),
          channels: ['smtp'],
          lastError: null,
        }),
      ],
    });
  });

  it('answers 404 with a JSON error for an unknown account', async () => {
    const { app } = await setup();
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts/nobody/notifications').expect(404));
    expect(res.body).toEqual({ error: { code: 'ACCOUNT_NOT_FOUND', message: expect.any(String) } });
  });

  it('shows the checklist closed until the migration completes, and refuses marks meanwhile', async () => {
    const { app } = await setup();
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts/acc1/checklist').expect(200));
    expect(res.body.open).toBe(false);
    expect(res.body.items).toHaveLength(CHECKLIST_ITEMS.length);
    expect(res.body.items.every((i: { done: boolean }) => i.done === false)).toBe(true);
    const patch = await expectDocumented(
      await request(app).patch('/admin/v1/accounts/acc1/checklist/connect-dedicated-ip').send({ done: true }).expect(409),
    );
    expect(patch.body.error.code).toBe('CHECKLIST_NOT_OPEN');
  });

  it('marks items done and undone once open, naming who and when', async () => {
    const { store, clock, app } = await setup();
    await store.timeline.checklists.open('acc1', 'm1', T0);
    clock.advance(60_000);
    const patch = await expectDocumented(
      await request(app).patch('/admin/v1/accounts/acc1/checklist/update-smtp-host-and-port').send({ done: true }).expect(200),
    );
    expect(patch.body.item).toMatchObject({
      id: 'update-smtp-host-and-port',
      done: true,
      doneBy: 'operator-7',
      doneAt: new Date(T0 + 60_000).toISOString(),
    });
    const res = await expectDocumented(await request(app).get('/admin/v1/accounts/acc1/checklist').expect(200));
    expect(res.body).toMatchObject({ open: true, migrationId: 'm1' });
    const items = res.body.items as { id: string; title: string; description: string; done: boolean }[];
    expect(items.map((i) => i.id)).toEqual(CHECKLIST_ITEMS.map((i) => i.id));
    expect(items.filter((i) => i.done).map((i) => i.id)).toEqual(['update-smtp-host-and-port']);
    expect(items[0]).toMatchObject({ id: 'connect-dedicated-ip', title: expect.any(String), description: expect.any(String) });
    await expectDocumented(
      await request(app).patch('/admin/v1/accounts/acc1/checklist/update-smtp-host-and-port').send({ done: false }).expect(200),
    );
    const after = await expectDocumented(await request(app).get('/admin/v1/accounts/acc1/checklist').expect(200));
    expect(after.body.items.some((i: { done: boolean }) => i.done)).toBe(false);
  });

  it('names the field of a malformed body and refuses unknown items', async () => {
    const { store, app } = await setup();
    await store.timeline.checklists.open('acc1', 'm1', T0);
    for (const body of [{}, { done: 'yes' }, { done: 1 }]) {
      const res = await expectDocumented(
        await request(app).patch('/admin/v1/accounts/acc1/checklist/connect-dedicated-ip').send(body).expect(400),
      );
      expect(res.body.error.code).toBe('INVALID_BODY');
      expect(res.body.error.message).toContain('"done"');
    }
    const unknown = await expectDocumented(
      await request(app).patch('/admin/v1/accounts/acc1/checklist/no-such-item').send({ done: true }).expect(404),
    );
    expect(unknown.body.error.code).toBe('CHECKLIST_ITEM_NOT_FOUND');
  });
});

describe('the checklist ids people are told to use', () => {
  it('are the ids the API knows: README walk-through and list, and the OpenAPI document', async () => {
    const { readFileSync } = await import('node:fs');
    const known = CHECKLIST_ITEMS.map((i) => i.id);
    const readme = readFileSync(`${__dirname}/../../README.md`, 'utf8');
    const walked = [...readme.matchAll(/checklist\/([a-z0-9-]+)/g)].map((m) => m[1]);
    const listed = /one item per action of the\s+source document: ([^.]+)\./.exec(readme)?.[1] ?? '';
    const listedIds = [...listed.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]);
    expect(walked.length).toBeGreaterThan(0);
    for (const id of walked) expect(known).toContain(id);
    expect(listedIds).toEqual(known);
    const doc = (await servedAdminOpenApi()) as unknown as {
      paths: Record<string, { patch: { parameters: { name: string; schema: { enum?: string[] } }[] } }>;
    };
    const documented = doc.paths['/accounts/{id}/checklist/{item}']?.patch.parameters.find((p) => p.name === 'item')?.schema.enum;
    expect(documented).toEqual(known);
  });
});
