// The console in headless Chromium: sign in, find the account in its window, see its timeline picture, re-drive a
// dead letter and clear a suspension through the page, preview the evening before; axe-core on every page;
// a cross-site form post changes nothing. Screenshots go to test-output/console/.
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { createAttentionTracker } from '../../src/admin/account-list-index';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN, accountSettings, auth } from '../support/accounts';
import { launchChromium } from '../support/chromium';

const OUT = path.join(__dirname, '..', '..', 'test-output', 'console');
const H = 3600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
// Tuesday 1 December 2026, 22:00 in Stockholm.
const START = Date.parse('2026-12-01T21:00:00Z');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let server: http.Server;
let evilServer: http.Server;
let base: string;
let evilBase: string;
let app: GatewayApp;
let store: MemoryStore;
const clock = new ManualClock(NOW);

function listen(s: http.Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core injected into the page as it is served (CSP included); the serious and critical violations. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchChromium();
  store = new MemoryStore();
  app = createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store,
    clock,
    adminTokens: [ADMIN_TOKEN],
    background: false,
  });
  server = http.createServer(app);
  base = `http://127.0.0.1:${await listen(server)}`;

  // acme: scheduled, then its start passes (in its window); a CRM integration suspended; one dead-lettered form.
  const integrations = {
    crm: { baseUrl: 'http://127.0.0.1:9', dailyCallAllocation: 1000, fieldMappings: [{ property: 'email', field: 'Email' }] },
  };
  await request(app)
    .put('/admin/v1/accounts/acme')
    .set(auth)
    .send(accountSettings({ contactName: 'Ada <Lovelace>', integrations }))
    .expect(201);
  await request(app)
    .post('/admin/v1/accounts/acme/migration')
    .set(auth)
    .send({ start: new Date(START).toISOString() })
    .expect(201);
  await request(app).put('/admin/v1/accounts/beta').set(auth).send(accountSettings()).expect(201);
  await request(app)
    .post('/admin/v1/accounts/beta/migration')
    .set(auth)
    .send({ start: new Date(START + 3 * 24 * H).toISOString() })
    .expect(201);
  await request(app).put('/admin/v1/accounts/gamma').set(auth).send(accountSettings()).expect(201);
  // As the timeline would have it by now: the scheduled notice and the week-of reminder sent, the day-before one
  // still being delivered (this test runs no scheduler).
  const [scheduledNotice] = await store.timeline.outbox.list('acme');
  if (!scheduledNotice) throw new Error('scheduling created no notice');
  await store.timeline.outbox.update(
    { ...scheduledNotice, status: 'sent', sentAt: NOW, rev: scheduledNotice.rev + 1 },
    scheduledNotice.rev,
  );
  const reminder = { ...scheduledNotice, migrationStart: START, rev: 0, createdAt: START - 26 * H };
  await store.timeline.outbox.create({
    ...reminder,
    id: 'week-of',
    kind: 'week_of',
    key: `week_of:${scheduledNotice.migrationId}:${START}`,
    status: 'sent',
    sentAt: START - 26 * H,
  });
  await store.timeline.outbox.create({
    ...reminder,
    id: 'day-before',
    kind: 'day_before',
    key: `day_before:${scheduledNotice.migrationId}:${START}`,
    status: 'pending',
    sentAt: null,
  });

  clock.set(START + 2 * H);
  // What the guard and the replayer write through (parts.ts gives them these tracked stores).
  const tracker = createAttentionTracker(store.attention, clock);
  await tracker.trackIntegrations(store.integrations).suspend('acme', 'crm', 'ORG_LOCKED', clock.now());
  const buffer = tracker.trackBuffer(store.buffer);
  const item = await buffer.append({
    accountId: 'acme',
    surface: 'form',
    method: 'POST',
    path: '/forms/acme/contact',
    query: '',
    headers: {},
    body: Buffer.from('email=a%40b.test'),
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: START + H,
  });
  const lease = await buffer.acquireLease('acme', 'test-replayer', 60_000);
  if (!lease) throw new Error('no lease');
  await buffer.deadLetter(lease, item.id, {
    status: 422,
    bodyExcerpt: 'Form "contact" was deleted',
    error: null,
    attempts: 1,
    at: clock.now(),
  });
  await buffer.releaseLease(lease);

  // Another site (another host name is another site) with a form that posts to the console.
  evilServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(
      `<!doctype html><html lang="en"><title>evil</title><form id="f" method="post" action="${base}/console/accounts/acme/integrations/crm/clear-suspension"><input name="csrf" value="guess"></form><script>document.getElementById('f').submit()</script></html>`,
    );
  });
  evilBase = `http://localhost:${await listen(evilServer)}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const s of [server, evilServer]) {
    s?.closeAllConnections();
    await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
  await app?.gateway.close();
});

it('an operator signs in, finds the account in its window, re-drives, clears a suspension and previews the evening before', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();

  await page.goto(`${base}/console/`);
  expect(new URL(page.url()).pathname).toBe('/console/login');
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(OUT, 'login.png'), fullPage: true });

  await page.fill('#token', ADMIN_TOKEN);
  await page.fill('#operator', 'Grace Hopper');
  await Promise.all([page.waitForURL(`${base}/console/`), page.click('button[type=submit]')]);
  const inWindow = page.locator('section[aria-labelledby="list-in_window"]');
  await expect(inWindow.locator('a', { hasText: 'acme' }).count()).resolves.toBe(1);
  await expect(page.locator('section[aria-labelledby="list-upcoming"] a', { hasText: 'beta' }).count()).resolves.toBe(1);
  await expect(page.locator('section[aria-labelledby="list-suspended"] a', { hasText: 'acme' }).count()).resolves.toBe(1);
  await expect(page.locator('section[aria-labelledby="list-dead_letters"] a', { hasText: 'acme' }).count()).resolves.toBe(1);
  expect(await page.locator('a', { hasText: 'gamma' }).count()).toBe(0);
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(OUT, 'list.png'), fullPage: true });

  // The cookie is not readable by scripts.
  expect(await page.evaluate('document.cookie')).toBe('');

  await Promise.all([page.waitForURL(`${base}/console/accounts/acme`), inWindow.locator('a', { hasText: 'acme' }).click()]);
  const svg = page.locator('svg#timeline-svg');
  expect(await svg.isVisible()).toBe(true);
  const box = await svg.boundingBox();
  expect(box?.width).toBeGreaterThan(600);
  expect(await svg.locator('rect').count()).toBeGreaterThanOrEqual(3);
  expect(await svg.locator('circle').count()).toBe(3);
  // Sent notifications are filled, pending ones hollow.
  expect(await svg.locator('circle[fill="#0b4f9c"]').count()).toBe(2);
  expect(await svg.locator('text', { hasText: 'Day-before · pending' }).count()).toBe(1);
  expect(await page.locator('h1').innerText()).toBe('Account acme');
  expect(await page.getByText('Ada <Lovelace>').count()).toBe(1);
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(OUT, 'account.png'), fullPage: true });
  // The README's picture (docs/console.png is copied from this one).
  await page.screenshot({ path: path.join(OUT, 'account-top.png') });

  // A form on another site posting to the console: without the SameSite=Strict cookie nothing happens.
  const evil = await context.newPage();
  await evil.goto(evilBase);
  await evil.waitForURL(/\/console\//);
  expect(await evil.locator('body').innerText()).toContain('sign in again');
  await evil.close();
  expect((await store.integrations.get('acme', 'crm')).state).toBe('suspended');

  await Promise.all([page.waitForURL(/done=redriven/), page.click('button:has-text("Re-drive 1 dead letter")')]);
  expect(await page.locator('.flash').innerText()).toContain('Re-drove 1 dead letter');
  expect(await page.locator('#buffer-depth').innerText()).toBe('1');
  const stats = await store.buffer.stats('acme');
  expect({ depth: stats.depth, dead: stats.deadBySurface.form }).toEqual({ depth: 1, dead: 0 });

  await Promise.all([page.waitForURL(/done=cleared/), page.click('button:has-text("Clear Suspension of crm")')]);
  expect(await page.locator('.flash').innerText()).toBe('Suspension of crm cleared.');
  expect((await store.integrations.get('acme', 'crm')).state).toBe('active');
  const audit = await store.accounts.audit('acme', 10);
  expect(audit.slice(-2).map((a) => [a.actor, a.action])).toEqual([
    ['console:Grace Hopper', 'buffer.redriven'],
    ['console:Grace Hopper', 'integration.clear_suspension'],
  ]);

  // The evening before, in the account's time: 20:00 (S − 2 h) the chat is there, 21:30 (S − 30 min) it is hidden.
  await page.fill('#preview-at', '2026-12-01T20:00');
  await page.selectOption('#preview-zone', 'account');
  await Promise.all([page.waitForURL(/\/preview\?/), page.click('button:has-text("Preview")')]);
  expect(await page.locator('#preview-phase').innerText()).toBe('imports_blocked');
  const chatRow = page.locator('#preview-surfaces tr', { has: page.locator('th', { hasText: /^chat$/ }) });
  expect(await chatRow.locator('td').first().innerText()).toBe('passes to the upstream');
  expect(await page.locator('h2#h-moment').innerText()).toContain('2026-12-01T19:00:00.000Z');
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: path.join(OUT, 'preview-s-2h.png'), fullPage: true });

  await page.fill('#preview-at', '2026-12-01T21:30');
  await Promise.all([page.waitForURL(/21%3A30/), page.click('button:has-text("Preview")')]);
  expect(await page.locator('#preview-phase').innerText()).toBe('chat_hidden');
  expect(await chatRow.locator('td').first().innerText()).toBe('chat_hidden 204');
  await page.screenshot({ path: path.join(OUT, 'preview-s-30min.png'), fullPage: true });

  // Signing out ends the session in this browser.
  await Promise.all([page.waitForURL(`${base}/console/login`), page.click('header button:has-text("Sign out")')]);
  await page.goto(`${base}/console/accounts/acme`);
  expect(new URL(page.url()).pathname).toBe('/console/login');
  await context.close();
}, 180_000);
