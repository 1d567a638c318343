// Admin validation hardening found by the fuzz: no control characters in names, super admin ids usable as X-Actor-Id.
import request from 'supertest';
import { ADMIN_TOKEN, SUPER_ADMIN, accountSettings, auth } from '../support/accounts';
import { adminApp } from './admin-app';

describe('admin settings validation', () => {
  it.each([
    ['CR/LF in the contact name', { contactName: 'Ada\r\nBcc: everyone@example.test' }, 'contactName'],
    ['NUL in the contact name', { contactName: 'Ada\u0000' }, 'contactName'],
    ['ESC in a super admin name', { superAdmins: [{ ...SUPER_ADMIN, name: 'Ada\u001b[2J' }] }, 'superAdmins.0.name'],
    ['a super admin id with a space', { superAdmins: [{ ...SUPER_ADMIN, id: 'sa 1' }] }, 'superAdmins.0.id'],
    ['a super admin id outside ASCII', { superAdmins: [{ ...SUPER_ADMIN, id: 'zoë' }] }, 'superAdmins.0.id'],
  ])('refuses %s (400, field named) and stores nothing', async (_what, overrides, field) => {
    const app = adminApp();
    const res = await request(app).put('/admin/v1/accounts/acme').set(auth).send(accountSettings(overrides)).expect(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_BODY', field });
    await request(app).get('/admin/v1/accounts/acme').set(auth).expect(404);
    await app.gateway.close();
  });

  it('still takes names with any printable Unicode, and the id a super admin acts with', async () => {
    const app = adminApp();
    const admin = { id: 'zoe.o-brien_1', name: 'Zoë O’Brien 😀 <script>', email: 'zoe@example.test' };
    await request(app)
      .put('/admin/v1/accounts/acme')
      .set(auth)
      .send(accountSettings({ contactName: 'Zoë "Z" <b>O’Brien</b>', superAdmins: [admin] }))
      .expect(201);
    await request(app)
      .post('/admin/v1/accounts/acme/migration')
      .set({ Authorization: `Bearer ${ADMIN_TOKEN}`, 'X-Actor-Id': admin.id })
      .send({ start: '2026-12-08T21:00:00Z' })
      .expect(201);
    await app.gateway.close();
  });
});
